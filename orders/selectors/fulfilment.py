"""Reads for fulfilment pages: a seller's order, warranties, a certificate.

Each in a fixed number of queries whatever the number of lines or units.
"""

from __future__ import annotations

from django.db.models import Prefetch

from orders.models import (
    Order,
    OrderLine,
    OrderStatusChange,
    SellerOrder,
    SellerOrderStatus,
    ShippedUnit,
    Warranty,
)
from orders.selectors.seller_orders import SOLD
from refurbishers.models import Refurbisher


def seller_order_of_refurbisher(
    *, refurbisher: Refurbisher, reference: str
) -> SellerOrder | None:
    """The refurbisher's paid seller order in the order ``reference``, or None.

    With its order, lines (each with ``units`` and their warranty) and status
    changes (oldest first, with the actor): four queries.
    """
    units = ShippedUnit.objects.select_related("warranty").order_by("pk")
    return (
        SellerOrder.objects.filter(
            refurbisher=refurbisher, order__reference=reference, status__in=SOLD
        )
        .select_related("order", "refurbisher")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=OrderLine.objects.prefetch_related(
                    Prefetch("units", queryset=units)
                ).order_by("pk"),
            ),
            Prefetch(
                "status_changes",
                queryset=OrderStatusChange.objects.select_related("actor").order_by(
                    "created_at", "pk"
                ),
                to_attr="history",
            ),
        )
        .first()
    )


def warranties_of_order(*, order: Order) -> dict[int, list[Warranty]]:
    """The order's warranties by seller order id, with unit and line: one query."""
    by_seller_order: dict[int, list[Warranty]] = {}
    warranties = (
        Warranty.objects.filter(line__seller_order__order=order)
        .select_related("unit", "line")
        .order_by("line_id", "pk")
    )
    for warranty in warranties:
        by_seller_order.setdefault(warranty.line.seller_order_id, []).append(warranty)
    return by_seller_order


def warranty_for_certificate(*, token: str) -> Warranty | None:
    """The warranty a certificate link opens, with its device, seller and buyer."""
    if not token or len(token) > 64:
        return None
    return (
        Warranty.objects.filter(certificate_token=token)
        .select_related(
            "unit", "line__seller_order__order", "line__seller_order__refurbisher"
        )
        .first()
    )


def seller_order_in_order(*, order: Order, seller_order_id: int) -> SellerOrder | None:
    """One seller order of an order the requester may see, or None."""
    return (
        SellerOrder.objects.filter(order=order, pk=seller_order_id)
        .exclude(status=SellerOrderStatus.PENDING_PAYMENT)
        .first()
    )
