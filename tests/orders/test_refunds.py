"""Refunds: full and partial, never more than paid, never applied twice.

Through the offline gateway and through the real ``stripe`` library against
the fake Stripe server; retries in a real Celery worker.
"""

from __future__ import annotations

import copy
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from orders.models import (
    Order,
    OrderStatus,
    OrderStatusChange,
    Refund,
    RefundReason,
    RefundStatus,
)
from orders.payment_gateway import payment_gateway
from orders.services.checkout_session import checkout_pay
from orders.services.installation import installation_prefix
from orders.services.payment import orders_expire_due
from orders.services.payment_events import payment_event_receive
from orders.services.refunds import (
    RefundRefused,
    refund_create,
    refund_issue,
    refund_send,
    refundable_amount,
    refunds_retry_due,
)
from orders.tasks import refunds_retry
from tests.support.order_builders import SITE, fr_listing, order_paid_offline, start

pytestmark = pytest.mark.django_db
GOODWILL = RefundReason.GOODWILL
OFFLINE_PREFIX = "orders:offline-payment"


def _paid(price: str = "400.00", shipping: str = "0", **kwargs) -> Order:
    return order_paid_offline((fr_listing(price=price, shipping=shipping), 1), **kwargs)


def _paid_with_stripe(fake, price: str = "400.00") -> Order:
    """An order paid on the fake Stripe, its events applied as the webhook would."""
    order = start((fr_listing(price=price), 1))
    checkout_pay(order, SITE)
    order.refresh_from_db()
    for event in fake.session_complete(order.payment_session_id):
        payment_event_receive(event)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.payment_intent_id
    return order


def _issue(order: Order, amount: str, *, seller_order=None, note: str = "") -> Refund:
    return refund_issue(
        order=order, seller_order=seller_order, amount=amount,
        reason=GOODWILL, note=note,
    )  # fmt: skip


def _offline_charge(order: Order) -> dict:
    """The charge as the offline gateway keeps it (its refunded total)."""
    state = cache.get(f"{OFFLINE_PREFIX}:session:{order.payment_session_id}")
    return state["charge"]


