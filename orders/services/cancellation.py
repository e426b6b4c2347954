"""Cancellation before shipping: by the shopper, or by the seller with a reason.

Either way the seller order moves to cancelled with an audit row, everything
still refundable on it is refunded (in the same transaction, so the
cancellation and its refund commit together or not at all), the trial sale
slot it held is given back, and its units go back to stock when they can be
sold again.

Lock order: the order row, then the seller order row, then listing rows by
pk, then the sale day (through ``sale_slot_release``). Payment services lock
the order first and fulfilment moves lock only the seller order, so none of
them can wait in a cycle with a cancellation. A shipment racing a
cancellation queues on the seller order row: whichever commits first wins and
the other is refused on the row it then reads.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from listings.services import (
    catalog_version_bump,
    listing_stock_give_back,
    listings_lock,
    offers_refresh,
)
from marketplace.markets import MARKETS
from marketplace.status import locked
from orders.exceptions import OrderError
from orders.models import (
    Order,
    RefundReason,
    ReservationStatus,
    SellerOrder,
    SellerOrderStatus,
    StockReservation,
)
from orders.moves import SELLER_ORDER_STATUS
from orders.notifications import _send, owner_emails
from orders.services.fulfilment import CANCELLABLE_BY_SHOPPER
from orders.services.refunds import refund_create, refundable_amount
from refurbishers.services import sale_slot_release

Status = SellerOrderStatus
REASON_MAX_CHARS = 500
# The code stored on a seller order the shopper cancelled.
SHOPPER_CANCELLED = "shopper_cancelled"


class SellerCancelReason(models.TextChoices):
    """Why a seller cancels an order it was paid for."""

    STOCK_ERROR = "stock_error", gettext_lazy("My stock count was wrong")
    DEFECT_FOUND = "defect_found", gettext_lazy("I found a fault before shipping")
    CANNOT_SHIP = "cannot_ship", gettext_lazy("I cannot ship to this address")
    SHOPPER_ASKED = "shopper_asked", gettext_lazy("The shopper asked me to cancel")
    OTHER = "other", gettext_lazy("Another reason")


# These count against the seller (its cancellation rate): the shop's own
# mistake, not the shopper's wish or an address it cannot reach.
SELLER_FAULT_REASONS = frozenset(
    {
        SellerCancelReason.STOCK_ERROR,
        SellerCancelReason.DEFECT_FOUND,
        SellerCancelReason.OTHER,
    }
)
# The units can be sold again; a wrong stock count or a faulty unit cannot.
RESTOCK_REASONS = frozenset(
    {SellerCancelReason.CANNOT_SHIP, SellerCancelReason.SHOPPER_ASKED}
)


class CancellationRefused(OrderError):
    """A cancellation the rules refuse: shipped already, or a reason missing.

    ``field`` names the form field at fault (``reason_code``, ``note``), if any.
    """


def _order_then_seller_order_locked(seller_order: SellerOrder) -> SellerOrder:
    """Lock the order, then the seller order; the latter carries the former."""
    # NO KEY UPDATE (we change no key): a shipment holding the seller order
    # still writes its audit row, which points at the order, and commits; the
    # cancellation then reads the shipped seller order and stops.
    order = locked(Order(pk=seller_order.order_id), no_key=True)
    seller_order = locked(
        seller_order,
        queryset=SellerOrder.objects.select_related("refurbisher"),
        of=("self",),
        no_key=True,
    )
    seller_order.order = order
    return seller_order


def _cancel_check(seller_order: SellerOrder, *, by_shopper: bool) -> None:
    allowed = SELLER_ORDER_STATUS.allows(seller_order.status, Status.CANCELLED)
    if allowed and (not by_shopper or seller_order.status in CANCELLABLE_BY_SHOPPER):
        return
    status = Status(seller_order.status)
    if status == Status.CANCELLED:
        raise CancellationRefused(gettext("These items are already cancelled."))
    # One whole sentence per status, so each language words it its own way.
    if status in (Status.SHIPPED, Status.DELIVERED):
        if by_shopper:
            raise CancellationRefused(
                gettext(
                    "These items are shipped already, so they can no longer be "
                    "cancelled. Once they arrive you can return them within the "
                    "return window."
                )
                if status == Status.SHIPPED
                else gettext(
                    "These items are delivered already, so they can no longer be "
                    "cancelled. Once they arrive you can return them within the "
                    "return window."
                )
            )
        raise CancellationRefused(
            gettext(
                "This order is shipped already: it can no longer be cancelled. "
                "The shopper can return it after delivery."
            )
            if status == Status.SHIPPED
            else gettext(
                "This order is delivered already: it can no longer be cancelled. "
                "The shopper can return it after delivery."
            )
        )
    not_cancellable = {
        Status.PENDING_PAYMENT: gettext(
            "This order is waiting for payment: it cannot be cancelled."
        ),
        Status.PAID: gettext("This order is paid: it cannot be cancelled."),
        Status.ACCEPTED: gettext("This order is accepted: it cannot be cancelled."),
        Status.VOID: gettext("This order is not paid: it cannot be cancelled."),
    }
    raise CancellationRefused(not_cancellable[status])


def _restock(seller_order: SellerOrder) -> list[int]:
    """Put the seller order's units back on their listings; the listing ids."""
    quantities: Counter[int] = Counter()
    for line in seller_order.lines.all():
        quantities[line.listing_id] += line.quantity
    listing_ids = sorted(quantities)
    # Locked by pk, as checkout and payment lock them.
    listings_lock(listing_ids=listing_ids)
    for listing_id in listing_ids:
        listing_stock_give_back(listing_id=listing_id, quantity=quantities[listing_id])
    StockReservation.objects.filter(
        line__seller_order=seller_order, status=ReservationStatus.SOLD
    ).update(status=ReservationStatus.RELEASED)
    return listing_ids


