"""Payouts: what a refurbisher is paid, when, once, and through Stripe Connect.

Amounts come from crafted histories built through the services (orders paid
through the offline gateway, delivered, refunded), and are checked against
values computed by hand. The commission is 10 % of the items: a seller order of
400.00 of items and 9.90 of shipping has a total of 409.90 and a commission of
40.00, so its sale pays 369.90.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from orders import stripe_api
from orders.models import (
    Payout,
    PayoutLine,
    PayoutLineKind,
    PayoutStatus,
    Refund,
    RefundReason,
    RefundStatus,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
    SellerOrder,
    SellerOrderStatus,
)
from orders.services.cancellation import seller_order_cancel_by_shopper
from orders.services.installation import installation_prefix
from orders.services.payouts import (
    NO_ACCOUNT_MESSAGE,
    payout_send,
    payouts_run,
)
from orders.services.refunds import refund_issue, refund_send
from tests.support.order_builders import (
    later,
    payout_account_connect,
    seller_order_delivered,
    seller_order_paid,
    stripe_account_connect,
)
from tests.support.refurbisher_builders import trial_refurbisher_make

D = Decimal
TRANSFERS = "/v1/transfers"


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run payouts as the task does; what it sends after commit is sent too."""

    def run_at(at: dt.datetime | None = None) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            payouts_run(at=at or later())

    return run_at


@pytest.fixture
def refund(django_capture_on_commit_callbacks):
    """Refund part of a seller order; sent to the offline gateway on commit."""

    def issue(seller_order, amount: str, reason=RefundReason.RETURN) -> Refund:
        with django_capture_on_commit_callbacks(execute=True):
            made = refund_issue(
                order=seller_order.order, seller_order=seller_order,
                amount=D(amount), reason=reason,
            )  # fmt: skip
        made.refresh_from_db()
        assert made.status == RefundStatus.SUCCEEDED
        return made

    return issue


def delivered(refurbisher, price="400.00", shipping="9.90"):
    return seller_order_delivered(
        seller_order_paid(refurbisher=refurbisher, price=price, shipping=shipping)
    )


def lines_of(payout: Payout) -> list[tuple[str, Decimal]]:
    return list(payout.lines.order_by("pk").values_list("kind", "amount"))


# --- Amounts ----------------------------------------------------------------------


