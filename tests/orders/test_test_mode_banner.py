"""While payments go through the offline test gateway, every page says so."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

STRIP = "Test shop: payments go through an offline test gateway"
PAGES = ["/", "/search/?q=phone", "/cart/", "/accounts/sign-in/", "/about/warranty/"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_says_when_no_real_money_moves(client, settings, path):
    settings.STRIPE_SECRET_KEY = ""  # development, or PAYMENTS_OFFLINE=1

    response = client.get(path)

    assert response.status_code == 200
    assert STRIP in response.content.decode()


@pytest.mark.parametrize("path", PAGES)
def test_no_test_mode_strip_with_real_payments(client, settings, path):
    settings.STRIPE_SECRET_KEY = "sk_live_configured"

    assert STRIP not in client.get(path).content.decode()
