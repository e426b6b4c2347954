"""What a payment's outcome does to an order: paid exactly once, or released.

Every function here is safe to call more than once and in any order: the
order row is locked first and the function does nothing when its effect is
already there, so duplicated or reordered webhook events change nothing.

Lock order: the order row, then listing rows by pk, then sale days. A
checkout never locks an existing order, so it cannot wait in a cycle with
these.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from listings.services import (
    catalog_version_bump,
    listing_stock_give_back,
    listing_stock_take,
    listings_lock,
    offers_refresh,
)
from marketplace.money import MINOR_UNIT_EXPONENT, quantize, to_minor_units
from marketplace.status import locked
from orders.events import seller_order_paid
from orders.exceptions import CheckoutRefused
from orders.models import (
    Order,
    OrderStatus,
    ReservationStatus,
    SellerOrder,
    SellerOrderStatus,
    StockReservation,
)
from orders.moves import ORDER_STATUS, SELLER_ORDER_STATUS
from orders.notifications import order_paid_notify
from orders.services.fulfilment import ship_by_for
from refurbishers.exceptions import SaleCapReached
from refurbishers.services import sale_slot_confirm, sale_slot_release

EXPIRY_BATCH = 200


class PaymentOutcome(enum.Enum):
    PAID = "paid"
    ALREADY_PAID = "already_paid"
    AMOUNT_MISMATCH = "amount_mismatch"
    NEEDS_REFUND = "needs_refund"  # paid after its reservations were let go


def _retake(order: Order) -> None:
    """Take stock and sale slots again for an order whose hold ran out."""
    reservations = list(
        StockReservation.objects.filter(line__seller_order__order=order).order_by(
            "listing_id"
        )
    )
    locked = listings_lock(listing_ids=[r.listing_id for r in reservations])
    for reservation in reservations:
        if locked[reservation.listing_id].stock < reservation.quantity:
            raise CheckoutRefused(gettext("Sold out since the payment started."))

        listing_stock_take(
            listing_id=reservation.listing_id, quantity=reservation.quantity
        )
        locked[reservation.listing_id].stock -= reservation.quantity


@transaction.atomic
def order_payment_succeeded(
    *, order_id: int, amount_minor: int, currency: str, payment_intent_id: str = ""
) -> PaymentOutcome:
    """Mark the order paid once: reservations become sales, seller orders are paid."""
    order = locked(Order(pk=order_id))
    if order.status == OrderStatus.PAID:
        return PaymentOutcome.ALREADY_PAID
    expected = to_minor_units(order.total_amount, order.currency)
    if amount_minor != expected or currency.upper() != order.currency:
        ORDER_STATUS.record(
            order,
            reason=f"Payment of {amount_minor} {currency.upper()} does not match "
            f"{expected} {order.currency}: not applied",
        )
        return PaymentOutcome.AMOUNT_MISMATCH
    try:
        with transaction.atomic():
            if order.status != OrderStatus.PENDING_PAYMENT:
                _retake(order)
            for seller_order in order.seller_orders.all():
                if seller_order.sale_slot_reference:
                    sale_slot_confirm(reference=seller_order.sale_slot_reference)
    except (CheckoutRefused, SaleCapReached) as refusal:
        # Kept so the refund can name the payment it gives back.
        order.payment_intent_id = payment_intent_id or order.payment_intent_id
        order.save(update_fields=["payment_intent_id"])
        ORDER_STATUS.record(
            order,
            reason=f"Paid after the reservations ended and {refusal.message} "
            "The payment must be refunded.",
        )
        return PaymentOutcome.NEEDS_REFUND
    now = timezone.now()
    order.paid_at = now
    order.payment_intent_id = payment_intent_id or order.payment_intent_id
    # The provider's word is a fact: applied even to an order whose hold ran
    # out (its stock and slots were taken again above).
    ORDER_STATUS.move(
        order, OrderStatus.PAID, actor=None, reason="Payment received",
        fields=("paid_at", "payment_intent_id"), checked=False,
    )  # fmt: skip
    StockReservation.objects.filter(line__seller_order__order=order).update(
        status=ReservationStatus.SOLD
    )
    for seller_order in order.seller_orders.all():
        seller_order.paid_at = now
        seller_order.commission_amount = quantize(
            seller_order.items_amount * seller_order.commission_rate
        )
        seller_order.ship_by = ship_by_for(seller_order)
        # Its seller orders follow the order, whatever they were.
        SELLER_ORDER_STATUS.move(
            seller_order, SellerOrderStatus.PAID, actor=None,
            reason="Payment received",
            fields=("paid_at", "commission_amount", "ship_by"), checked=False,
        )  # fmt: skip
        # QA reviews trial sales: quality opens the review in this transaction.
        seller_order_paid.send(
            sender=SellerOrder,
            seller_order=seller_order,
            trial_sale=bool(seller_order.sale_slot_reference),
        )
    order_paid_notify(order_id=order.pk)
    return PaymentOutcome.PAID


def _release(order_id: int, to_status: str, reason: str) -> bool:
    order = locked(Order(pk=order_id))
    if not ORDER_STATUS.allows(order.status, to_status):
        return False  # already paid, failed or expired: nothing to give back
    held = list(
        StockReservation.objects.filter(
            line__seller_order__order=order, status=ReservationStatus.HELD
        ).order_by("listing_id")
    )
    for reservation in held:
        listing_stock_give_back(
            listing_id=reservation.listing_id, quantity=reservation.quantity
        )
    StockReservation.objects.filter(pk__in=[r.pk for r in held]).update(
        status=ReservationStatus.RELEASED
    )
    for seller_order in order.seller_orders.all():
        if seller_order.sale_slot_reference:
            sale_slot_release(reference=seller_order.sale_slot_reference)
        SELLER_ORDER_STATUS.move(
            seller_order, SellerOrderStatus.VOID, actor=None, reason=reason,
            checked=False,
        )  # fmt: skip
    ORDER_STATUS.move(order, to_status, actor=None, reason=reason)
    offers_refresh(listing_ids=sorted({r.listing_id for r in held}))
    catalog_version_bump()
    return True


@transaction.atomic
def order_payment_failed(*, order_id: int, reason: str = "Payment failed") -> bool:
    """Give the order's stock and sale slots back; the shopper may try again."""
    return _release(order_id, OrderStatus.PAYMENT_FAILED, reason)