class TestAmounts:
    def test_a_sale_is_paid_once_its_return_window_closed_less_commission(
        self, shop, run, mailoutbox
    ):
        owner, refurbisher = shop
        seller_order = delivered(refurbisher)
        assert (seller_order.total_amount, seller_order.commission_amount) == (
            D("409.90"),
            D("40.00"),
        )

        run(at=timezone.now())  # the window is still open
        assert Payout.objects.count() == 0

        run()
        payout = Payout.objects.get()
        assert payout.refurbisher == refurbisher
        assert (payout.amount, payout.currency) == (D("369.90"), "EUR")
        assert payout.status == PayoutStatus.PAID
        assert payout.provider == "offline"
        assert payout.transfer_id.startswith("tr_offline_")
        assert payout.paid_at is not None and payout.attempts == 1
        [line] = payout.lines.all()
        assert (line.kind, line.amount) == (PayoutLineKind.SALE, D("369.90"))
        assert line.seller_order == seller_order
        assert seller_order.order.reference in line.description
        [email] = [m for m in mailoutbox if "payout" in m.subject]
        assert email.to == [owner.email]
        assert "369,90" in email.subject
        assert "no real money moved" in email.body
        assert f"/seller/payouts/{payout.pk}/" in email.body

    def test_a_partial_refund_before_the_payout_is_deducted_in_it(
        self, shop, run, refund
    ):
        _, refurbisher = shop
        seller_order = delivered(refurbisher)
        refund(seller_order, "100.00")

        run()

        payout = Payout.objects.get()
        # kept 309.90, less the commission on it: 40.00 * 309.90 / 409.90 = 30.24
        assert payout.amount == D("279.66")
        # the sale, and the refund less the commission it carried (9.76)
        assert lines_of(payout) == [
            (PayoutLineKind.SALE, D("369.90")),
            (PayoutLineKind.REFUND, D("-90.24")),
        ]

    def test_a_refund_after_the_payout_comes_off_the_next_one(self, shop, run, refund):
        _, refurbisher = shop
        first = delivered(refurbisher)
        run()
        assert Payout.objects.get().amount == D("369.90")
        claim_refund = refund(first, "50.00", RefundReason.WARRANTY_CLAIM)
        second = delivered(refurbisher, price="200.00", shipping="0")

        run()

        newest = Payout.objects.order_by("-pk").first()
        # 200.00 - 20.00 commission, less 50.00 - 4.88 of commission given back
        assert newest.amount == D("134.88")
        assert lines_of(newest) == [
            (PayoutLineKind.SALE, D("180.00")),
            (PayoutLineKind.REFUND, D("-45.12")),
        ]
        assert newest.lines.get(kind=PayoutLineKind.SALE).seller_order == second
        assert newest.lines.get(kind=PayoutLineKind.REFUND).refund == claim_refund
        assert Payout.objects.count() == 2

    def test_a_goodwill_refund_is_borne_by_remarket_not_deducted(
        self, shop, run, refund
    ):
        _, refurbisher = shop
        first = delivered(refurbisher)
        run()
        refund(first, "30.00", RefundReason.GOODWILL)
        delivered(refurbisher, price="200.00", shipping="0")

        run()

        newest = Payout.objects.order_by("-pk").first()
        assert lines_of(newest) == [(PayoutLineKind.SALE, D("180.00"))]
        assert newest.amount == D("180.00")

    def test_deductions_larger_than_the_sales_carry_over_to_a_later_run(
        self, shop, run, refund
    ):
        _, refurbisher = shop
        first = delivered(refurbisher)
        run()
        refund(first, "409.90")  # all of it, after the payout: -369.90 to come
        delivered(refurbisher, price="100.00", shipping="0")  # +90.00

        run()
        # 90.00 - 369.90 is below zero: nothing written, everything waits
        assert Payout.objects.count() == 1
        assert PayoutLine.objects.count() == 1

        delivered(refurbisher, price="400.00", shipping="0")  # +360.00
        run()

        newest = Payout.objects.order_by("-pk").first()
        assert newest.amount == D("80.10")  # 90.00 + 360.00 - 369.90
        assert sorted(amount for _, amount in lines_of(newest)) == [
            D("-369.90"),
            D("90.00"),
            D("360.00"),
        ]
        run()
        assert Payout.objects.count() == 2  # nothing left to pay

    def test_a_cancelled_seller_order_is_never_paid(self, shop, run):
        _, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher)
        seller_order_cancel_by_shopper(seller_order=seller_order, actor=None)
        seller_order.refresh_from_db()
        assert seller_order.status == SellerOrderStatus.CANCELLED

        run(at=timezone.now() + dt.timedelta(days=365))

        assert Payout.objects.count() == 0
        assert PayoutLine.objects.count() == 0

    def test_an_open_return_holds_the_sale_until_the_return_ends(
        self, shop, run, refund
    ):
        _, refurbisher = shop
        kept = delivered(refurbisher)
        returned = delivered(refurbisher, price="200.00", shipping="0")
        return_request = ReturnRequest.objects.create(
            seller_order=returned, line=returned.lines.get(),
            reason=ReturnReason.CHANGED_MIND,
        )  # fmt: skip

        run()
        payout = Payout.objects.get()
        assert [line.seller_order for line in payout.lines.all()] == [kept]
        assert payout.amount == D("369.90")

        for status in (ReturnStatus.AUTHORISED, ReturnStatus.RECEIVED):
            ReturnRequest.objects.filter(pk=return_request.pk).update(status=status)
            run()
            assert Payout.objects.count() == 1  # still held

        refund(returned, "150.00")  # the return ends with a partial refund
        ReturnRequest.objects.filter(pk=return_request.pk).update(
            status=ReturnStatus.REFUNDED
        )
        run()
        newest = Payout.objects.order_by("-pk").first()
        # 180.00 sale, less 150.00 - 15.00 commission given back
        assert newest.amount == D("45.00")
        assert {line.seller_order for line in newest.lines.all()} == {returned}

    def test_a_withdrawn_return_releases_the_sale(self, shop, run):
        _, refurbisher = shop
        seller_order = delivered(refurbisher)
        held = ReturnRequest.objects.create(
            seller_order=seller_order, line=seller_order.lines.get(),
            reason=ReturnReason.DEFECTIVE, details="No sound",
        )  # fmt: skip
        run()
        assert Payout.objects.count() == 0

        ReturnRequest.objects.filter(pk=held.pk).update(status=ReturnStatus.WITHDRAWN)
        run()

        assert Payout.objects.get().amount == D("369.90")

    def test_a_refund_still_being_sent_is_deducted_once_it_went_through(
        self, shop, run
    ):
        """The seller is never charged for money the shopper did not get back."""
        _, refurbisher = shop
        seller_order = delivered(refurbisher)
        # Decided, not sent yet (its on-commit send has not run).
        pending = refund_issue(
            order=seller_order.order, seller_order=seller_order,
            amount=D("100.00"), reason=RefundReason.WARRANTY_CLAIM,
        )  # fmt: skip

        run()
        assert lines_of(Payout.objects.get()) == [(PayoutLineKind.SALE, D("369.90"))]

        assert refund_send(refund_id=pending.pk).status == RefundStatus.SUCCEEDED
        delivered(refurbisher, price="300.00", shipping="0")
        run()

        newest = Payout.objects.order_by("-pk").first()
        assert newest.amount == D("270.00") - D("90.24")
        assert newest.lines.get(kind=PayoutLineKind.REFUND).refund == pending

    def test_each_refurbisher_gets_its_own_payout(self, shop, run):
        _, refurbisher = shop
        _, other = trial_refurbisher_make(daily_sales_cap=50)
        delivered(refurbisher)
        delivered(other, price="100.00", shipping="5.00")

        run()

        paid = dict(Payout.objects.values_list("refurbisher_id", "amount"))
        assert paid == {refurbisher.pk: D("369.90"), other.pk: D("95.00")}


