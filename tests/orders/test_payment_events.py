"""Payment events in any order and any number of times leave the right state."""

from __future__ import annotations

import itertools

import pytest

from orders.models import OrderStatus, SellerOrderStatus
from orders.services.payment_events import payment_event_process
from tests.support.order_builders import fr_listing, start

pytestmark = pytest.mark.django_db
_ids = itertools.count(1)


def event(kind: str, order, **fields) -> dict:
    if kind.startswith("checkout.session"):
        obj = {
            "id": "cs_test_1", "object": "checkout.session",
            "amount_total": 30000, "currency": "eur", "payment_status": "paid",
            "payment_intent": "pi_test_1", "metadata": {"order_id": str(order.pk)},
        }  # fmt: skip
    else:
        obj = {
            "id": "pi_test_1", "object": "payment_intent", "amount_received": 30000,
            "currency": "eur", "metadata": {"order_id": str(order.pk)},
        }  # fmt: skip
    obj.update(fields)
    return {"id": f"evt_{next(_ids)}", "type": kind, "data": {"object": obj}}


@pytest.fixture
def order():
    return start((fr_listing(price="300.00", stock=2), 1))


@pytest.mark.parametrize(
    "kinds",
    [
        ["checkout.session.completed"],
        ["checkout.session.completed", "checkout.session.completed"],
        ["payment_intent.succeeded", "checkout.session.completed"],
        ["checkout.session.completed", "payment_intent.succeeded"],
        ["checkout.session.completed", "payment_intent.payment_failed"],
        ["checkout.session.completed", "checkout.session.expired"],
    ],
)
def test_a_success_pays_once_whatever_comes_before_or_after(order, kinds):
    outcomes = [payment_event_process(event(kind, order)) for kind in kinds]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.payment_intent_id == "pi_test_1"
    assert outcomes.count("paid") == 1
    assert order.seller_orders.get().status == SellerOrderStatus.PAID
    assert order.status_changes.filter(to_status="paid", seller_order=None).count() == 1


def test_a_failure_then_a_success_on_retry_pays_if_the_unit_is_still_there(order):
    assert payment_event_process(event("payment_intent.payment_failed", order)) == (
        "released"
    )
    assert payment_event_process(event("payment_intent.succeeded", order)) == "paid"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_an_expired_session_releases_the_reservation(order):
    assert payment_event_process(event("checkout.session.expired", order)) == "expired"
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    line = order.seller_orders.get().lines.get()
    line.listing.refresh_from_db()
    assert line.listing.stock == 2


def test_an_unpaid_completed_session_waits(order):
    unpaid = event("checkout.session.completed", order, payment_status="unpaid")
    assert payment_event_process(unpaid) == "waiting for payment"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_events_without_a_known_order_or_of_other_types_change_nothing(order):
    stranger = event("checkout.session.completed", order, metadata={}, id="cs_other")
    assert payment_event_process(stranger) == "no such order"
    assert payment_event_process({"type": "customer.created", "data": {}}) == (
        "ignored customer.created"
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def charge_refunded(order, amount_refunded: int, **fields) -> dict:
    obj = {
        "id": "ch_test_1", "object": "charge", "payment_intent": "pi_test_1",
        "amount": 30000, "amount_refunded": amount_refunded, "currency": "eur",
        "refunded": amount_refunded >= 30000, "metadata": {"order_id": str(order.pk)},
    }  # fmt: skip
    obj.update(fields)
    return {
        "id": f"evt_{next(_ids)}",
        "type": "charge.refunded",
        "data": {"object": obj},
    }


def test_refund_events_record_the_running_total_once_in_any_order(order):
    payment_event_process(event("checkout.session.completed", order))
    # A full refund reported before the partial one, and the full one twice.
    outcomes = [
        payment_event_process(charge_refunded(order, 30000)),
        payment_event_process(charge_refunded(order, 10000)),
        payment_event_process(charge_refunded(order, 30000)),
    ]
    assert outcomes == ["refund recorded", "unchanged", "unchanged"]
    order.refresh_from_db()
    assert order.refunded_amount == 300
    assert order.status == OrderStatus.PAID


def test_a_refund_event_found_by_its_payment_intent(order):
    payment_event_process(event("payment_intent.succeeded", order))
    partial = charge_refunded(order, 5000, metadata={})
    assert payment_event_process(partial) == "refund recorded"
    order.refresh_from_db()
    assert str(order.refunded_amount) == "50.00"
