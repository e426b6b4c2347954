"""Who may say a parcel arrived: the seller's report, and the carrier's word.

A delivery starts three clocks: each device's warranty, the return window,
and with it the payout (``payable_at``). A seller could start them early by
clicking "delivered" on a parcel still on its way, shortening the shopper's
return window and getting paid sooner, so its word starts none of them:
``seller_order_delivery_report`` records when the seller said so (shown to
the shopper, who is asked to confirm) and nothing else. The clocks start
only when the shopper confirms, when the carrier says so
(``seller_order_carrier_delivered``, what a carrier integration calls), or
``AUTO_DELIVERY_DAYS`` after shipping (``seller_orders_deliver_due``); all
three go through ``orders.services.fulfilment.seller_order_deliver``.

Lock order: the seller order row only, as in ``fulfilment``.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from marketplace.status import locked
from orders.exceptions import FulfilmentRefused
from orders.models import DeliveredBy, SellerOrder
from orders.models import SellerOrderStatus as Status
from orders.moves import SELLER_ORDER_STATUS, STATE_WORDS
from orders.services.fulfilment import auto_delivery_at, seller_order_deliver

# A carrier's clock may run a little ahead of ours.
CARRIER_CLOCK_SKEW = dt.timedelta(minutes=5)


@transaction.atomic
def seller_order_delivery_report(
    *, seller_order: SellerOrder, actor: AbstractBaseUser | None
) -> SellerOrder:
    """Record that the seller says a shipped parcel arrived; start no clock.

    The seller order stays shipped: the shopper sees the seller's word and
    is asked to confirm. Reporting again changes nothing (the first report
    is kept). Raises ``FulfilmentRefused`` for an order not shipped.
    """
    seller_order = locked(
        seller_order,
        queryset=SellerOrder.objects.select_related("order"),
        of=("self",),
    )
    if seller_order.status != Status.SHIPPED:
        raise FulfilmentRefused(
            _("Only a shipped order can be reported delivered: this one is %(status)s.")
            % {"status": STATE_WORDS[seller_order.status]}
        )
    if seller_order.seller_reported_delivered_at is not None:
        return seller_order
    seller_order.seller_reported_delivered_at = timezone.now()
    seller_order.save(update_fields=["seller_reported_delivered_at"])
    auto = auto_delivery_at(seller_order)
    SELLER_ORDER_STATUS.record(
        seller_order, actor=actor,
        reason=_(
            "The seller reports the parcel delivered; waiting for the shopper's "
            "or the carrier's confirmation (automatic on %(date)s)."
        )
        % {"date": formats.date_format(timezone.localtime(auto), "DATE_FORMAT")},
    )  # fmt: skip
    return seller_order


def seller_order_carrier_delivered(
    *, seller_order: SellerOrder, delivered_at: dt.datetime
) -> bool:
    """Apply a carrier's word that the parcel was delivered at ``delivered_at``.

    What a carrier integration (a tracking webhook or a poll) calls. The
    clocks start at the carrier's moment, not at when we heard of it. A
    carrier repeats its events: an order already delivered (by anyone) is
    left as it is and False is returned. Raises ``FulfilmentRefused`` for a
    moment that is not aware, is before the shipment or in the future.
    """
    if timezone.is_naive(delivered_at):
        raise FulfilmentRefused(_("The carrier's delivery time has no time zone."))
    current = SellerOrder.objects.only("status", "shipped_at").get(pk=seller_order.pk)
    if current.status == Status.DELIVERED:
        return False
    if delivered_at > timezone.now() + CARRIER_CLOCK_SKEW:
        raise FulfilmentRefused(_("The carrier's delivery time is in the future."))
    if current.shipped_at is not None and delivered_at < current.shipped_at:
        raise FulfilmentRefused(
            _("The carrier's delivery time is before the parcel was shipped.")
        )
    try:
        seller_order_deliver(
            seller_order=seller_order, actor=None, by=DeliveredBy.CARRIER,
            at=min(delivered_at, timezone.now()),
        )  # fmt: skip
    except FulfilmentRefused:
        # Delivered by someone else since the read above: the same outcome.
        if SellerOrder.objects.filter(
            pk=seller_order.pk, status=Status.DELIVERED
        ).exists():
            return False
        raise
    return True