# --- Runs -------------------------------------------------------------------------


class TestRuns:
    def test_running_twice_pays_once(self, shop, run, mailoutbox):
        _, refurbisher = shop
        delivered(refurbisher)

        run()
        run()

        payout = Payout.objects.get()
        assert payout.status == PayoutStatus.PAID
        assert PayoutLine.objects.count() == 1
        assert len([m for m in mailoutbox if "payout" in m.subject]) == 1

    def test_sending_a_paid_payout_again_changes_nothing(self, shop, run):
        _, refurbisher = shop
        delivered(refurbisher)
        run()
        payout = Payout.objects.get()

        again = payout_send(payout_id=payout.pk)

        assert (again.transfer_id, again.attempts) == (
            payout.transfer_id,
            payout.attempts,
        )


@pytest.fixture
def stripe_from_now(request, stripe_quick_retries):
    """Switch to the fake Stripe once orders are built (they pay offline)."""
    return lambda: request.getfixturevalue("fake_stripe")


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_pay_once(stripe_from_now):
    """Two runs on their own connections: one payout, one transfer at Stripe."""
    owner, refurbisher = trial_refurbisher_make(daily_sales_cap=50)
    delivered(refurbisher)
    delivered(refurbisher, price="100.00", shipping="0")
    fake = stripe_from_now()
    account = stripe_account_connect(fake, owner, refurbisher)
    at = later()
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def one_run() -> None:
        try:
            barrier.wait(timeout=30)
            outcomes.append(payouts_run(at=at))
        except Exception as error:  # recorded, asserted below
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == [0, 1], outcomes
    payout = Payout.objects.get()
    assert payout.amount == D("369.90") + D("90.00")
    assert payout.status == PayoutStatus.PAID
    assert PayoutLine.objects.count() == 2
    [transfer] = fake.transfers.values()
    assert (transfer["amount"], transfer["destination"]) == (45990, account)
    assert payout.transfer_id == transfer["id"]


# --- Through Stripe Connect (the fake Stripe server) ---------------------------------