class TestOfflineGateway:
    def test_a_full_refund_is_sent_recorded_and_emailed(
        self, mailoutbox, django_capture_on_commit_callbacks
    ):
        order = _paid(price="300.00", shipping="9.90")
        with django_capture_on_commit_callbacks(execute=True):
            refund = _issue(order, "309.90", note="Sorry for the wait")
        refund.refresh_from_db()
        assert refund.status == RefundStatus.SUCCEEDED
        assert refund.provider_refund_id.startswith("re_offline_")
        assert refund.attempts == 1 and refund.succeeded_at is not None
        assert refund.currency == "EUR"
        order.refresh_from_db()
        # The charge.refunded the gateway emits keeps the order's total right.
        assert order.refunded_amount == Decimal("309.90")
        assert _offline_charge(order)["amount_refunded"] == 30990
        assert refundable_amount(order=order) == 0
        [email] = [m for m in mailoutbox if "refund" in m.subject]
        assert "309,90" in email.body and "Sorry for the wait" in email.body
        audit = OrderStatusChange.objects.filter(
            order=order, reason__startswith="Refund of"
        ).get()
        assert "309.90 EUR" in audit.reason and "Goodwill" in audit.reason

    def test_partial_refunds_add_up_and_the_rest_stays_refundable(
        self, django_capture_on_commit_callbacks
    ):
        order = _paid(price="400.00")
        with django_capture_on_commit_callbacks(execute=True):
            _issue(order, "100.00")
        with django_capture_on_commit_callbacks(execute=True):
            _issue(order, "50.50")
        order.refresh_from_db()
        assert order.refunded_amount == Decimal("150.50")
        assert refundable_amount(order=order) == Decimal("249.50")
        assert _offline_charge(order)["amount_refunded"] == 15050
        assert list(order.refunds.values_list("status", flat=True)) == [
            RefundStatus.SUCCEEDED,
            RefundStatus.SUCCEEDED,
        ]

    def test_sending_twice_refunds_once(self, django_capture_on_commit_callbacks):
        order = _paid(price="200.00")
        with django_capture_on_commit_callbacks(execute=True):
            refund = _issue(order, "80.00")
            refund_send(refund_id=refund.pk)
        with django_capture_on_commit_callbacks(execute=True):
            refund_send(refund_id=refund.pk)
        refund.refresh_from_db()
        assert refund.attempts == 1
        assert _offline_charge(order)["amount_refunded"] == 8000
        order.refresh_from_db()
        assert order.refunded_amount == Decimal("80.00")

    def test_a_lost_answer_resent_with_the_same_key_refunds_once(self):
        order = _paid(price="200.00")
        refund = _issue(order, "80.00")  # not sent: the test runs no on-commit
        # The provider refunds, then our transaction dies before it is saved.
        with pytest.raises(ConnectionError), transaction.atomic():
            refund_send(refund_id=refund.pk)
            raise ConnectionError("the answer never reached us")
        refund.refresh_from_db()
        assert (refund.status, refund.attempts) == (RefundStatus.PENDING, 0)
        assert _offline_charge(order)["amount_refunded"] == 8000

        refund_send(refund_id=refund.pk)

        refund.refresh_from_db()
        assert refund.status == RefundStatus.SUCCEEDED
        assert _offline_charge(order)["amount_refunded"] == 8000

    def test_a_refund_on_a_seller_order_stays_within_its_total(self):
        mine = fr_listing(price="300.00", shipping="9.90")
        other = fr_listing(price="100.00")
        order = order_paid_offline((mine, 1), (other, 1))
        seller_order = order.seller_orders.get(refurbisher=mine.refurbisher)
        _issue(order, "300.00", seller_order=seller_order)
        with pytest.raises(RefundRefused) as refusal:
            _issue(order, "10.00", seller_order=seller_order)
        assert "Only 9.90 EUR is left" in refusal.value.message
        assert refusal.value.field == "amount"
        _issue(order, "100.00")  # the rest of the order is still refundable
        with pytest.raises(RefundRefused):
            _issue(order, "10.00")
        assert refundable_amount(order=order) == Decimal("9.90")

    @pytest.mark.parametrize(
        "amount", ["0", "-5.00", "0.001", "400.01", "NaN", "Infinity", "1e999", "x"]
    )
    def test_nothing_zero_negative_or_more_than_paid(self, amount):
        order = _paid(price="400.00")
        with pytest.raises(RefundRefused) as refusal:
            _issue(order, amount)
        assert refusal.value.field == "amount"
        assert not Refund.objects.exists()

    def test_an_unpaid_order_cannot_be_refunded(self):
        order = start((fr_listing(), 1))
        with pytest.raises(RefundRefused, match="Only a paid order"):
            _issue(order, "1.00")

    def test_an_unknown_reason_is_refused(self):
        order = _paid()
        with pytest.raises(RefundRefused, match="not a reason"):
            refund_issue(
                order=order, seller_order=None, amount=Decimal("1"),
                reason="because",
            )  # fmt: skip

    def test_a_failure_leaves_it_pending_then_failed_after_the_last_attempt(
        self, settings, django_capture_on_commit_callbacks
    ):
        settings.REFUND_MAX_ATTEMPTS = 2
        order = _paid(price="200.00")
        intent_key = f"{OFFLINE_PREFIX}:intent:{order.payment_intent_id}"
        session_id = cache.get(intent_key)
        cache.delete(intent_key)  # the provider cannot find the payment
        with django_capture_on_commit_callbacks(execute=True):
            refund = _issue(order, "200.00")
        refund.refresh_from_db()
        assert (refund.status, refund.attempts) == (RefundStatus.PENDING, 1)
        assert "no paid payment" in refund.failure_message
        # Still counted while pending: nothing more can be refunded meanwhile.
        assert refundable_amount(order=order) == 0

        refund_send(refund_id=refund.pk)

        refund.refresh_from_db()
        assert (refund.status, refund.attempts) == (RefundStatus.FAILED, 2)
        # A failed refund no longer counts: QA may decide a new one.
        assert refundable_amount(order=order) == Decimal("200.00")
        refund_send(refund_id=refund.pk)  # a failed one is never sent again
        refund.refresh_from_db()
        assert refund.attempts == 2
        cache.set(intent_key, session_id)
        with django_capture_on_commit_callbacks(execute=True):
            again = _issue(order, "200.00")
        again.refresh_from_db()
        assert again.status == RefundStatus.SUCCEEDED

    def test_the_periodic_retry_sends_only_refunds_pending_a_while(
        self, django_capture_on_commit_callbacks
    ):
        order = _paid(price="200.00")
        old = _issue(order, "20.00")
        recent = _issue(order, "30.00")
        Refund.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - timedelta(minutes=10)
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert refunds_retry_due() == 1
        old.refresh_from_db()
        recent.refresh_from_db()
        assert old.status == RefundStatus.SUCCEEDED
        assert recent.status == RefundStatus.PENDING


