"""Fixtures of the browser tests."""

from __future__ import annotations

import pytest

from tests.support.catalog import build_catalog


@pytest.fixture
def shop_url(live_server, settings) -> str:
    """The live site's address, with ``build_catalog``'s catalog, paid offline."""
    settings.STRIPE_SECRET_KEY = ""  # the offline test gateway
    build_catalog()
    return live_server.url
