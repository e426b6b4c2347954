"""Fixtures of the orders tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fake_stripe import FakeStripe, running


@pytest.fixture
def fake_stripe(settings) -> Iterator[FakeStripe]:
    """A fake Stripe server for this test, with the settings pointing at it.

    ``STRIPE_SECRET_KEY``, ``STRIPE_API_BASE`` and ``STRIPE_WEBHOOK_SECRET`` are
    the fake's, so ``payment_gateway()`` is the Stripe gateway and the real
    ``stripe`` library talks to the fake. The settings return after the test.
    """
    with running() as fake:
        settings.STRIPE_SECRET_KEY = fake.api_key
        settings.STRIPE_API_BASE = fake.url
        settings.STRIPE_WEBHOOK_SECRET = fake.webhook_secret
        yield fake
