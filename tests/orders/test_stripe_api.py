"""The Stripe boundary: the real ``stripe`` library against the fake Stripe server.

What goes over the wire (minor units, currency, metadata, idempotency keys),
what comes back, and how Stripe's refusals reach our code; then the gateway
switch and the offline gateway that stands in for Stripe.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from marketplace.money import to_minor_units
from orders import stripe_api
from orders.exceptions import PaymentProviderError
from orders.payment_gateway import (
    OfflineGateway,
    PaymentStart,
    StripeGateway,
    payment_gateway,
)
from tests.support.fake_stripe import FakeStripe

pytestmark = pytest.mark.usefixtures("stripe_quick_retries")
SESSIONS = "/v1/checkout/sessions"


def _lines() -> list[dict[str, Any]]:
    return [
        {
            "name": "iPhone 13, 128 GB, Midnight, grade A",
            "unit_amount_minor": to_minor_units(Decimal("429.90"), "EUR"),
            "quantity": 1,
        },
        {
            "name": "Galaxy S22, 256 GB, grade B",
            "unit_amount_minor": to_minor_units(Decimal("310.5"), "EUR"),
            "quantity": 2,
        },
    ]


def _session_args(**overrides: Any) -> dict[str, Any]:
    args = {
        "reference": "RM-7K2Q9X",
        "idempotency_key": "order-41-checkout-1",
        "email": "ana@example.com",
        "currency": "EUR",
        "lines": _lines(),
        "success_url": "https://remarket.test/checkout/done/?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://remarket.test/cart/",
        "expires_at": timezone.now() + dt.timedelta(minutes=31),
        "metadata": {"order_id": 41},
    }
    return {**args, **overrides}


def _paid_intent(fake: FakeStripe) -> tuple[str, str]:
    session = stripe_api.checkout_session_create(**_session_args())
    fake.session_complete(session["id"])
    return session["id"], fake.sessions[session["id"]]["payment_intent"]


# --- Checkout Sessions -------------------------------------------------------


def test_a_session_is_created_with_minor_units_currency_metadata_and_key(fake_stripe):
    """The server's amounts go out as integer cents; the order rides in metadata."""
    expires_at = timezone.now() + dt.timedelta(minutes=31)

    session = stripe_api.checkout_session_create(**_session_args(expires_at=expires_at))

    assert session["id"].startswith("cs_test_")
    assert session["url"] == f"https://checkout.stripe.com/c/pay/{session['id']}"
    assert session["payment_intent"] is None  # created when the shopper pays
    [sent] = fake_stripe.requests_to("POST", SESSIONS)
    assert sent.idempotency_key == "order-41-checkout-1"
    assert sent.api_key == fake_stripe.api_key
    assert "line_items[0][price_data][unit_amount]=42990&" in sent.raw_body
    params = sent.params
    assert params["mode"] == "payment"
    assert params["client_reference_id"] == "RM-7K2Q9X"
    assert params["customer_email"] == "ana@example.com"
    assert params["expires_at"] == str(int(expires_at.timestamp()))
    assert [item["price_data"]["unit_amount"] for item in params["line_items"]] == [
        "42990",
        "31050",
    ]
    assert [item["quantity"] for item in params["line_items"]] == ["1", "2"]
    assert {item["price_data"]["currency"] for item in params["line_items"]} == {"eur"}
    assert params["line_items"][0]["price_data"]["product_data"]["name"] == (
        "iPhone 13, 128 GB, Midnight, grade A"
    )
    tags = {"order_reference": "RM-7K2Q9X", "order_id": "41"}
    assert params["metadata"] == tags
    assert params["payment_intent_data"]["metadata"] == tags
    stored = fake_stripe.sessions[session["id"]]
    assert stored["amount_total"] == 42990 + 2 * 31050
    assert stored["currency"] == "eur"
    assert stored["status"] == "open"


def test_a_retry_with_the_same_key_returns_the_same_session(fake_stripe):
    """A double click or a retried request never opens a second session."""
    # One set of arguments, as a retry sends: the expiry must not move between
    # the two calls when they straddle a second.
    args = _session_args()
    first = stripe_api.checkout_session_create(**args)
    again = stripe_api.checkout_session_create(**args)

    assert again == first
    assert len(fake_stripe.sessions) == 1
    assert len(fake_stripe.requests_to("POST", SESSIONS)) == 2


def test_the_same_key_with_another_body_is_refused_as_stripe_does(fake_stripe):
    args = _session_args()
    stripe_api.checkout_session_create(**args)
    changed = _lines()
    changed[0]["unit_amount_minor"] = 100

    with pytest.raises(PaymentProviderError, match="same parameters"):
        stripe_api.checkout_session_create(**{**args, "lines": changed})

    assert len(fake_stripe.sessions) == 1
    assert fake_stripe.requests[-1].status == 400


