"""Fixtures of the orders tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe

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


@pytest.fixture
def stripe_quick_retries(monkeypatch) -> None:
    """The library waits 0.5 s or more between network retries; not in tests."""
    monkeypatch.setattr(stripe.HTTPClient, "INITIAL_DELAY", 0.01)
    monkeypatch.setattr(stripe.HTTPClient, "MAX_DELAY", 0.02)
