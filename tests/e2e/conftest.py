"""Fixtures of the browser tests."""

from __future__ import annotations

import pytest

from tests.support.catalog import build_catalog


@pytest.fixture
def shop_url(live_server, settings) -> str:
    """The live site's address, with the demo catalog and the offline gateway."""
    settings.STRIPE_SECRET_KEY = ""  # the offline test gateway
    build_catalog()
    return live_server.url
