"""Filters of the public catalog API."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from listings.models import DeviceModel, Grade, Offer, Variant
from marketplace.markets import MARKET_CHOICES, MARKETS

SEARCH_WORDS_MAX = 6


ID_MAX = 2**63 - 1


def as_id(value: str) -> int | None:
    """The id written in ``value``, or None. Only ASCII digits: Python's
    isdigit() also takes "¹", which int() refuses."""
    if value.isascii() and value.isdigit() and int(value) <= ID_MAX:
        return int(value)
    return None


def slug_or_id(prefix: str, value: str) -> Q:
    """Match a related row by its id (digits) or its slug."""
    value = value.strip()
    match = Q(**{f"{prefix}__slug": value})
    if (pk := as_id(value)) is not None:
        match |= Q(**{f"{prefix}_id": pk})
    return match


class SlugOrIdFilter(django_filters.CharFilter):
    """``?category=phones`` or ``?category=3``."""

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if not value:
            return qs
        return qs.filter(slug_or_id(self.field_name, value))


class MarketField(forms.ChoiceField):
    """A market code, in any case ("fr" is FR)."""

    def to_python(self, value):
        return super().to_python(value).strip().upper()


class MarketFilter(django_filters.ChoiceFilter):
    field_class = MarketField


class DeviceModelFilter(django_filters.FilterSet):
    category = SlugOrIdFilter(help_text="Category slug or id.")
    brand = SlugOrIdFilter(help_text="Brand slug or id.")
    q = django_filters.CharFilter(
        method="search", help_text="Words of the brand or model name: 'iphone 13'."
    )

    class Meta:
        model = DeviceModel
        fields: list[str] = []

    def search(self, models: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split()[:SEARCH_WORDS_MAX]:
            models = models.filter(
                Q(name__icontains=word) | Q(brand__name__icontains=word)
            )
        return models


class VariantFilter(django_filters.FilterSet):
    device_model = SlugOrIdFilter(help_text="Device model slug or id.")

    class Meta:
        model = Variant
        fields: list[str] = []


OFFER_ORDERINGS = {
    # Quality and service first, as the shop ranks them; price breaks ties.
    "recommended": ["-rank_score", "price_amount", "id"],
    "price": ["price_amount", "-rank_score", "id"],
    "-price": ["-price_amount", "-rank_score", "id"],
}


class OfferFilter(django_filters.FilterSet):
    market = MarketFilter(
        choices=MARKET_CHOICES,
        required=True,
        help_text="Required: the shopper's market (prices are in its currency).",
        error_messages={
            # {markets} is filled in here; %(value)s by the form field.
            "required": format_lazy(
                gettext_lazy(
                    "Choose a market: {markets} (prices and availability differ "
                    "per market)."
                ),
                markets=", ".join(MARKETS),
            ),
            "invalid_choice": format_lazy(
                gettext_lazy(
                    "%(value)s is not a ReMarket market: use one of {markets}."
                ),
                markets=", ".join(MARKETS),
            ),
        },
    )
    variant = django_filters.NumberFilter(field_name="variant_id")
    device_model = SlugOrIdFilter(help_text="Device model slug or id.")
    category = SlugOrIdFilter(help_text="Category slug or id.")
    grade = django_filters.ChoiceFilter(choices=Grade.choices)
    min_price = django_filters.NumberFilter(
        field_name="price_amount",
        lookup_expr="gte",
        help_text="In the market's currency.",
    )
    max_price = django_filters.NumberFilter(
        field_name="price_amount",
        lookup_expr="lte",
        help_text="In the market's currency.",
    )
    ordering = django_filters.ChoiceFilter(
        choices=[
            ("recommended", "Recommended: rank (quality, service), then price"),
            ("price", "Price, lowest first"),
            ("-price", "Price, highest first"),
        ],
        method="order",
        empty_label=None,
        help_text="recommended (default), price or -price.",
    )

    class Meta:
        model = Offer
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # The default order holds when no ``ordering`` is sent.
        return super().filter_queryset(
            queryset.order_by(*OFFER_ORDERINGS["recommended"])
        )

    def order(self, offers: QuerySet, name: str, value: str) -> QuerySet:
        return offers.order_by(*OFFER_ORDERINGS[value])