class TestLatePayment:
    def _paid_too_late(self) -> Order:
        listing = fr_listing(stock=1, price="100.00")
        order = start((listing, 1))
        checkout_pay(order, SITE)
        order.refresh_from_db()
        orders_expire_due(at=timezone.now() + timedelta(hours=1))
        order_paid_offline((listing, 1), email="someone-else@example.com")
        return order

    def test_it_is_refunded_whole_once_whatever_the_deliveries(
        self, django_capture_on_commit_callbacks
    ):
        order = self._paid_too_late()
        events = payment_gateway().events_for(order.payment_session_id, "paid")
        assert len(events) == 2  # session completed and intent succeeded
        # Each event twice, and the intent's again under a new event id.
        resent = copy.deepcopy(events[-1])
        resent["id"] = resent["id"] + "_again"
        with django_capture_on_commit_callbacks(execute=True):
            results = [payment_event_receive(e) for e in [*events, *events, resent]]
        assert results[2:4] == ["duplicate", "duplicate"]
        refund = Refund.objects.get(order=order)
        assert refund.reason == RefundReason.PAID_TOO_LATE
        assert refund.seller_order is None
        assert refund.amount == Decimal("100.00")
        assert refund.status == RefundStatus.SUCCEEDED
        order.refresh_from_db()
        assert order.status == OrderStatus.EXPIRED
        assert order.refunded_amount == Decimal("100.00")
        assert _offline_charge(order)["amount_refunded"] == 10000


class TestStripe:
    def test_a_partial_then_the_rest_with_our_idempotency_keys(
        self, fake_stripe, django_capture_on_commit_callbacks
    ):
        order = _paid_with_stripe(fake_stripe, price="250.00")
        with django_capture_on_commit_callbacks(execute=True):
            first = _issue(order, "100.00")
        with django_capture_on_commit_callbacks(execute=True):
            second = _issue(order, "150.00")
        requests = fake_stripe.requests_to("POST", "/v1/refunds")
        prefix = installation_prefix()
        assert [r.idempotency_key for r in requests] == [
            f"{prefix}-refund-{first.pk}",
            f"{prefix}-refund-{second.pk}",
        ]
        assert [r.params["amount"] for r in requests] == ["10000", "15000"]
        assert {r.params["payment_intent"] for r in requests} == {
            order.payment_intent_id
        }
        assert requests[0].params["metadata"]["refund_id"] == str(first.pk)
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.status == second.status == RefundStatus.SUCCEEDED
        assert first.provider_refund_id in fake_stripe.refunds
        charge = next(iter(fake_stripe.charges.values()))
        assert charge["amount_refunded"] == 25000 and charge["refunded"]

    def test_sending_twice_asks_stripe_once(self, fake_stripe):
        order = _paid_with_stripe(fake_stripe)
        refund = _issue(order, "40.00")
        refund_send(refund_id=refund.pk)
        refund_send(refund_id=refund.pk)
        assert len(fake_stripe.requests_to("POST", "/v1/refunds")) == 1
        assert len(fake_stripe.refunds) == 1

    def test_a_lost_answer_is_replayed_by_stripe_not_refunded_again(self, fake_stripe):
        order = _paid_with_stripe(fake_stripe, price="300.00")
        refund = _issue(order, "120.00")
        with pytest.raises(ConnectionError), transaction.atomic():
            refund_send(refund_id=refund.pk)
            raise ConnectionError("the answer never reached us")
        refund.refresh_from_db()
        assert refund.status == RefundStatus.PENDING and not refund.provider_refund_id
        [made] = fake_stripe.refunds

        refund_send(refund_id=refund.pk)

        refund.refresh_from_db()
        assert refund.status == RefundStatus.SUCCEEDED
        assert refund.provider_refund_id == made  # the first answer, replayed
        requests = fake_stripe.requests_to("POST", "/v1/refunds")
        assert len(requests) == 2
        assert {r.idempotency_key for r in requests} == {refund.idempotency_key}
        assert len(fake_stripe.refunds) == 1
        charge = next(iter(fake_stripe.charges.values()))
        assert charge["amount_refunded"] == 12000

    def test_a_provider_error_leaves_it_pending_with_the_message(self, fake_stripe):
        order = _paid_with_stripe(fake_stripe)
        refund = _issue(order, "40.00")
        # The first try and the library's two retries all fail.
        fake_stripe.fail_next(500, count=3, message="Stripe is having a bad day")
        refund_send(refund_id=refund.pk)
        refund.refresh_from_db()
        assert refund.status == RefundStatus.PENDING
        assert "bad day" in refund.failure_message
        assert not fake_stripe.refunds
        refund_send(refund_id=refund.pk)
        refund.refresh_from_db()
        assert refund.status == RefundStatus.SUCCEEDED
        assert refund.failure_message == ""
        assert len(fake_stripe.refunds) == 1

    def test_charge_refunded_events_in_any_order_keep_the_total_right(
        self, fake_stripe
    ):
        order = _paid_with_stripe(fake_stripe, price="300.00")
        for amount in ("100.00", "50.00"):
            refund_send(refund_id=_issue(order, amount).pk)
        events = [e for e in fake_stripe.events if e["type"] == "charge.refunded"]
        assert [e["data"]["object"]["amount_refunded"] for e in events] == [
            10000,
            15000,
        ]
        for event in [events[1], events[0], events[1]]:
            payment_event_receive(event)
        order.refresh_from_db()
        assert order.refunded_amount == Decimal("150.00")