def test_a_failed_request_is_retried_with_the_same_idempotency_key(fake_stripe):
    """The library retries a 500 itself; the retry carries the same key."""
    fake_stripe.fail_next(500)

    session = stripe_api.checkout_session_create(**_session_args())

    sent = fake_stripe.requests_to("POST", SESSIONS)
    assert [r.status for r in sent] == [500, 200]
    assert {r.idempotency_key for r in sent} == {"order-41-checkout-1"}
    assert list(fake_stripe.sessions) == [session["id"]]


def test_stripe_down_becomes_a_payment_provider_error(fake_stripe):
    """After its retries (two), the library gives up; we get one error type."""
    fake_stripe.fail_next(503, count=3, message="Stripe is resting")

    with pytest.raises(PaymentProviderError, match="Stripe is resting"):
        stripe_api.checkout_session_create(**_session_args())

    assert len(fake_stripe.requests_to("POST", SESSIONS)) == 3
    assert fake_stripe.sessions == {}


def test_a_wrong_api_key_becomes_a_payment_provider_error(fake_stripe, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_not_the_right_one"

    with pytest.raises(PaymentProviderError, match="Invalid API Key") as caught:
        stripe_api.checkout_session_create(**_session_args())

    assert caught.value.code == "api_key_invalid"
    assert fake_stripe.sessions == {}


def test_stripe_validation_errors_become_payment_provider_errors(fake_stripe):
    """An expiry past Stripe's 24 hours, or a total under 50 cents, is refused."""
    with pytest.raises(PaymentProviderError, match="less than 24 hours"):
        stripe_api.checkout_session_create(
            **_session_args(expires_at=timezone.now() + dt.timedelta(hours=25))
        )
    cheap = [{"name": "Cable", "unit_amount_minor": 10, "quantity": 1}]
    with pytest.raises(PaymentProviderError, match="at least 50") as caught:
        stripe_api.checkout_session_create(
            **_session_args(idempotency_key="other", lines=cheap)
        )
    assert caught.value.code == "amount_too_small"
    assert fake_stripe.sessions == {}


def test_an_expiry_under_stripes_30_minutes_is_moved_to_31(fake_stripe):
    """The order's hold ends a moment earlier; orders.services.payment copes."""
    before = int(timezone.now().timestamp())

    created = stripe_api.checkout_session_create(
        **_session_args(expires_at=timezone.now() + dt.timedelta(minutes=29))
    )

    expires_at = fake_stripe.sessions[created["id"]]["expires_at"]
    assert before + 31 * 60 <= expires_at <= int(timezone.now().timestamp()) + 31 * 60


@pytest.mark.parametrize("amount", [Decimal("429.90"), 429.9, "42990", True])
def test_amounts_other_than_int_minor_units_never_leave(fake_stripe, amount):
    lines = [{"name": "iPhone 13", "unit_amount_minor": amount, "quantity": 1}]

    with pytest.raises(TypeError, match="minor units"):
        stripe_api.checkout_session_create(**_session_args(lines=lines))

    assert fake_stripe.requests == []


def test_a_session_can_be_read_back(fake_stripe):
    created = stripe_api.checkout_session_create(**_session_args())
    fake_stripe.session_complete(created["id"])

    session = stripe_api.checkout_session_retrieve(created["id"])

    assert session["status"] == "complete"
    assert session["payment_status"] == "paid"
    assert session["amount_total"] == 42990 + 2 * 31050
    assert session["payment_intent"].startswith("pi_test_")
    assert session["metadata"]["order_id"] == "41"


def test_an_unknown_session_is_a_payment_provider_error(fake_stripe):
    with pytest.raises(PaymentProviderError, match=r"No such checkout\.session") as e:
        stripe_api.checkout_session_retrieve("cs_test_nope")
    assert e.value.code == "resource_missing"


def test_expiring_a_session_closes_it_and_stripe_says_so(fake_stripe):
    created = stripe_api.checkout_session_create(**_session_args())

    expired = stripe_api.checkout_session_expire(
        created["id"], idempotency_key=f"rmtest-expire-{created['id']}"
    )

    assert expired == {"id": created["id"], "status": "expired"}
    assert fake_stripe.sessions[created["id"]]["status"] == "expired"
    assert [e["type"] for e in fake_stripe.events] == ["checkout.session.expired"]
    [sent] = fake_stripe.requests_to("POST", f"{SESSIONS}/{created['id']}/expire")
    assert sent.idempotency_key == f"rmtest-expire-{created['id']}"


def test_a_paid_session_cannot_be_expired(fake_stripe):
    created = stripe_api.checkout_session_create(**_session_args())
    fake_stripe.session_complete(created["id"])

    with pytest.raises(PaymentProviderError, match="can be expired"):
        stripe_api.checkout_session_expire(created["id"], idempotency_key="expire-2")

    assert fake_stripe.sessions[created["id"]]["status"] == "complete"


# --- Refunds -----------------------------------------------------------------


def test_a_refund_is_sent_in_minor_units_with_its_key_and_metadata(fake_stripe):
    _, intent = _paid_intent(fake_stripe)

    refund = stripe_api.refund_create(
        payment_intent=intent,
        amount_minor=to_minor_units(Decimal("310.50"), "EUR"),
        currency="EUR",
        idempotency_key="refund-seller-order-7",
        metadata={"seller_order_id": 7},
    )

    assert refund["id"].startswith("re_test_")
    assert refund["status"] == "succeeded"
    assert refund["amount"] == 31050
    assert refund["currency"] == "EUR"
    assert refund["payment_intent"] == intent
    [sent] = fake_stripe.requests_to("POST", "/v1/refunds")
    assert sent.idempotency_key == "refund-seller-order-7"
    assert sent.params == {
        "payment_intent": intent,
        "amount": "31050",
        "metadata": {"seller_order_id": "7"},
    }
    [refunded] = [e for e in fake_stripe.events if e["type"] == "charge.refunded"]
    assert refunded["data"]["object"]["amount_refunded"] == 31050
    assert refunded["data"]["object"]["refunded"] is False  # partly


def test_a_refund_retried_with_its_key_refunds_once(fake_stripe):
    _, intent = _paid_intent(fake_stripe)
    args = {
        "payment_intent": intent,
        "amount_minor": 31050,
        "currency": "EUR",
        "idempotency_key": "refund-seller-order-7",
        "metadata": {},
    }

    first = stripe_api.refund_create(**args)
    again = stripe_api.refund_create(**args)

    assert again == first
    assert len(fake_stripe.refunds) == 1
    [charge] = fake_stripe.charges.values()
    assert charge["amount_refunded"] == 31050


def test_a_refund_stripe_refuses_is_a_payment_provider_error(fake_stripe):
    session_id, intent = _paid_intent(fake_stripe)
    total = fake_stripe.sessions[session_id]["amount_total"]

    with pytest.raises(PaymentProviderError, match="greater than unrefunded"):
        stripe_api.refund_create(
            payment_intent=intent,
            amount_minor=total + 1,
            currency="EUR",
            idempotency_key="too-much",
            metadata={},
        )
    with pytest.raises(PaymentProviderError, match="No such payment_intent"):
        stripe_api.refund_create(
            payment_intent="pi_test_nope",
            amount_minor=100,
            currency="EUR",
            idempotency_key="nope",
            metadata={},
        )
    assert fake_stripe.refunds == {}


# --- The gateway switch ------------------------------------------------------


def test_the_gateway_is_stripe_when_a_secret_key_is_set(fake_stripe):
    assert isinstance(payment_gateway(), StripeGateway)


def test_the_gateway_is_offline_without_a_secret_key(settings):
    settings.STRIPE_SECRET_KEY = ""
    assert isinstance(payment_gateway(), OfflineGateway)
    assert payment_gateway().moves_money is False


def _start_args(**overrides: Any) -> dict[str, Any]:
    args = _session_args(**overrides)
    args["order_reference"] = args.pop("reference")
    return args


def test_the_stripe_gateway_sends_the_shopper_to_stripe(fake_stripe):
    gateway = payment_gateway()

    start = gateway.start_payment(**_start_args())

    assert start == PaymentStart(
        "stripe",
        start.session_id,
        f"https://checkout.stripe.com/c/pay/{start.session_id}",
    )
    gateway.cancel_payment(start.session_id, idempotency_key="rmtest-expire-1")
    assert fake_stripe.sessions[start.session_id]["status"] == "expired"


def test_the_offline_gateway_sends_the_shopper_to_the_test_payment_page(settings):
    settings.STRIPE_SECRET_KEY = ""
    gateway = payment_gateway()

    start = gateway.start_payment(**_start_args())
    again = gateway.start_payment(**_start_args())

    assert start.provider == "offline"
    assert start.redirect_url == f"/checkout/test-payment/{start.session_id}/"
    assert again == start  # same idempotency key, same session
    session = gateway.session(start.session_id)
    assert session["amount_total"] == 42990 + 2 * 31050
    assert session["currency"] == "eur"
    assert session["metadata"] == {"order_reference": "RM-7K2Q9X", "order_id": "41"}


def test_offline_events_repeat_like_a_redelivered_webhook(settings):
    """Paying twice on the test page gives the same event ids, not a new payment."""
    settings.STRIPE_SECRET_KEY = ""
    gateway = OfflineGateway()
    start = gateway.start_payment(**_start_args())

    failed = gateway.events_for(start.session_id, "failed")
    paid = gateway.events_for(start.session_id, "paid")
    paid_again = gateway.events_for(start.session_id, "paid")

    assert [e["type"] for e in failed] == ["payment_intent.payment_failed"]
    assert [e["type"] for e in paid] == [
        "checkout.session.completed",
        "payment_intent.succeeded",
    ]
    assert paid_again == paid
    completed, succeeded = paid
    assert completed["data"]["object"]["amount_total"] == 42990 + 2 * 31050
    assert completed["data"]["object"]["metadata"]["order_id"] == "41"
    assert succeeded["data"]["object"]["amount_received"] == 42990 + 2 * 31050
    assert succeeded["data"]["object"]["metadata"]["order_id"] == "41"
    # the failed try and the payment were on one PaymentIntent, as on Stripe
    assert failed[0]["data"]["object"]["id"] == succeeded["data"]["object"]["id"]
    with pytest.raises(PaymentProviderError, match="complete, not open"):
        gateway.events_for(start.session_id, "expired")


def test_an_offline_refund_gives_its_charge_refunded_event(settings):
    settings.STRIPE_SECRET_KEY = ""
    gateway = OfflineGateway()
    start = gateway.start_payment(**_start_args())
    [_, succeeded] = gateway.events_for(start.session_id, "paid")
    intent = succeeded["data"]["object"]["id"]

    refund = gateway.refund(
        payment_intent=intent,
        amount_minor=31050,
        currency="EUR",
        idempotency_key="refund-7",
        metadata={},
    )
    again = gateway.refund(
        payment_intent=intent,
        amount_minor=31050,
        currency="EUR",
        idempotency_key="refund-7",
        metadata={},
    )

    assert again == refund
    assert refund["amount"] == 31050
    [event] = gateway.events_for(start.session_id, "refunded")
    assert event["type"] == "charge.refunded"
    assert event["data"]["object"]["amount_refunded"] == 31050
    assert event["data"]["object"]["payment_intent"] == intent


# --- The offline events look like Stripe's ---------------------------------


def _shape(value: Any) -> Any:
    """Keys and value types, recursively; None matches anything (Stripe's nulls)."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    return type(value).__name__


def _assert_same_shape(ours: Any, stripes: Any, where: str) -> None:
    if isinstance(stripes, dict):
        assert isinstance(ours, dict), where
        assert set(ours) == set(stripes), f"{where}: {set(ours) ^ set(stripes)}"
        for key in stripes:
            _assert_same_shape(ours[key], stripes[key], f"{where}.{key}")
    elif ours is not None and stripes is not None:
        assert _shape(ours) == _shape(stripes), where


def _offline_events(settings) -> dict[str, dict[str, Any]]:
    settings.STRIPE_SECRET_KEY = ""
    gateway = OfflineGateway()
    paid = gateway.start_payment(**_start_args(idempotency_key="offline-paid"))
    events = gateway.events_for(paid.session_id, "failed")
    events += gateway.events_for(paid.session_id, "paid")
    [_, succeeded] = events[1:]
    gateway.refund(
        payment_intent=succeeded["data"]["object"]["id"],
        amount_minor=100,
        currency="EUR",
        idempotency_key="offline-refund",
        metadata={},
    )
    events += gateway.events_for(paid.session_id, "refunded")
    lapsed = gateway.start_payment(**_start_args(idempotency_key="offline-expired"))
    events += gateway.events_for(lapsed.session_id, "expired")
    return {event["type"]: event for event in events}


def _stripe_events(fake: FakeStripe) -> dict[str, dict[str, Any]]:
    import json

    paid = stripe_api.checkout_session_create(**_session_args(idempotency_key="a"))
    fake.payment_fail(paid["id"])
    fake.session_complete(paid["id"])
    stripe_api.refund_create(
        payment_intent=fake.sessions[paid["id"]]["payment_intent"],
        amount_minor=100,
        currency="EUR",
        idempotency_key="b",
        metadata={},
    )
    lapsed = stripe_api.checkout_session_create(**_session_args(idempotency_key="c"))
    fake.session_expire_by_time(lapsed["id"])
    # As delivered: signed JSON bodies.
    signed = [json.loads(fake.event_signed(event)[0]) for event in fake.events]
    return {event["type"]: event for event in signed}


def test_offline_events_have_the_shapes_of_stripes_signed_events(fake_stripe, settings):
    """The order code reads the same keys whichever gateway sent the event."""
    stripes = _stripe_events(fake_stripe)
    ours = _offline_events(settings)

    assert (
        set(ours)
        == set(stripes)
        == {
            "checkout.session.completed",
            "checkout.session.expired",
            "payment_intent.succeeded",
            "payment_intent.payment_failed",
            "charge.refunded",
        }
    )
    for event_type, event in stripes.items():
        _assert_same_shape(ours[event_type], event, event_type)
        assert (
            ours[event_type]["data"]["object"]["object"]
            == (event["data"]["object"]["object"])
        )
