"""Shared fixtures of the API tests: a seller with a live key, and a client.

Other API test files may use these or build their own; keys are always made
by the real service (``api_token_create``), so a test calls the API exactly
as a refurbisher's stock system would.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from refurbishers.models import ApiToken, MemberRole, Membership, Refurbisher
from refurbishers.services.api_tokens import api_token_create
from tests.factories import RefurbisherFactory
from tests.refurbishers.builders import user_make


@dataclass
class SellerKey:
    """A refurbisher, the owner who made the key, the key row and the key."""

    refurbisher: Refurbisher
    owner: object
    token: ApiToken
    key: str

    @property
    def header(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.key}"}


def seller_key_make(
    refurbisher: Refurbisher | None = None, *, name: str = "Stock system"
) -> SellerKey:
    """An active refurbisher (or the one given) with an owner and a live key."""
    refurbisher = refurbisher or RefurbisherFactory()
    membership = (
        Membership.objects.filter(refurbisher=refurbisher, role=MemberRole.OWNER)
        .select_related("user")
        .first()
    )
    if membership is None:
        owner = user_make()
        Membership.objects.create(
            user=owner, refurbisher=refurbisher, role=MemberRole.OWNER
        )
    else:
        owner = membership.user
    token, key = api_token_create(refurbisher=refurbisher, actor=owner, name=name)
    return SellerKey(refurbisher=refurbisher, owner=owner, token=token, key=key)


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
