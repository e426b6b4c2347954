"""Reads of the seller API: a refurbisher's seller orders, message threads and
payouts, shaped for its serializers.

What each list and object costs is fixed: one query per level (seller orders,
lines, units), whatever the number of rows. Every function takes the
refurbisher and reads its rows only; another refurbisher's is None here, which
the API answers as a 404.
"""

from __future__ import annotations

from django.db.models import (
    Count,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)

from orders.models import (
    Message,
    OrderLine,
    OrderStatusChange,
    Payout,
    PayoutLineKind,
    SellerOrder,
    ShippedUnit,
)
from orders.selectors.messages import THREAD_WAITING
from orders.selectors.seller_orders import SOLD
from refurbishers.models import Refurbisher


def seller_orders_for_api(*, refurbisher: Refurbisher) -> QuerySet[SellerOrder]:
    """The refurbisher's paid seller orders, newest paid first, with lines,
    listings (SKU) and shipped units."""
    lines = (
        OrderLine.objects.select_related("listing")
        .prefetch_related(
            Prefetch("units", queryset=ShippedUnit.objects.order_by("pk"))
        )
        .order_by("pk")
    )
    return (
        SellerOrder.objects.filter(refurbisher=refurbisher, status__in=SOLD)
        .select_related("order")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by(F("paid_at").desc(nulls_last=True), "-pk")
    )


def seller_order_for_api(
    *, refurbisher: Refurbisher, reference: str
) -> SellerOrder | None:
    """One of the refurbisher's seller orders with its history; None if none."""
    history = OrderStatusChange.objects.order_by("created_at", "pk")
    return (
        seller_orders_for_api(refurbisher=refurbisher)
        .filter(order__reference=reference)
        .prefetch_related(
            Prefetch("status_changes", queryset=history, to_attr="history")
        )
        .first()
    )


def threads_for_api(*, refurbisher: Refurbisher) -> QuerySet[SellerOrder]:
    """The refurbisher's seller orders with messages, those waiting for an answer
    first (longest waiting at the top), then by latest message; each with its
    counts and last message, in one query."""
    last = Message.objects.filter(seller_order=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    return (
        SellerOrder.objects.filter(refurbisher=refurbisher)
        .select_related("order")
        .annotate(
            message_count=Count("messages"),
            waiting_messages=Count("messages", filter=THREAD_WAITING),
            waiting_since=Min("messages__created_at", filter=THREAD_WAITING),
            last_message_at=Max("messages__created_at"),
            last_author=Subquery(last.values("author")[:1]),
            last_body=Subquery(last.values("body")[:1]),
        )
        .filter(message_count__gt=0)
        .order_by(F("waiting_since").asc(nulls_last=True), "-last_message_at", "-pk")
    )


def payouts_for_api(*, refurbisher: Refurbisher) -> QuerySet[Payout]:
    """The refurbisher's payouts, newest first, with their line counts."""
    return (
        Payout.objects.filter(refurbisher=refurbisher)
        .annotate(
            sales=Count("lines", filter=Q(lines__kind=PayoutLineKind.SALE)),
            refunds=Count("lines", filter=Q(lines__kind=PayoutLineKind.REFUND)),
        )
        .order_by("-created_at", "-pk")
    )
