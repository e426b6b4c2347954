"""Stripe end to end: the real library, the fake Stripe, signed webhook deliveries."""

from __future__ import annotations

import time

import pytest

from orders.models import OrderStatus, PaymentEvent, SellerOrderStatus
from orders.services.checkout_session import checkout_pay
from orders.services.installation import installation_prefix
from tests.support.fake_stripe import WEBHOOK, deliver
from tests.support.order_builders import fr_listing, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def paying(fake_stripe):
    """An order whose Stripe Checkout Session is open on the fake Stripe."""
    listing = fr_listing(price="250.00", stock=1)
    order = start((listing, 1))
    url = checkout_pay(order, "http://testserver")
    order.refresh_from_db()
    assert order.payment_provider == "stripe"
    assert url.startswith(fake_stripe.url) or "checkout" in url
    return order, listing


def test_the_session_is_created_with_the_servers_amounts_and_an_idempotency_key(
    fake_stripe, paying
):
    order, _ = paying
    [request] = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    prefix = installation_prefix()
    assert request.idempotency_key == f"{prefix}-order-{order.reference}-session"
    assert order.payment_idempotency_key == request.idempotency_key
    assert request.params["metadata"]["order_id"] == str(order.pk)
    assert request.params["metadata"]["installation"] == prefix
    [line] = request.params["line_items"]
    assert line["price_data"]["currency"] == "eur"
    assert int(line["price_data"]["unit_amount"]) * int(line["quantity"]) == 25000


def test_a_paid_session_pays_the_order_once_even_delivered_twice(
    client, fake_stripe, paying
):
    order, _ = paying
    events = fake_stripe.session_complete(order.payment_session_id)
    for event in reversed(events):  # Stripe promises no order
        assert deliver(client, fake_stripe, event).status_code == 200
    duplicate = deliver(client, fake_stripe, events[0])
    assert duplicate.status_code == 200
    assert duplicate.json()["duplicate"] is True
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.seller_orders.get().status == SellerOrderStatus.PAID
    assert PaymentEvent.objects.count() == 2
    assert order.status_changes.filter(to_status="paid", seller_order=None).count() == 1


def test_text_the_database_cannot_store_in_a_signed_event_still_pays_the_order(
    client, fake_stripe, paying
):
    """A NUL or a lone surrogate the shopper typed on Stripe's page is not a
    reason to refuse the event (Stripe would retry it until it gives up)."""
    order, _ = paying
    events = fake_stripe.session_complete(order.payment_session_id)
    session = events[0]["data"]["object"]
    session["customer_details"] = {"email": "ana@example.com", "name": "Ana\x00\ud800"}

    for event in events:
        assert deliver(client, fake_stripe, event).status_code == 200

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    stored = PaymentEvent.objects.get(provider_event_id=events[0]["id"]).payload
    assert stored["data"]["object"]["customer_details"]["name"] == "Ana\ufffd\ufffd"


@pytest.mark.parametrize("tamper", ["body", "secret", "stale", "missing"])
def test_a_delivery_not_signed_by_stripe_is_refused_and_changes_nothing(
    client, fake_stripe, paying, tamper
):
    order, _ = paying
    [event, _] = fake_stripe.session_complete(order.payment_session_id)
    body, header = fake_stripe.event_signed(
        event,
        secret="whsec_wrong" if tamper == "secret" else None,
        timestamp=int(time.time()) - 600 if tamper == "stale" else None,
    )
    if tamper == "body":
        body = body.replace(b"succeeded", b"failed")
    headers = {} if tamper == "missing" else {"HTTP_STRIPE_SIGNATURE": header}
    response = client.post(WEBHOOK, body, content_type="application/json", **headers)
    assert response.status_code == 400
    assert "error" in response.json()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert not PaymentEvent.objects.exists()


def test_a_declined_card_then_a_success_on_retry(client, fake_stripe, paying):
    order, listing = paying
    for event in fake_stripe.payment_fail(order.payment_session_id):
        deliver(client, fake_stripe, event)
    order.refresh_from_db()
    listing.refresh_from_db()
    assert (order.status, listing.stock) == (OrderStatus.PAYMENT_FAILED, 1)
    for event in fake_stripe.session_complete(order.payment_session_id):
        deliver(client, fake_stripe, event)
    order.refresh_from_db()
    listing.refresh_from_db()
    assert (order.status, listing.stock) == (OrderStatus.PAID, 0)


def test_an_expired_session_releases_the_reservation(client, fake_stripe, paying):
    order, listing = paying
    for event in fake_stripe.session_expire_by_time(order.payment_session_id):
        deliver(client, fake_stripe, event)
    order.refresh_from_db()
    listing.refresh_from_db()
    assert (order.status, listing.stock) == (OrderStatus.EXPIRED, 1)
