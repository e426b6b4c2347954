"""Set-based writes of an import's rows: COPY for new listings and their
offers, one UPDATE per batch for changed listings and prices.

No ``save()``: the callers lock the listings, refresh the offers' copies
(``offers_refresh``) and bump the catalog version once for every row.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from listings import csv_format as fmt
from listings.models import Listing, Offer
from listings.services.listing import MarketPrice
from listings.services.listing_imports.plan import FACT_FIELDS, RowPlan
from marketplace.bulk_copy import ids_reserve, rows_copy
from marketplace.markets import MARKETS
from refurbishers.models import Refurbisher

# Columns written by COPY for new listings and their offers (no save(), so
# the timestamps and defaults are given here).
_LISTING_COLUMNS = [
    "id", "refurbisher_id", "variant_id", "sku", "grade", "battery_min_pct",
    "stock", "warranty_months", "ships_from", "dispatch_days", "status",
    "rank_score", "created_at", "updated_at",
]  # fmt: skip
_OFFER_COLUMNS = [
    "listing_id", "market", "price_amount", "currency", "shipping_amount",
    "refurbisher_id", "variant_id", "device_model_id", "category_id", "brand_id",
    "grade", "battery_min_pct", "warranty_months", "rank_score", "is_purchasable",
    "created_at",
]  # fmt: skip


def creates_write(refurbisher: Refurbisher, rows: list[RowPlan]) -> list[int]:
    """Insert new listings and their offers with COPY: several times faster
    than bulk_create at this size (measured in marketplace.bulk_copy)."""
    if not rows:
        return []
    ids = ids_reserve(Listing, len(rows))
    now = timezone.now()
    rows_copy(
        Listing,
        _LISTING_COLUMNS,
        (
            (pk, refurbisher.pk, row.variant.pk, row.sku, row.facts[fmt.GRADE],
             row.facts[fmt.BATTERY], row.facts[fmt.STOCK], row.facts[fmt.WARRANTY],
             refurbisher.country, row.facts[fmt.DISPATCH], row.facts[fmt.STATUS],
             0.0, now, now)
            for pk, row in zip(ids, rows, strict=True)
        ),
    )  # fmt: skip
    rows_copy(
        Offer,
        _OFFER_COLUMNS,
        (
            (pk, code, price.amount, MARKETS[code].currency, price.shipping,
             refurbisher.pk, row.variant.pk, row.variant.device_model_id,
             row.variant.device_model.category_id, row.variant.device_model.brand_id,
             row.facts[fmt.GRADE], row.facts[fmt.BATTERY], row.facts[fmt.WARRANTY],
             0.0, False, now)
            for pk, row in zip(ids, rows, strict=True)
            for code, price in row.prices.items()
        ),
    )  # fmt: skip
    return ids


def _offer(listing: Listing, row: RowPlan, code: str, price: MarketPrice) -> Offer:
    model = row.variant.device_model
    return Offer(
        listing_id=listing.pk, market=code, price_amount=price.amount,
        currency=MARKETS[code].currency, shipping_amount=price.shipping,
        refurbisher_id=listing.refurbisher_id, variant_id=row.variant.pk,
        device_model_id=model.pk, category_id=model.category_id,
        brand_id=model.brand_id, grade=row.facts[fmt.GRADE],
        battery_min_pct=row.facts[fmt.BATTERY],
        warranty_months=row.facts[fmt.WARRANTY],
    )  # fmt: skip


def updates_write(refurbisher: Refurbisher, rows: list[RowPlan]) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE listings_listing AS l SET
                grade = v.grade, battery_min_pct = v.battery, stock = v.stock,
                warranty_months = v.warranty, dispatch_days = v.dispatch,
                status = v.status, updated_at = now()
            FROM unnest(%s::bigint[], %s::text[], %s::int[], %s::int[], %s::int[],
                        %s::int[], %s::text[])
                AS v(id, grade, battery, stock, warranty, dispatch, status)
            WHERE l.id = v.id AND l.refurbisher_id = %s
            """,
            [
                [row.listing_id for row in rows],
                # In FACT_FIELDS' order, as the unnest's columns.
                *([row.facts[name] for row in rows] for name in FACT_FIELDS),
                refurbisher.pk,
            ],
        )
    current = {
        (offer.listing_id, offer.market): offer
        for offer in Offer.objects.filter(
            listing_id__in=[row.listing_id for row in rows if row.prices]
        ).only("id", "listing_id", "market")
    }
    added, changed, removed = [], [], []
    for row in rows:
        listing = Listing(pk=row.listing_id, refurbisher=refurbisher)
        for code, price in row.prices.items():
            offer = current.get((row.listing_id, code))
            if price is None:
                if offer is not None:
                    removed.append(offer.pk)
            elif offer is None:
                added.append(_offer(listing, row, code, price))
            else:
                changed.append((offer.pk, price))
    if removed:
        Offer.objects.filter(pk__in=removed).delete()  # order lines keep a copy
    if added:
        Offer.objects.bulk_create(added)
    if changed:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE listings_offer AS o SET
                    price_amount = v.price, shipping_amount = v.shipping
                FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[])
                    AS v(id, price, shipping)
                WHERE o.id = v.id
                """,
                [
                    [pk for pk, _ in changed],
                    [price.amount for _, price in changed],
                    [price.shipping for _, price in changed],
                ],
            )
