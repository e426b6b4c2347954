"""Query parameters of the seller API's order, claim and payout lists."""

from __future__ import annotations

import django_filters
from django_filters.rest_framework import FilterSet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from marketplace.api.filters import MomentFilter
from orders.models import ClaimStatus, PayoutStatus, SellerOrderStatus
from orders.selectors.seller_orders import SOLD


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ordering that ends on the primary key, so pages never repeat or skip rows."""

    def filter(self, qs, value):
        # "ordering=," or "ordering=-" names no field: the default order.
        value = [param for param in value or () if param.strip("-")]
        if not value:
            return qs
        ordering = [self.get_ordering_value(param) for param in value]
        last = ordering[-1] if ordering else ""
        return qs.order_by(*ordering, "-pk" if last.startswith("-") else "pk")


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.TypedChoiceFilter):
    """true or false; anything else is a 400, not silently ignored."""

    def __init__(self, **kwargs):
        super().__init__(
            choices=[("true", "true"), ("false", "false")],
            coerce=lambda value: value == "true",
            **kwargs,
        )


class SellerOrderFilter(FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[(value, SellerOrderStatus(value).label) for value in SOLD],
        help_text="Only seller orders in this status.",
    )
    late = StrictBooleanFilter(
        field_name="late_shipment",
        help_text="true: only those flagged as not shipped by their ship-by time.",
    )
    paid_since = MomentFilter(
        field_name="paid_at",
        lookup_expr="gte",
        help_text="Only those paid at or after this time (ISO 8601).",
    )
    ordering = StableOrderingFilter(
        fields=(
            ("paid_at", "paid_at"),
            ("ship_by", "ship_by"),
            ("total_amount", "total_amount"),
        ),
        help_text="paid_at, ship_by or total_amount; a leading - for descending "
        "(default -paid_at).",
    )


class ClaimFilter(FilterSet):
    status = django_filters.ChoiceFilter(
        choices=ClaimStatus.choices,
        help_text="Only claims in this status (open: waiting for your answer).",
    )


class PayoutFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=PayoutStatus.choices)
    paid_since = MomentFilter(
        field_name="paid_at",
        lookup_expr="gte",
        help_text="Only payouts paid at or after this time (ISO 8601).",
    )