@transaction.atomic
def order_expire(*, order_id: int) -> bool:
    """Give back what an unpaid order held once its time ran out."""
    return _release(order_id, OrderStatus.EXPIRED, "Not paid in time")


def orders_expire_due(*, at: dt.datetime | None = None) -> int:
    """Expire unpaid orders whose hold has run out, in bounded batches."""
    at = at or timezone.now()
    expired = 0
    while True:
        ids = list(
            Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, expires_at__lt=at)
            .order_by("pk")
            .values_list("pk", flat=True)[:EXPIRY_BATCH]
        )
        for order_id in ids:
            expired += order_expire(order_id=order_id)
        if len(ids) < EXPIRY_BATCH:
            return expired


@transaction.atomic
def order_refund_recorded(*, order_id: int, refunded_minor: int, currency: str) -> bool:
    """Note what the provider reports refunded in total for the order's payment.

    Providers report a running total (Stripe's ``amount_refunded``), so the
    largest figure wins: a repeated or late event never lowers or doubles it.
    """
    order = locked(Order(pk=order_id))
    exponent = 10 ** MINOR_UNIT_EXPONENT[order.currency]
    amount = quantize(Decimal(refunded_minor) / exponent)
    if currency.upper() != order.currency or amount <= order.refunded_amount:
        return False
    order.refunded_amount = min(amount, order.total_amount)
    order.save(update_fields=["refunded_amount"])
    ORDER_STATUS.record(
        order, reason=f"Refunded so far: {order.refunded_amount} {order.currency}"
    )
    return True
