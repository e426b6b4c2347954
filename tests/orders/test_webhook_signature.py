"""Webhook deliveries: only Stripe-signed, fresh events pass; each is recorded once.

Events come from the fake Stripe server's state changes and are signed with
``stripe.WebhookSignature`` exactly as Stripe signs a delivery.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from threading import Barrier

import pytest
import stripe
from django.db import connection, transaction
from django.utils import timezone

from marketplace.money import to_minor_units
from orders import stripe_api
from orders.exceptions import WebhookSignatureError
from orders.models import PaymentEvent
from orders.payment_gateway import OfflineGateway
from orders.services.payment_events import event_mark_processed, event_record
from orders.webhooks import verified_event
from tests.support.fake_stripe import FakeStripe, event_signed

pytestmark = pytest.mark.django_db


def _completed(fake: FakeStripe) -> dict:
    """A checkout.session.completed event for a session paid on the fake."""
    session = stripe_api.checkout_session_create(
        reference="RM-4Z8",
        idempotency_key="order-9-checkout-1",
        email="ana@example.com",
        currency="USD",
        lines=[
            {
                "name": "Pixel 7, 128 GB, grade A",
                "unit_amount_minor": to_minor_units(Decimal("289"), "USD"),
                "quantity": 1,
            }
        ],
        success_url="https://remarket.test/done/",
        cancel_url="https://remarket.test/cart/",
        expires_at=timezone.now() + dt.timedelta(hours=1),
        metadata={"order_id": 9},
    )
    events = fake.session_complete(session["id"])
    return next(e for e in events if e["type"] == "checkout.session.completed")


def test_a_signed_event_is_verified_and_returned_as_sent(fake_stripe):
    event = _completed(fake_stripe)
    body, header = fake_stripe.event_signed(event)

    verified = verified_event(body, header)

    assert verified == event
    assert verified["data"]["object"]["amount_total"] == 28900
    assert verified["data"]["object"]["metadata"]["order_id"] == "9"


def test_a_changed_body_is_refused(fake_stripe):
    """Someone raising the amount after signing cannot pass."""
    body, header = fake_stripe.event_signed(_completed(fake_stripe))
    tampered = body.replace(b'"amount_total": 28900', b'"amount_total": 100')
    assert tampered != body

    with pytest.raises(WebhookSignatureError, match="expected signature"):
        verified_event(tampered, header)


def test_a_signature_with_another_secret_is_refused(fake_stripe):
    body, header = fake_stripe.event_signed(
        _completed(fake_stripe), secret="whsec_someone_else"
    )

    with pytest.raises(WebhookSignatureError, match="expected signature"):
        verified_event(body, header)


def test_a_stale_signature_is_refused(fake_stripe):
    """A delivery signed more than 300 s ago could be a replay."""
    event = _completed(fake_stripe)
    body, header = fake_stripe.event_signed(event, timestamp=int(time.time()) - 301)

    with pytest.raises(WebhookSignatureError, match="tolerance"):
        verified_event(body, header)

    # Within the tolerance, a late delivery is fine.
    body, header = fake_stripe.event_signed(event, timestamp=int(time.time()) - 200)
    assert verified_event(body, header)["id"] == event["id"]


@pytest.mark.parametrize("header", [None, "", "garbage", "t=123", "v1=abc"])
def test_a_missing_or_malformed_header_is_refused(fake_stripe, header):
    body, _ = fake_stripe.event_signed(_completed(fake_stripe))

    with pytest.raises(WebhookSignatureError):
        verified_event(body, header)


def test_without_a_webhook_secret_nothing_is_accepted(fake_stripe, settings):
    body, header = fake_stripe.event_signed(_completed(fake_stripe))
    settings.STRIPE_WEBHOOK_SECRET = ""

    with pytest.raises(WebhookSignatureError, match="not set"):
        verified_event(body, header)


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'{"id": "evt_1", "type": "x"}',
        "\u00e9".encode("latin-1"),
    ],
)
def test_a_signed_body_that_is_not_an_event_is_refused(settings, body):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    text = body.decode("utf-8", errors="replace")
    header = stripe.WebhookSignature.generate_signature_header(text, "whsec_test")

    with pytest.raises(WebhookSignatureError):
        verified_event(body, header)


def test_an_event_is_recorded_once(fake_stripe):
    """The same event delivered twice: recorded the first time, a no-op after."""
    event = verified_event(*fake_stripe.event_signed(_completed(fake_stripe)))

    assert event_record(event) is True
    assert event_record(event) is False

    [recorded] = PaymentEvent.objects.all()
    assert recorded.provider_event_id == event["id"]
    assert recorded.type == "checkout.session.completed"
    assert recorded.payload == event
    assert recorded.received_at is not None
    assert recorded.processed_at is None
    event_mark_processed(event)
    recorded.refresh_from_db()
    assert recorded.processed_at is not None


def test_a_duplicate_leaves_the_callers_transaction_usable(fake_stripe):
    event = verified_event(*fake_stripe.event_signed(_completed(fake_stripe)))
    event_record(event)

    with transaction.atomic():
        assert event_record(event) is False
        assert PaymentEvent.objects.count() == 1  # the transaction still works


def test_a_record_rolled_back_with_failed_processing_is_recorded_again(fake_stripe):
    """If processing fails, Stripe's next delivery of the event is processed."""
    event = verified_event(*fake_stripe.event_signed(_completed(fake_stripe)))

    with pytest.raises(RuntimeError), transaction.atomic():
        assert event_record(event) is True
        raise RuntimeError("processing failed")

    assert event_record(event) is True


def test_offline_events_pass_the_same_verification(fake_stripe, settings):
    """The offline gateway's events are events by the webhook's own standard."""
    settings.STRIPE_SECRET_KEY = ""
    gateway = OfflineGateway()
    start = gateway.start_payment(
        order_reference="RM-4Z8",
        idempotency_key="order-9-checkout-1",
        email="ana@example.com",
        currency="USD",
        lines=[{"name": "Pixel 7", "unit_amount_minor": 28900, "quantity": 1}],
        success_url="/done/",
        cancel_url="/cart/",
        expires_at=timezone.now() + dt.timedelta(hours=1),
        metadata={"order_id": 9},
    )

    for event in gateway.events_for(start.session_id, "paid"):
        verified = verified_event(
            *event_signed(event, secret=fake_stripe.webhook_secret)
        )
        assert verified == event
        assert event_record(verified) is True
        assert event_record(verified) is False
    assert json.loads(json.dumps(event)) == event  # JSON through and through


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_record_the_event_once(fake_stripe):
    """Concurrent deliveries meet on the unique id: exactly one processes."""
    event = verified_event(*fake_stripe.event_signed(_completed(fake_stripe)))
    barrier = Barrier(4)

    def deliver() -> bool:
        try:
            barrier.wait()
            with transaction.atomic():
                recorded = event_record(event)
                time.sleep(0.1)  # "processing", with the record not yet committed
                return recorded
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: deliver(), range(4)))

    assert sorted(results) == [False, False, False, True]
    assert PaymentEvent.objects.filter(provider_event_id=event["id"]).count() == 1
