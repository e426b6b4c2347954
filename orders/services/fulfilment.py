"""After payment: a seller order is accepted, shipped, then delivered.

Each move is its own service: it locks the seller order row
(``select_for_update``), checks ``SELLER_ORDER_MOVES``, saves with
``update_fields`` and writes an ``OrderStatusChange`` with the actor, all
through ``orders.moves.SELLER_ORDER_STATUS``. A move out of turn
or bad input raises ``FulfilmentRefused`` and writes nothing.

Lock order: the seller order row only. Nothing here locks the order, listings
or sale days, so these moves cannot wait in a cycle with checkout or payment.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from marketplace.markets import MARKETS
from marketplace.status import locked
from orders.business_days import business_days_after
from orders.exceptions import FulfilmentRefused
from orders.models import (
    Carrier,
    DeliveredBy,
    SellerOrder,
    SellerOrderStatus,
    ShippedUnit,
)
from orders.moves import SELLER_ORDER_STATUS
from orders.notifications import _send
from orders.services.warranty import warranties_create
from orders.tracking import tracking_format_error, tracking_normalize, tracking_url

Status = SellerOrderStatus
# Who may say a parcel arrived and so start its clocks (the warranty, the
# return window and with it the payout). The seller's own word is recorded by
# orders.services.delivery and starts none of them.
DeliveredByWhom = Literal["shopper", "carrier", "auto"]
DELIVERED_BY = {
    DeliveredBy.SHOPPER: _("Delivery confirmed by the shopper"),
    DeliveredBy.CARRIER: _("Delivered, according to the carrier"),
    DeliveredBy.AUTO: _("Delivered automatically %(days)s days after shipping"),
}
SERIAL = re.compile(r"[0-9A-Z]{6,64}")
IMEI = re.compile(r"\d{15}")
# Seller orders handled per batch by the periodic jobs; each in its own
# transaction, so a long backlog never holds many row locks at once.
BATCH = 200


def ship_by_for(seller_order: SellerOrder) -> dt.datetime:
    """The ship-by deadline of a seller order paid at ``paid_at``.

    ``SHIP_BY_BUSINESS_DAYS`` business days later, at the same local time in
    the refurbisher's time zone.
    """
    return business_days_after(
        seller_order.paid_at or timezone.now(),
        days=settings.SHIP_BY_BUSINESS_DAYS,
        time_zone=seller_order.refurbisher.time_zone,
    )


# A seller order the shopper may still cancel: not shipped yet.
CANCELLABLE_BY_SHOPPER = (Status.PAID, Status.ACCEPTED)


def auto_delivery_at(seller_order: SellerOrder) -> dt.datetime | None:
    """When a shipped seller order counts as delivered if nobody confirms it."""
    if seller_order.shipped_at is None:
        return None
    return seller_order.shipped_at + dt.timedelta(days=settings.AUTO_DELIVERY_DAYS)


def return_window_end(seller_order: SellerOrder) -> dt.datetime | None:
    """Until when a delivered seller order may be returned (the market's days)."""
    if seller_order.delivered_at is None:
        return None
    days = MARKETS[seller_order.order.market].return_window_days
    return seller_order.delivered_at + dt.timedelta(days=days)


@transaction.atomic
def seller_order_accept(
    *, seller_order: SellerOrder, actor: AbstractBaseUser | None
) -> SellerOrder:
    """Accept a paid seller order: the seller will ship it."""
    seller_order = locked(
        seller_order,
        queryset=SellerOrder.objects.select_related("order", "refurbisher"),
        of=("self",),
    )
    SELLER_ORDER_STATUS.check(seller_order, Status.ACCEPTED)
    seller_order.accepted_at = timezone.now()
    SELLER_ORDER_STATUS.move(
        seller_order, Status.ACCEPTED, actor=actor, reason="Accepted by the seller",
        fields=("accepted_at",),
    )  # fmt: skip
    return seller_order


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check (IMEI check digit)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return total % 10 == 0


def serial_normalize(serial: str) -> str:
    """A serial as printed on the device: spaces dropped, in capitals."""
    return re.sub(r"\s+", "", serial or "").upper()


def _serials_checked(
    seller_order: SellerOrder, serials: dict[int, list[str]]
) -> list[tuple[int, str]]:
    """Each unit's serial, checked: (line id, serial) in line and unit order."""
    lines = list(seller_order.lines.order_by("pk"))
    own = {line.pk for line in lines}
    stray = [line_id for line_id in serials if line_id not in own]
    if stray:
        raise FulfilmentRefused(
            gettext("Serial numbers were given for items not in this order.")
        )
    checked: list[tuple[int, str]] = []
    seen: set[str] = set()
    for line in lines:
        given = [serial_normalize(s) for s in serials.get(line.pk, [])]
        if len(given) != line.quantity:
            raise FulfilmentRefused(
                ngettext(
                    "%(item)s: give one serial number or IMEI for each of the "
                    "%(count)s unit shipped (%(given)s given).",
                    "%(item)s: give one serial number or IMEI for each of the "
                    "%(count)s units shipped (%(given)s given).",
                    line.quantity,
                )
                % {"item": line.title, "count": line.quantity, "given": len(given)},
                f"serial_{line.pk}_{min(len(given), line.quantity - 1)}",
            )
        for index, serial in enumerate(given):
            field = f"serial_{line.pk}_{index}"
            if not serial:
                raise FulfilmentRefused(
                    gettext(
                        "%(item)s: please give the serial number or IMEI of "
                        "unit %(number)s."
                    )
                    % {"item": line.title, "number": index + 1},
                    field,
                )
            if not SERIAL.fullmatch(serial):
                raise FulfilmentRefused(
                    gettext(
                        "%(serial)s is not a serial number: use 6 to 64 letters "
                        "or digits."
                    )
                    % {"serial": serial},
                    field,
                )
            if IMEI.fullmatch(serial) and not luhn_valid(serial):
                raise FulfilmentRefused(
                    gettext(
                        "%(serial)s is not a valid IMEI: its last digit does not "
                        "match (check for a typing error)."
                    )
                    % {"serial": serial},
                    field,
                )
            if serial in seen:
                raise FulfilmentRefused(
                    gettext(
                        "%(serial)s is given twice: each unit has its own serial "
                        "number."
                    )
                    % {"serial": serial},
                    field,
                )
            seen.add(serial)
            checked.append((line.pk, serial))
    return checked


@transaction.atomic
def seller_order_ship(
    *,
    seller_order: SellerOrder,
    actor: AbstractBaseUser | None,
    carrier: str,
    carrier_name: str = "",
    tracking_number: str,
    serials: dict[int, list[str]],
) -> SellerOrder:
    """Mark an accepted seller order shipped, with its tracking and serials.

    Writes one ``ShippedUnit`` per unit (never changed afterwards) and emails
    the shopper the carrier and tracking once the transaction commits.
    """
    seller_order = locked(
        seller_order,
        queryset=SellerOrder.objects.select_related("order", "refurbisher"),
        of=("self",),
    )
    SELLER_ORDER_STATUS.check(seller_order, Status.SHIPPED)
    if carrier not in Carrier.values:
        raise FulfilmentRefused(gettext("Please choose the carrier."), "carrier")
    carrier_name = (carrier_name or "").strip()
    if carrier == Carrier.OTHER:
        if not carrier_name:
            raise FulfilmentRefused(
                gettext("Please name the carrier (you chose “Other”)."),
                "carrier_name",
            )
        if len(carrier_name) > 80:
            raise FulfilmentRefused(
                gettext("The carrier's name is too long (%(most)s characters at most).")
                % {"most": 80},
                "carrier_name",
            )
    else:
        carrier_name = ""
    number = tracking_normalize(tracking_number)
    error = tracking_format_error(
        carrier=carrier, carrier_name=carrier_name, number=number
    )
    if error:
        raise FulfilmentRefused(error, "tracking_number")
    units = _serials_checked(seller_order, serials)
    ShippedUnit.objects.bulk_create(
        [ShippedUnit(line_id=line_id, serial=serial) for line_id, serial in units]
    )
    seller_order.shipped_at = timezone.now()
    seller_order.carrier = carrier
    seller_order.carrier_name = carrier_name
    seller_order.tracking_number = number
    shown = carrier_name or Carrier(carrier).label
    SELLER_ORDER_STATUS.move(
        seller_order, Status.SHIPPED, actor=actor,
        reason=f"Shipped with {shown}, tracking {number}",
        fields=("shipped_at", "carrier", "carrier_name", "tracking_number"),
    )  # fmt: skip
    seller_order_shipped_notify(seller_order_id=seller_order.pk)
    return seller_order


@transaction.atomic
def seller_order_deliver(
    *,
    seller_order: SellerOrder,
    actor: AbstractBaseUser | None,
    by: DeliveredByWhom,
    at: dt.datetime | None = None,
) -> SellerOrder:
    """Mark a shipped seller order delivered; each unit's warranty starts then.

    ``by`` says who confirmed it: the shopper, the carrier (``at`` is when
    the carrier delivered it), or the automatic confirmation
    ``AUTO_DELIVERY_DAYS`` after shipping. The warranty, the return window
    and so the payout all start at ``at`` (now by default). A seller cannot
    confirm its own delivery: ``orders.services.delivery`` records its word.
    """
    if by not in DELIVERED_BY:
        raise FulfilmentRefused(f"{by!r} is not a way of confirming a delivery.")
    seller_order = locked(
        seller_order,
        queryset=SellerOrder.objects.select_related("order", "refurbisher"),
        of=("self",),
    )
    SELLER_ORDER_STATUS.check(seller_order, Status.DELIVERED)
    delivered_at = at or timezone.now()
    seller_order.delivered_at = delivered_at
    seller_order.delivered_by = by
    # The seller is paid once the return window has closed.
    seller_order.payable_at = return_window_end(seller_order)
    reason = str(DELIVERED_BY[by]) % {"days": settings.AUTO_DELIVERY_DAYS}
    SELLER_ORDER_STATUS.move(
        seller_order, Status.DELIVERED, actor=actor, reason=reason,
        fields=("delivered_at", "delivered_by", "payable_at"),
    )  # fmt: skip
    warranties_create(seller_order=seller_order, starts_at=delivered_at)
    seller_order_delivered_notify(seller_order_id=seller_order.pk)
    return seller_order


@transaction.atomic
def seller_order_flag_late(*, seller_order: SellerOrder) -> bool:
    """Flag a seller order not shipped by its deadline; False if nothing to do."""
    seller_order = locked(
        seller_order,
        queryset=SellerOrder.objects.select_related("order", "refurbisher"),
        of=("self",),
    )
    if (
        seller_order.late_shipment
        or seller_order.status not in (Status.PAID, Status.ACCEPTED)
        or seller_order.ship_by is None
        or seller_order.ship_by > timezone.now()
    ):
        return False
    seller_order.late_shipment = True
    seller_order.save(update_fields=["late_shipment"])
    local = timezone.localtime(
        seller_order.ship_by, ZoneInfo(seller_order.refurbisher.time_zone)
    )
    SELLER_ORDER_STATUS.record(
        seller_order,
        reason=f"Not shipped by {local:%d %b %Y, %H:%M} ({local.tzinfo})",
    )
    return True


def seller_orders_flag_late(*, at: dt.datetime | None = None) -> int:
    """Flag every paid or accepted seller order past its ship-by, in batches."""
    at = at or timezone.now()
    flagged, after = 0, 0
    while True:
        ids = list(
            SellerOrder.objects.filter(
                status__in=[Status.PAID, Status.ACCEPTED],
                late_shipment=False,
                ship_by__lt=at,
                pk__gt=after,
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        for pk in ids:
            flagged += seller_order_flag_late(seller_order=SellerOrder(pk=pk))
        if len(ids) < BATCH:
            return flagged
        after = ids[-1]


def seller_orders_deliver_due(*, at: dt.datetime | None = None) -> int:
    """Deliver ("auto") seller orders shipped ``AUTO_DELIVERY_DAYS`` ago, in batches.

    Whether the seller reported them delivered changes nothing: the delay
    runs from shipping either way.
    """
    at = at or timezone.now()
    before = at - dt.timedelta(days=settings.AUTO_DELIVERY_DAYS)
    delivered, after = 0, 0
    while True:
        ids = list(
            SellerOrder.objects.filter(
                status=Status.SHIPPED, shipped_at__lt=before, pk__gt=after
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        for pk in ids:
            try:
                seller_order_deliver(
                    seller_order=SellerOrder(pk=pk), actor=None, by="auto"
                )
            except FulfilmentRefused:
                continue  # confirmed by someone else meanwhile
            delivered += 1
        if len(ids) < BATCH:
            return delivered
        after = ids[-1]


# --- Emails -------------------------------------------------------------------


def _email_context(seller_order: SellerOrder) -> dict:
    order = seller_order.order
    return {
        "order": order,
        "seller_order": seller_order,
        "refurbisher": seller_order.refurbisher,
        "market": MARKETS[order.market],
        "site_url": settings.SITE_URL,
        "order_url": f"{settings.SITE_URL}/orders/access/{order.access_token}/",
    }


def seller_order_shipped_notify(*, seller_order_id: int) -> int:
    """Tell the shopper their parcel left, with carrier and tracking."""
    seller_order = (
        SellerOrder.objects.select_related("order", "refurbisher")
        .prefetch_related("lines__units")
        .get(pk=seller_order_id)
    )
    context = {
        **_email_context(seller_order),
        "carrier": seller_order.carrier_name or seller_order.get_carrier_display(),
        "tracking_url": tracking_url(
            seller_order.carrier, seller_order.tracking_number
        ),
    }
    return _send(
        gettext("ReMarket: your order %(reference)s has shipped")
        % {"reference": seller_order.order.reference},
        "order_shipped",
        context,
        [seller_order.order.email],
    )


def seller_order_delivered_notify(*, seller_order_id: int) -> int:
    """Tell the shopper the parcel arrived and until when each device is covered."""
    seller_order = (
        SellerOrder.objects.select_related("order", "refurbisher")
        .prefetch_related("lines__warranties__unit")
        .get(pk=seller_order_id)
    )
    warranties = [
        {
            "warranty": warranty,
            "line": line,
            "url": f"{settings.SITE_URL}/warranty/{warranty.certificate_token}/",
        }
        for line in seller_order.lines.all()
        for warranty in line.warranties.all()
    ]
    return _send(
        gettext("ReMarket: your order %(reference)s was delivered")
        % {"reference": seller_order.order.reference},
        "order_delivered",
        {**_email_context(seller_order), "warranties": warranties},
        [seller_order.order.email],
    )
