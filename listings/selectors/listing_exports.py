"""Reads behind the CSV downloads: the listings export, the template's
examples, and the catalog's variant ids.

The export is one query on a server-side cursor however many listings there
are: each listing carries its offers as an array, so nothing is fetched per
row.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import CharField, OuterRef, Value
from django.db.models.functions import Cast, Concat

from listings import csv_format as fmt
from listings.models import Listing, Offer, Variant
from refurbishers.models import Refurbisher

EXPORT_CHUNK = 2000


def variant_label(variant: Variant) -> str:
    """ "Apple iPhone 13 · 128 GB · Midnight": the variant_name column."""
    model = variant.device_model
    return f"{model.brand.name} {model.name} · {variant}"


def listings_export_markets(*, refurbisher: Refurbisher) -> list[str]:
    """The price columns of an export: markets shipped to, and any market a
    listing still has an offer in (so an export re-imported keeps them)."""
    priced = Offer.objects.filter(refurbisher=refurbisher).values_list(
        "market", flat=True
    )
    return fmt.market_codes({*refurbisher.ships_to, *priced.distinct()}) or [
        refurbisher.country
    ]


def listings_export_rows(
    *, refurbisher: Refurbisher, markets: list[str]
) -> Iterator[list[str]]:
    """Every listing of the refurbisher as a CSV row, by SKU; one query."""
    offers = Offer.objects.filter(listing=OuterRef("pk")).values(
        entry=Concat(
            "market", Value("|"), Cast("price_amount", CharField()), Value("|"),
            Cast("shipping_amount", CharField()), output_field=CharField(),
        )
    )  # fmt: skip
    listings = (
        Listing.objects.filter(refurbisher=refurbisher)
        .select_related("variant__device_model__brand")
        .annotate(offer_entries=ArraySubquery(offers))
        .order_by("sku", "pk")
    )
    for listing in listings.iterator(chunk_size=EXPORT_CHUNK):
        prices = {}
        for entry in listing.offer_entries:
            market, price, shipping = entry.split("|")
            prices[market] = (price, shipping)
        row = [
            listing.sku, listing.variant_id, variant_label(listing.variant),
            listing.grade, listing.battery_min_pct, listing.stock,
            listing.warranty_months, listing.dispatch_days, listing.status,
        ]  # fmt: skip
        for code in markets:
            row += list(prices.get(code, ("", "")))
        yield row


def template_variants(count: int = 2) -> list[Variant]:
    """Real catalog variants for the template's example rows."""
    return list(
        Variant.objects.select_related("device_model__brand").order_by("pk")[:count]
    )


def catalog_variant_rows() -> Iterator[list[object]]:
    """Every catalog variant with its id, for sellers looking one up; one query."""
    variants = Variant.objects.select_related(
        "device_model__brand", "device_model__category"
    ).order_by("device_model__brand__name", "device_model__name", "pk")
    for variant in variants.iterator(chunk_size=EXPORT_CHUNK):
        model = variant.device_model
        yield [
            variant.pk, model.category.name, model.brand.name, model.name,
            variant.storage_gb or "", variant.colour,
            variant.get_connectivity_display() if variant.connectivity else "",
        ]  # fmt: skip
