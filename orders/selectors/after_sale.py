"""Reads of an order's after-sale: refunds, returns and warranty claims.

One query each whatever the number of seller orders, lines or warranties; the
order page attaches them to its seller orders, lines and warranties.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orders.models import (
    Order,
    Refund,
    ReturnRequest,
    ReturnStatus,
    WarrantyClaim,
)


@dataclass
class AfterSale:
    refunds_by_seller_order: dict[int | None, list[Refund]] = field(
        default_factory=dict
    )
    # The line's return that was not withdrawn (at most one), by line id.
    return_by_line: dict[int, ReturnRequest] = field(default_factory=dict)
    # Claims per warranty id, newest first.
    claims_by_warranty: dict[int, list[WarrantyClaim]] = field(default_factory=dict)


def after_sale_of_order(*, order: Order) -> AfterSale:
    """The order's refunds, live returns and claims: three queries."""
    after_sale = AfterSale()
    for refund in Refund.objects.filter(order=order).order_by("created_at", "pk"):
        after_sale.refunds_by_seller_order.setdefault(
            refund.seller_order_id, []
        ).append(refund)
    returns = (
        ReturnRequest.objects.filter(seller_order__order=order)
        .exclude(status=ReturnStatus.WITHDRAWN)
        .order_by("pk")
    )
    for return_request in returns:
        after_sale.return_by_line[return_request.line_id] = return_request
    claims = WarrantyClaim.objects.filter(seller_order__order=order).order_by(
        "-created_at", "-pk"
    )
    for claim in claims:
        after_sale.claims_by_warranty.setdefault(claim.warranty_id, []).append(claim)
    return after_sale
