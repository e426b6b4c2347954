"""What waits for a refurbisher's action, for its dashboard's overview.

One query whatever the number of orders, claims or returns: each figure is a
subquery on the refurbisher's row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, IntegerField, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from orders.models import (
    ClaimStatus,
    ReturnRequest,
    ReturnStatus,
    SellerOrder,
    SellerOrderStatus,
    WarrantyClaim,
)
from refurbishers.models import Refurbisher


@dataclass(frozen=True)
class SellerActions:
    to_ship: int
    late: int
    next_ship_by: dt.datetime | None
    claims: int
    next_claim_due: dt.datetime | None
    returns_to_authorise: int
    returns_coming_back: int

    @property
    def anything(self) -> bool:
        return bool(
            self.to_ship
            or self.claims
            or self.returns_to_authorise
            or self.returns_coming_back
        )


def _of(queryset, expression, *, via: str = "refurbisher", output=None) -> Subquery:
    """One figure of the refurbisher's rows in ``queryset``, as a subquery.

    ``via`` is the path from those rows to their refurbisher.
    """
    values = (
        queryset.filter(**{via: OuterRef("pk")})
        .order_by()
        .values(via)
        .annotate(figure=expression)
        .values("figure")
    )
    return Subquery(values, output_field=output)


def _count(queryset, *, via: str = "refurbisher", **conditions) -> Coalesce:
    figure = Count("pk", filter=Q(**conditions)) if conditions else Count("pk")
    return Coalesce(_of(queryset, figure, via=via, output=IntegerField()), 0)


def seller_actions(*, refurbisher: Refurbisher) -> SellerActions:
    """Orders to ship, claims to answer and returns to handle, with deadlines."""
    open_orders = SellerOrder.objects.filter(
        status__in=[SellerOrderStatus.PAID, SellerOrderStatus.ACCEPTED]
    )
    claims = WarrantyClaim.objects.filter(status=ClaimStatus.OPEN)
    returns = ReturnRequest.objects.filter(
        status__in=[ReturnStatus.REQUESTED, ReturnStatus.SENT_BACK]
    )
    via_order = "seller_order__refurbisher"
    row = (
        Refurbisher.objects.filter(pk=refurbisher.pk)
        .annotate(
            to_ship=_count(open_orders),
            late=_count(open_orders, late_shipment=True),
            next_ship_by=_of(open_orders, Min("ship_by")),
            claims_open=_count(claims),
            next_claim_due=_of(claims, Min("answer_due_at")),
            to_authorise=_count(returns, via=via_order, status=ReturnStatus.REQUESTED),
            coming_back=_count(returns, via=via_order, status=ReturnStatus.SENT_BACK),
        )
        .values(
            "to_ship",
            "late",
            "next_ship_by",
            "claims_open",
            "next_claim_due",
            "to_authorise",
            "coming_back",
        )
        .get()
    )
    return SellerActions(
        to_ship=row["to_ship"],
        late=row["late"],
        next_ship_by=row["next_ship_by"],
        claims=row["claims_open"],
        next_claim_due=row["next_claim_due"],
        returns_to_authorise=row["to_authorise"],
        returns_coming_back=row["coming_back"],
    )
