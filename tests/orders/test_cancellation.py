"""Cancelling before shipping: by the shopper or by the seller with a reason.

Every allowed and forbidden move with its audit row; stock, trial sale slot and
refund handled as the reason says; the cancellation and its refund commit
together; a cancellation racing a shipment leaves one of the two, whole.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection

from listings.models import Listing, Offer
from orders.exceptions import FulfilmentRefused
from orders.models import (
    OrderStatusChange,
    Refund,
    RefundReason,
    RefundStatus,
    ReservationStatus,
    SellerOrder,
    SellerOrderStatus,
    ShippedUnit,
    StockReservation,
)
from orders.services.cancellation import (
    SHOPPER_CANCELLED,
    CancellationRefused,
    SellerCancelReason,
    seller_order_cancel_by_seller,
    seller_order_cancel_by_shopper,
)
from orders.services.fulfilment import seller_order_accept, seller_order_ship
from orders.services.refunds import refund_issue
from refurbishers.models import SaleDay, SaleSlot, SaleSlotStatus
from tests.support.order_builders import (
    fr_listing,
    order_paid_offline,
    seller_order_delivered,
    seller_order_paid,
    seller_order_shipped,
    serials,
)
from tests.support.refurbisher_builders import trial_refurbisher_make, user_make

Status = SellerOrderStatus
Reason = SellerCancelReason


@pytest.fixture
def shopper(db):
    return user_make(email="camille@example.com")


def _stock(seller_order: SellerOrder) -> int:
    return Listing.objects.get(pk=seller_order.lines.get().listing_id).stock


def _moves(seller_order: SellerOrder) -> list[tuple[str, str]]:
    return list(
        OrderStatusChange.objects.filter(seller_order=seller_order)
        .exclude(reason__startswith="Refund of")
        .order_by("pk")
        .values_list("from_status", "to_status")
    )


def _cancellation_row(seller_order: SellerOrder) -> OrderStatusChange:
    return OrderStatusChange.objects.get(
        seller_order=seller_order, to_status=Status.CANCELLED
    )


@pytest.mark.django_db
class TestShopperCancels:
    @pytest.mark.parametrize("accepted", [False, True])
    def test_a_paid_or_accepted_seller_order_is_cancelled_restocked_and_refunded(
        self, shop, shopper, accepted, mailoutbox, django_capture_on_commit_callbacks
    ):
        owner, refurbisher = shop
        seller_order = seller_order_paid(
            refurbisher=refurbisher, quantity=2, user=shopper, price="300.00",
            shipping="9.90", stock=5,
        )  # fmt: skip
        if accepted:
            seller_order_accept(seller_order=seller_order, actor=owner)
        assert _stock(seller_order) == 3
        mailoutbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            seller_order_cancel_by_shopper(
                seller_order=seller_order, actor=shopper, reason="  Found it cheaper "
            )

        seller_order.refresh_from_db()
        assert seller_order.status == Status.CANCELLED
        assert seller_order.cancelled_at is not None
        assert seller_order.cancel_reason_code == SHOPPER_CANCELLED
        assert seller_order.cancel_reason == "Found it cheaper"
        assert seller_order.cancelled_by_seller is False
        row = _cancellation_row(seller_order)
        assert row.from_status == (Status.ACCEPTED if accepted else Status.PAID)
        assert row.actor == shopper
        assert row.reason == "Cancelled by the shopper: Found it cheaper"
        # Both units can be sold again, and are on sale again.
        assert _stock(seller_order) == 5
        assert not StockReservation.objects.filter(
            line__seller_order=seller_order, status=ReservationStatus.SOLD
        ).exists()
        offer = Offer.objects.get(listing_id=seller_order.lines.get().listing_id)
        assert offer.is_purchasable
        refund = Refund.objects.get(seller_order=seller_order)
        assert refund.amount == Decimal("609.90")  # both units and the shipping
        assert refund.reason == RefundReason.SHOPPER_CANCELLED
        assert refund.requested_by == shopper
        assert refund.status == RefundStatus.SUCCEEDED
        assert refund.provider_refund_id.startswith("re_offline_")
        seller_order.order.refresh_from_db()
        assert seller_order.order.refunded_amount == Decimal("609.90")
        to_seller = [m for m in mailoutbox if m.to == [owner.email]]
        assert len(to_seller) == 1
        assert "do not ship" in to_seller[0].subject
        assert "do not ship" in to_seller[0].body.lower()
        assert seller_order.order.reference in to_seller[0].body
        assert to_seller[0].alternatives
        to_shopper = [m for m in mailoutbox if m.to == ["camille@example.com"]]
        assert [m.subject for m in to_shopper] == [
            f"ReMarket: a refund on your order {seller_order.order.reference}"
        ]

    def test_the_trial_sale_slot_is_given_back(self, shop, shopper):
        _, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher, user=shopper)
        day = SaleDay.objects.get(refurbisher=refurbisher)
        assert (day.reserved, day.confirmed) == (0, 1)

        seller_order_cancel_by_shopper(seller_order=seller_order, actor=shopper)

        day.refresh_from_db()
        assert (day.reserved, day.confirmed) == (0, 0)
        slot = SaleSlot.objects.get(reference=seller_order.sale_slot_reference)
        assert slot.status == SaleSlotStatus.RELEASED

    def test_a_guest_cancels_with_no_account(self, shop):
        _, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher)
        seller_order_cancel_by_shopper(seller_order=seller_order, actor=None, reason="")
        seller_order.refresh_from_db()
        assert seller_order.status == Status.CANCELLED
        row = _cancellation_row(seller_order)
        assert (row.actor, row.reason) == (None, "Cancelled by the shopper")
        assert Refund.objects.get(seller_order=seller_order).requested_by is None

    def test_only_the_cancelled_seller_order_is_refunded_in_a_two_seller_order(
        self, shop, shopper
    ):
        _, refurbisher = shop
        mine = fr_listing(refurbisher, price="300.00", shipping="9.90")
        other = fr_listing(price="120.00", shipping="5.00")
        order = order_paid_offline((mine, 1), (other, 1), user=shopper)
        cancelled = order.seller_orders.get(refurbisher=refurbisher)
        kept = order.seller_orders.exclude(pk=cancelled.pk).get()

        seller_order_cancel_by_shopper(seller_order=cancelled, actor=shopper)

        assert list(order.refunds.values_list("seller_order", "amount")) == [
            (cancelled.pk, Decimal("309.90"))
        ]
        kept.refresh_from_db()
        assert kept.status == Status.PAID
        assert _moves(kept) == [("pending_payment", "paid")]

    def test_after_a_goodwill_refund_only_the_rest_is_refunded(self, shop, shopper):
        _, refurbisher = shop
        seller_order = seller_order_paid(
            refurbisher=refurbisher, user=shopper, price="300.00"
        )
        refund_issue(
            order=seller_order.order, seller_order=seller_order,
            amount=Decimal("50.00"), reason=RefundReason.GOODWILL, note="Late",
        )  # fmt: skip
        seller_order_cancel_by_shopper(seller_order=seller_order, actor=shopper)
        amounts = list(
            Refund.objects.filter(seller_order=seller_order)
            .order_by("pk")
            .values_list("reason", "amount")
        )
        assert amounts == [
            (RefundReason.GOODWILL, Decimal("50.00")),
            (RefundReason.SHOPPER_CANCELLED, Decimal("250.00")),
        ]

    @pytest.mark.parametrize(
        ("make", "status", "words"),
        [
            (seller_order_shipped, Status.SHIPPED, "return them"),
            (seller_order_delivered, Status.DELIVERED, "return them"),
        ],
    )
    def test_shipped_or_delivered_items_are_a_return_not_a_cancellation(
        self, shop, shopper, make, status, words
    ):
        owner, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher, user=shopper)
        make(seller_order, owner)
        before = OrderStatusChange.objects.count()
        stock = _stock(seller_order)

        with pytest.raises(CancellationRefused) as refusal:
            seller_order_cancel_by_shopper(seller_order=seller_order, actor=shopper)

        assert words in refusal.value.message
        seller_order.refresh_from_db()
        assert seller_order.status == status
        assert OrderStatusChange.objects.count() == before
        assert not Refund.objects.exists()
        assert _stock(seller_order) == stock

    def test_a_second_cancellation_is_refused_and_refunds_nothing_more(
        self, shop, shopper
    ):
        _, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher, user=shopper)
        seller_order_cancel_by_shopper(seller_order=seller_order, actor=shopper)
        stock = _stock(seller_order)
        with pytest.raises(CancellationRefused, match="already cancelled"):
            seller_order_cancel_by_shopper(seller_order=seller_order, actor=shopper)
        with pytest.raises(CancellationRefused, match="cancelled"):
            seller_order_cancel_by_seller(
                seller_order=seller_order, actor=None,
                reason_code=Reason.STOCK_ERROR,
            )  # fmt: skip
        assert Refund.objects.filter(seller_order=seller_order).count() == 1
        assert _stock(seller_order) == stock
        assert _moves(seller_order) == [
            ("pending_payment", "paid"),
            ("paid", "cancelled"),
        ]

    def test_a_reason_too_long_is_refused_before_anything_changes(self, shop, shopper):
        _, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher, user=shopper)
        with pytest.raises(CancellationRefused) as refusal:
            seller_order_cancel_by_shopper(
                seller_order=seller_order, actor=shopper, reason="x" * 501
            )
        assert refusal.value.field == "reason"
        seller_order.refresh_from_db()
        assert seller_order.status == Status.PAID

    def test_the_cancellation_and_its_refund_commit_together_or_not_at_all(
        self, shop, shopper
    ):
        _, refurbisher = shop
        seller_order = seller_order_paid(
            refurbisher=refurbisher, user=shopper, price="300.00"
        )
        stock = _stock(seller_order)
        # A cancellation refund already on file (as if written by a bug): the
        # database refuses a second one, and the whole cancellation with it.
        Refund.objects.create(
            order=seller_order.order, seller_order=seller_order,
            amount=Decimal("1.00"), currency="EUR",
            reason=RefundReason.SHOPPER_CANCELLED,
        )  # fmt: skip
        with pytest.raises(IntegrityError):
            seller_order_cancel_by_shopper(seller_order=seller_order, actor=shopper)
        seller_order.refresh_from_db()
        assert seller_order.status == Status.PAID
        assert seller_order.cancelled_at is None
        assert _stock(seller_order) == stock
        assert not OrderStatusChange.objects.filter(to_status=Status.CANCELLED)
        slot = SaleSlot.objects.get(reference=seller_order.sale_slot_reference)
        assert slot.status == SaleSlotStatus.CONFIRMED


@pytest.mark.django_db
class TestSellerCancels:
    @pytest.mark.parametrize(
        ("code", "restocked", "counts_against"),
        [
            (Reason.STOCK_ERROR, False, True),
            (Reason.DEFECT_FOUND, False, True),
            (Reason.CANNOT_SHIP, True, False),
            (Reason.SHOPPER_ASKED, True, False),
            (Reason.OTHER, False, True),
        ],
    )
    def test_each_reason_handles_stock_and_the_sellers_record(
        self,
        shop,
        shopper,
        code,
        restocked,
        counts_against,
        mailoutbox,
        django_capture_on_commit_callbacks,
    ):
        owner, refurbisher = shop
        seller_order = seller_order_paid(
            refurbisher=refurbisher, quantity=2, user=shopper, price="200.00",
            stock=4,
        )  # fmt: skip
        seller_order_accept(seller_order=seller_order, actor=owner)
        note = "Screen flickers" if code != Reason.SHOPPER_ASKED else ""
        if code == Reason.OTHER:
            note = "Our warehouse flooded"
        mailoutbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            seller_order_cancel_by_seller(
                seller_order=seller_order, actor=owner, reason_code=code, note=note
            )

        seller_order.refresh_from_db()
        assert seller_order.status == Status.CANCELLED
        assert seller_order.cancel_reason_code == code
        assert seller_order.cancelled_by_seller is counts_against
        expected = note if code == Reason.OTHER else str(code.label)
        if note and code != Reason.OTHER:
            expected = f"{code.label}: {note}"
        assert seller_order.cancel_reason == expected
        row = _cancellation_row(seller_order)
        assert (row.from_status, row.actor) == (Status.ACCEPTED, owner)
        assert row.reason == f"Cancelled by the seller: {expected}"
        assert _stock(seller_order) == (4 if restocked else 2)
        refund = Refund.objects.get(seller_order=seller_order)
        assert (refund.amount, refund.reason) == (
            Decimal("400.00"),
            RefundReason.SELLER_CANCELLED,
        )
        assert refund.status == RefundStatus.SUCCEEDED
        day = SaleDay.objects.get(refurbisher=refurbisher)
        assert (day.reserved, day.confirmed) == (0, 0)
        to_shopper = [m for m in mailoutbox if m.to == ["camille@example.com"]]
        cancelled = next(m for m in to_shopper if "cancelled" in m.subject)
        assert refurbisher.name in cancelled.subject
        assert expected in cancelled.body
        assert "400,00" in cancelled.body
        assert any("a refund" in m.subject for m in to_shopper)
        assert not [m for m in mailoutbox if m.to == [owner.email]]

    @pytest.mark.parametrize(
        ("code", "note", "field"),
        [
            ("", "", "reason_code"),
            ("sold_elsewhere", "", "reason_code"),
            (Reason.OTHER, "   ", "note"),
            (Reason.STOCK_ERROR, "x" * 501, "note"),
        ],
    )
    def test_a_missing_reason_or_note_is_refused_and_nothing_changes(
        self, shop, code, note, field
    ):
        owner, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher)
        with pytest.raises(CancellationRefused) as refusal:
            seller_order_cancel_by_seller(
                seller_order=seller_order, actor=owner, reason_code=code, note=note
            )
        assert refusal.value.field == field
        seller_order.refresh_from_db()
        assert seller_order.status == Status.PAID
        assert not Refund.objects.exists()
        assert _moves(seller_order) == [("pending_payment", "paid")]

    @pytest.mark.parametrize(
        ("make", "status"),
        [
            (seller_order_shipped, Status.SHIPPED),
            (seller_order_delivered, Status.DELIVERED),
        ],
    )
    def test_a_shipped_or_delivered_order_cannot_be_cancelled(self, shop, make, status):
        owner, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher)
        make(seller_order, owner)
        with pytest.raises(CancellationRefused) as refusal:
            seller_order_cancel_by_seller(
                seller_order=seller_order, actor=owner,
                reason_code=Reason.STOCK_ERROR,
            )  # fmt: skip
        assert "can no longer be cancelled" in refusal.value.message
        assert refusal.value.field is None
        seller_order.refresh_from_db()
        assert seller_order.status == status
        assert not Refund.objects.exists()

    def test_a_cancelled_order_cannot_be_accepted_or_shipped(self, shop):
        owner, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher)
        seller_order_cancel_by_seller(
            seller_order=seller_order, actor=owner, reason_code=Reason.CANNOT_SHIP
        )
        with pytest.raises(FulfilmentRefused):
            seller_order_accept(seller_order=seller_order, actor=owner)
        with pytest.raises(FulfilmentRefused):
            seller_order_ship(
                seller_order=seller_order, actor=owner, carrier="colissimo",
                tracking_number="6A12345678901", serials=serials(seller_order),
            )  # fmt: skip
        assert not ShippedUnit.objects.exists()
        assert _moves(seller_order) == [
            ("pending_payment", "paid"),
            ("paid", "cancelled"),
        ]

    def test_a_seller_not_on_trial_holds_no_slot_and_cancels_all_the_same(
        self, shopper
    ):
        seller_order = seller_order_paid(user=shopper)  # an active refurbisher
        assert seller_order.sale_slot_reference == ""
        seller_order_cancel_by_seller(
            seller_order=seller_order, actor=None, reason_code=Reason.SHOPPER_ASKED
        )
        seller_order.refresh_from_db()
        assert seller_order.status == Status.CANCELLED


# --- A cancellation racing a shipment ------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_shopper_cancels_while_the_seller_ships_exactly_one_wins():
    """Two people at the same moment: the cancellation or the shipment, whole."""
    owner, refurbisher = trial_refurbisher_make(daily_sales_cap=50)
    shopper = user_make(email="camille@example.com")
    outcomes: list[tuple[str, int, int]] = []
    for _ in range(4):
        seller_order = seller_order_paid(
            refurbisher=refurbisher, quantity=1, user=shopper, price="250.00"
        )
        seller_order_accept(seller_order=seller_order, actor=owner)
        given = serials(seller_order)
        barrier = threading.Barrier(2)
        results: dict[str, object] = {}

        def cancel(pk=seller_order.pk, barrier=barrier, results=results):
            try:
                barrier.wait(timeout=20)
                seller_order_cancel_by_shopper(
                    seller_order=SellerOrder.objects.get(pk=pk), actor=shopper
                )
                results["cancel"] = "done"
            except CancellationRefused as refusal:
                results["cancel"] = refusal
            finally:
                connection.close()

        def ship(pk=seller_order.pk, barrier=barrier, results=results, given=given):
            try:
                barrier.wait(timeout=20)
                seller_order_ship(
                    seller_order=SellerOrder.objects.get(pk=pk), actor=owner,
                    carrier="colissimo", tracking_number="6A12345678901",
                    serials=given,
                )  # fmt: skip
                results["ship"] = "done"
            except FulfilmentRefused as refusal:
                results["ship"] = refusal
            finally:
                connection.close()

        threads = [threading.Thread(target=cancel), threading.Thread(target=ship)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

        assert sorted(str(type(r).__name__) for r in results.values()) in (
            ["CancellationRefused", "str"],
            ["FulfilmentRefused", "str"],
        )
        seller_order.refresh_from_db()
        units = ShippedUnit.objects.filter(line__seller_order=seller_order).count()
        refunds = Refund.objects.filter(seller_order=seller_order).count()
        if seller_order.status == Status.CANCELLED:
            assert results["cancel"] == "done"
            assert "cancelled" in results["ship"].message
            assert (units, refunds) == (0, 1)
            assert not seller_order.shipped_at and not seller_order.tracking_number
        else:
            assert seller_order.status == Status.SHIPPED
            assert results["ship"] == "done"
            assert "can no longer be cancelled" in results["cancel"].message
            assert (units, refunds) == (1, 0)
            assert seller_order.cancelled_at is None
        to_statuses = list(
            OrderStatusChange.objects.filter(seller_order=seller_order)
            .exclude(reason__startswith="Refund of")
            .order_by("pk")
            .values_list("to_status", flat=True)
        )
        assert to_statuses == ["paid", "accepted", seller_order.status]
        outcomes.append((seller_order.status, units, refunds))
    assert len(outcomes) == 4