# --- Concurrency and the real worker ------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_refunds_at_once_beyond_what_is_left_one_is_refused():
    order = _paid(price="100.00")
    barrier = threading.Barrier(2)
    done: list[Refund] = []
    refused: list[RefundRefused] = []
    lock = threading.Lock()

    def refund() -> None:
        try:
            barrier.wait(timeout=20)
            made = _issue(Order.objects.get(pk=order.pk), "60.00")
            with lock:
                done.append(made)
        except RefundRefused as refusal:
            with lock:
                refused.append(refusal)
        finally:
            connection.close()

    threads = [threading.Thread(target=refund) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(done) == len(refused) == 1
    assert "Only 40.00 EUR is left" in refused[0].message
    assert list(Refund.objects.values_list("amount", flat=True)) == [Decimal("60.00")]
    # Sent after its commit; the gateway refunded exactly that.
    assert Refund.objects.get().status == RefundStatus.SUCCEEDED
    assert _offline_charge(order)["amount_refunded"] == 6000


@pytest.mark.django_db(transaction=True)
def test_the_retry_task_sends_a_refund_the_provider_refused_before(celery_worker):
    order = _paid(price="200.00")
    intent_key = f"{OFFLINE_PREFIX}:intent:{order.payment_intent_id}"
    session_id = cache.get(intent_key)
    cache.delete(intent_key)  # the provider cannot be reached for a while
    refund = _issue(order, "75.00")  # sent on commit, and refused
    refund.refresh_from_db()
    assert (refund.status, refund.attempts) == (RefundStatus.PENDING, 1)
    assert refund.failure_message
    cache.set(intent_key, session_id)  # the provider is back
    Refund.objects.filter(pk=refund.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )

    assert refunds_retry.delay().get(timeout=30) == 1
    assert refunds_retry.delay().get(timeout=30) == 0  # nothing left to send

    refund.refresh_from_db()
    assert (refund.status, refund.attempts) == (RefundStatus.SUCCEEDED, 2)
    assert refund.failure_message == ""
    assert _offline_charge(order)["amount_refunded"] == 7500
    order.refresh_from_db()
    assert order.refunded_amount == Decimal("75.00")


@pytest.mark.django_db(transaction=True)
def test_a_refund_is_decided_inside_the_change_that_causes_it():
    order = _paid()
    with pytest.raises(RuntimeError, match="inside a transaction"):
        refund_create(
            order=order, seller_order=None, amount=Decimal("1"), reason=GOODWILL
        )
    assert not Refund.objects.exists()
