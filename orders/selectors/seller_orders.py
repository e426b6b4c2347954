"""A refurbisher's seller orders, for its dashboard."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet

from orders.models import OrderLine, SellerOrder, SellerOrderStatus
from refurbishers.models import Refurbisher

# A seller sees what was paid for; unpaid checkouts are not its business.
SOLD = [
    SellerOrderStatus.PAID,
    SellerOrderStatus.ACCEPTED,
    SellerOrderStatus.SHIPPED,
    SellerOrderStatus.DELIVERED,
    SellerOrderStatus.CANCELLED,
]
PAGE_SIZE = 25


def seller_orders(*, refurbisher: Refurbisher, status: str | None = None) -> QuerySet:
    """The refurbisher's paid seller orders, newest first, with lines and order."""
    statuses = [status] if status in SOLD else SOLD
    return (
        SellerOrder.objects.filter(refurbisher=refurbisher, status__in=statuses)
        .select_related("order")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))
        .order_by("-paid_at", "-pk")
    )


def seller_orders_page(
    *, refurbisher: Refurbisher, status: str | None, page: str | None
) -> Page:
    """One page of seller orders; a bad page number shows the nearest page."""
    return Paginator(
        seller_orders(refurbisher=refurbisher, status=status), PAGE_SIZE
    ).get_page(page)
