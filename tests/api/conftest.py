"""Shared fixtures of the API tests: a seller with a live key, and a client.

Other API test files may use these or build their own with
``tests.support.api.seller_key_make``.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.support.api import SellerKey, seller_key_make


@pytest.fixture
def api_key(db) -> SellerKey:
    """An active refurbisher in France with an owner and one live key."""
    return seller_key_make()


@pytest.fixture
def other_api_key(db) -> SellerKey:
    """A second refurbisher with its own key: its objects must stay invisible."""
    return seller_key_make()


@pytest.fixture
def anon_client() -> APIClient:
    """A client sending no key (the public catalog, or a 401 on seller calls)."""
    return APIClient()


@pytest.fixture
def api_client(api_key: SellerKey) -> APIClient:
    """A client sending ``api_key``'s key on every request."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.key}")
    return client
