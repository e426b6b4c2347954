"""Filters and ordering of the seller API's listing list."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, QuerySet
from rest_framework.filters import OrderingFilter

from listings.models import Grade, Listing, ListingStatus, Offer
from marketplace.api.filters import MomentFilter
from marketplace.markets import MARKET_CHOICES


class ListingFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ListingStatus.choices)
    grade = django_filters.ChoiceFilter(choices=Grade.choices)
    sku = django_filters.CharFilter(
        help_text="One SKU, exactly as written (case counts)."
    )
    variant = django_filters.NumberFilter(field_name="variant_id")
    device_model = django_filters.NumberFilter(field_name="variant__device_model_id")
    category = django_filters.NumberFilter(
        field_name="variant__device_model__category_id", help_text="Category id."
    )
    market = django_filters.ChoiceFilter(
        choices=MARKET_CHOICES,
        method="filter_market",
        help_text="Listings priced in this market.",
    )
    # A choice, not a boolean: anything but true or false is refused, never
    # silently ignored.
    in_stock = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_in_stock",
        help_text="true: stock above 0; false: none left.",
    )
    updated_since = MomentFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Changed at or after this moment (ISO 8601, with its offset).",
    )

    class Meta:
        model = Listing
        fields: list[str] = []

    def filter_market(self, listings: QuerySet, name: str, value: str) -> QuerySet:
        return listings.filter(
            Exists(Offer.objects.filter(listing=OuterRef("pk"), market=value))
        )

    def filter_in_stock(self, listings: QuerySet, name: str, value: str) -> QuerySet:
        if value == "true":
            return listings.filter(stock__gt=0)
        return listings.filter(stock=0)


class StableOrderingFilter(OrderingFilter):
    """The chosen order, then the id: pages never repeat or skip a listing."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not any(field.lstrip("-") in {"id", "pk"} for field in ordering):
            ordering.append("-id" if ordering[:1] and ordering[0][0] == "-" else "id")
        return ordering


LISTING_ORDERING_FIELDS = ["id", "sku", "stock", "updated_at", "created_at"]
LISTING_DEFAULT_ORDERING = ["-updated_at", "-id"]