def _cancel(
    seller_order: SellerOrder,
    *,
    actor: AbstractBaseUser | None,
    by_seller: bool,
    code: str,
    reason: str,
    restock: bool,
    refund_reason: str,
    counts_against_seller: bool,
) -> SellerOrder:
    """The move both sides share, on rows the caller locked and checked."""
    order = seller_order.order
    now = timezone.now()
    seller_order.cancelled_at = now
    seller_order.cancel_reason = reason
    seller_order.cancel_reason_code = code
    seller_order.cancelled_by_seller = counts_against_seller
    who = "the seller" if by_seller else "the shopper"
    SELLER_ORDER_STATUS.move(
        seller_order, Status.CANCELLED, actor=actor,
        reason=f"Cancelled by {who}: {reason}" if reason else f"Cancelled by {who}",
        fields=(
            "cancelled_at", "cancel_reason", "cancel_reason_code",
            "cancelled_by_seller",
        ),
    )  # fmt: skip
    listing_ids = _restock(seller_order) if restock else []
    if seller_order.sale_slot_reference:
        # The cancelled sale no longer counts in that day's trial cap.
        sale_slot_release(reference=seller_order.sale_slot_reference)
    amount = refundable_amount(order=order, seller_order=seller_order)
    if amount > Decimal("0"):
        refund_create(
            order=order, seller_order=seller_order, amount=amount,
            reason=refund_reason, note=reason, actor=actor,
        )  # fmt: skip
    if listing_ids:
        offers_refresh(listing_ids=listing_ids)
        catalog_version_bump()
    return seller_order


@transaction.atomic
def seller_order_cancel_by_shopper(
    *,
    seller_order: SellerOrder,
    actor: AbstractBaseUser | None,
    reason: str = "",
) -> SellerOrder:
    """Cancel a seller order at the shopper's request, before it ships.

    Allowed while it is paid or accepted. The units go back to stock, the
    trial sale slot is released, the seller order's total is refunded, and
    the seller's owners are told not to ship once the transaction commits.
    Locks the order, the seller order, then its listings.
    """
    reason = " ".join((reason or "").split())
    if len(reason) > REASON_MAX_CHARS:
        raise CancellationRefused(
            gettext("Please keep the reason under %(most)s characters.")
            % {"most": REASON_MAX_CHARS},
            field="reason",
        )
    seller_order = _order_then_seller_order_locked(seller_order)
    _cancel_check(seller_order, by_shopper=True)
    _cancel(
        seller_order, actor=actor, by_seller=False, code=SHOPPER_CANCELLED,
        reason=reason, restock=True, refund_reason=RefundReason.SHOPPER_CANCELLED,
        counts_against_seller=False,
    )  # fmt: skip
    seller_order_cancelled_notify(seller_order_id=seller_order.pk)
    return seller_order