class TestStripeConnect:
    def test_the_transfer_carries_minor_units_the_account_and_the_payout_key(
        self, shop, run, stripe_from_now
    ):
        owner, refurbisher = shop
        delivered(refurbisher)
        fake = stripe_from_now()
        account = stripe_account_connect(fake, owner, refurbisher)

        run()

        payout = Payout.objects.get()
        [sent] = fake.requests_to("POST", TRANSFERS)
        prefix = installation_prefix()
        assert sent.idempotency_key == f"{prefix}-payout-{payout.pk}"
        assert payout.idempotency_key == sent.idempotency_key
        assert sent.params["transfer_group"] == sent.idempotency_key
        assert sent.params["amount"] == "36990"
        assert sent.params["currency"] == "eur"
        assert sent.params["destination"] == account
        assert sent.params["metadata"] == {
            "installation": prefix,
            "payout_id": str(payout.pk),
            "refurbisher_id": str(refurbisher.pk),
        }
        assert payout.status == PayoutStatus.PAID
        assert payout.provider == "stripe"
        assert payout.destination == account
        assert payout.transfer_id in fake.transfers

    def test_a_provider_failure_then_a_retry_pays_once(
        self, shop, run, stripe_from_now
    ):
        owner, refurbisher = shop
        delivered(refurbisher)
        fake = stripe_from_now()
        stripe_account_connect(fake, owner, refurbisher)
        # The library tries three times (two retries), all refused.
        fake.fail_next(503, count=3, message="Stripe is resting")

        run()
        payout = Payout.objects.get()
        assert payout.status == PayoutStatus.PENDING
        assert payout.attempts == 1
        assert "Stripe is resting" in payout.failure_message
        assert fake.transfers == {}

        run()  # the next run sends it again, with the same key

        payout.refresh_from_db()
        assert payout.status == PayoutStatus.PAID
        assert payout.attempts == 2 and payout.failure_message == ""
        assert Payout.objects.count() == 1
        assert len(fake.transfers) == 1
        keys = {r.idempotency_key for r in fake.requests_to("POST", TRANSFERS)}
        assert keys == {f"{installation_prefix()}-payout-{payout.pk}"}
        run()
        assert len(fake.transfers) == 1

    def test_a_transfer_stripe_made_before_we_recorded_it_is_not_made_again(
        self, shop, run, stripe_from_now
    ):
        """A try reached Stripe, we never saw the answer, Stripe forgot the key."""
        owner, refurbisher = shop
        delivered(refurbisher)
        fake = stripe_from_now()
        account = stripe_account_connect(fake, owner, refurbisher)
        fake.fail_next(503, count=3)
        run()
        payout = Payout.objects.get()
        made = stripe_api.transfer_create(
            amount_minor=36990, currency="EUR", destination=account,
            idempotency_key="a-key-stripe-has-forgotten", metadata={},
            transfer_group=payout.idempotency_key,
        )  # fmt: skip

        run()

        payout.refresh_from_db()
        assert payout.status == PayoutStatus.PAID
        assert payout.transfer_id == made["id"]
        assert list(fake.transfers) == [made["id"]]

    def test_without_a_connected_account_the_payout_waits_for_one(
        self, shop, run, stripe_from_now
    ):
        owner, refurbisher = shop
        delivered(refurbisher)
        second = delivered(refurbisher, price="100.00", shipping="0")
        SellerOrder.objects.filter(pk=second.pk).update(
            payable_at=second.payable_at + dt.timedelta(days=5)
        )
        fake = stripe_from_now()

        run()
        payout = Payout.objects.get()
        assert payout.status == PayoutStatus.PENDING
        assert payout.failure_message == NO_ACCOUNT_MESSAGE
        assert payout.attempts == 0
        assert fake.requests_to("POST", TRANSFERS) == []

        week_later = later() + dt.timedelta(days=7)
        run(at=week_later)  # still no account: the next sale waits, no 2nd payout
        assert Payout.objects.count() == 1
        assert PayoutLine.objects.count() == 1

        account = stripe_account_connect(fake, owner, refurbisher)
        run(at=week_later)

        payouts = list(Payout.objects.order_by("pk"))
        assert [p.status for p in payouts] == [PayoutStatus.PAID] * 2
        assert [p.amount for p in payouts] == [D("369.90"), D("90.00")]
        assert {t["destination"] for t in fake.transfers.values()} == {account}
        assert len(fake.transfers) == 2

    def test_an_account_stripe_does_not_know_leaves_the_payout_pending(
        self, shop, run, stripe_from_now
    ):
        owner, refurbisher = shop
        delivered(refurbisher)
        stripe_from_now()
        payout_account_connect(owner, refurbisher, "acct_1NotConnected")

        run()

        payout = Payout.objects.get()
        assert payout.status == PayoutStatus.PENDING
        assert "No such destination" in payout.failure_message
        assert payout.attempts == 1