@transaction.atomic
def seller_order_cancel_by_seller(
    *,
    seller_order: SellerOrder,
    actor: AbstractBaseUser | None,
    reason_code: str,
    note: str = "",
) -> SellerOrder:
    """Cancel a paid or accepted seller order on the seller's side, with a reason.

    ``reason_code`` is a ``SellerCancelReason``; ``other`` needs a ``note``.
    A stock error, a fault found or another reason count against the seller
    (``cancelled_by_seller``); units go back to stock only when the shopper
    asked or the address cannot be served. The shopper is refunded and told
    why once the transaction commits.
    Locks the order, the seller order, then its listings.
    """
    if reason_code not in SellerCancelReason.values:
        raise CancellationRefused(
            gettext("Please choose why you are cancelling."), field="reason_code"
        )
    code = SellerCancelReason(reason_code)
    note = " ".join((note or "").split())
    if code == SellerCancelReason.OTHER and not note:
        raise CancellationRefused(
            gettext(
                "Please say in a few words why you are cancelling: the shopper "
                "will read it."
            ),
            field="note",
        )
    if len(note) > REASON_MAX_CHARS:
        raise CancellationRefused(
            gettext("Please keep the note under %(most)s characters.")
            % {"most": REASON_MAX_CHARS},
            field="note",
        )
    seller_order = _order_then_seller_order_locked(seller_order)
    _cancel_check(seller_order, by_shopper=False)
    reason = str(code.label) if code != SellerCancelReason.OTHER else note
    if note and code != SellerCancelReason.OTHER:
        reason = f"{code.label}: {note}"
    _cancel(
        seller_order, actor=actor, by_seller=True, code=code.value,
        reason=reason, restock=code in RESTOCK_REASONS,
        refund_reason=RefundReason.SELLER_CANCELLED,
        counts_against_seller=code in SELLER_FAULT_REASONS,
    )  # fmt: skip
    seller_order_cancelled_notify(seller_order_id=seller_order.pk)
    return seller_order


# --- Emails -------------------------------------------------------------------


def seller_order_cancelled_notify(*, seller_order_id: int) -> int:
    """Tell the other side: the seller's owners not to ship, or the shopper why.

    The refund has its own email (``refund_notify``) once the provider confirms.
    """
    seller_order = (
        SellerOrder.objects.select_related("order", "refurbisher")
        .prefetch_related("lines")
        .get(pk=seller_order_id)
    )
    order = seller_order.order
    by_shopper = seller_order.cancel_reason_code == SHOPPER_CANCELLED
    refund = seller_order.refunds.filter(
        reason__in=[RefundReason.SHOPPER_CANCELLED, RefundReason.SELLER_CANCELLED]
    ).first()
    context = {
        "refund": refund,
        "order": order,
        "seller_order": seller_order,
        "refurbisher": seller_order.refurbisher,
        "market": MARKETS[order.market],
        "site_url": settings.SITE_URL,
        "order_url": f"{settings.SITE_URL}/orders/access/{order.access_token}/",
        "seller_order_url": f"{settings.SITE_URL}/seller/orders/{order.reference}/",
        "by_shopper": by_shopper,
    }
    if by_shopper:
        owners = owner_emails(seller_order.refurbisher)
        if not owners:
            return 0
        return _send(
            gettext("ReMarket: order %(reference)s was cancelled, do not ship it")
            % {"reference": order.reference},
            "order_cancelled_seller",
            context,
            owners,
        )
    return _send(
        gettext("ReMarket: %(seller)s cancelled items of your order %(reference)s")
        % {"seller": seller_order.refurbisher.name, "reference": order.reference},
        "order_cancelled_shopper",
        context,
        [order.email],
    )
