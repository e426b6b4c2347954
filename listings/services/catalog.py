"""Catalog writes: the cache version, variants' search words, offers' copies."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache
from django.db import connection, transaction

from listings.events import offers_changed
from listings.models import (
    Listing,
    ListingStatus,
    Offer,
)
from refurbishers.models import SELLING_STATUSES

CATALOG_VERSION_KEY = "catalog:version"
SKU_MAX_LENGTH = Listing._meta.get_field("sku").max_length
MAX_DISPATCH_DAYS = 30


def catalog_version() -> int:
    """The number cached shop pages are keyed by; it changes on every catalog write."""
    version = cache.get(CATALOG_VERSION_KEY)
    if version is None:
        cache.add(CATALOG_VERSION_KEY, 1, timeout=None)
        version = cache.get(CATALOG_VERSION_KEY, 1)
    return int(version)


def catalog_version_bump() -> None:
    """Make every cached search and facet result stale (after commit)."""

    def bump() -> None:
        try:
            cache.incr(CATALOG_VERSION_KEY)
        except ValueError:
            cache.set(CATALOG_VERSION_KEY, 2, timeout=None)

    transaction.on_commit(bump)


def variant_search_text_refresh(*, variant_ids: Iterable[int] | None = None) -> int:
    """Rebuild the words each variant is found by, in one statement."""
    where, params = "", []
    if variant_ids is not None:
        where, params = "WHERE v.id = ANY(%s)", [list(variant_ids)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE listings_variant AS target SET search_text = lower(concat_ws(' ',
                b.name, m.name, c.name,
                CASE WHEN v.storage_gb IS NULL THEN NULL
                     WHEN v.storage_gb >= 1024 AND v.storage_gb %% 1024 = 0
                     THEN (v.storage_gb / 1024)::text || 'tb'
                     ELSE v.storage_gb::text || 'gb' END,
                v.colour, NULLIF(v.connectivity, ''),
                CASE WHEN v.connectivity = 'cellular' THEN '5g lte' END))
            FROM listings_variant v
            JOIN listings_devicemodel m ON m.id = v.device_model_id
            JOIN listings_brand b ON b.id = m.brand_id
            JOIN listings_category c ON c.id = m.category_id
            {where}
            {"AND" if where else "WHERE"} target.id = v.id
            """,
            params,
        )
        return cursor.rowcount


def offers_refresh(
    *,
    listing_ids: Iterable[int] | None = None,
    refurbisher_ids: Iterable[int] | None = None,
) -> int:
    """Copy listing, catalog and refurbisher facts onto offers, in one statement.

    An offer is purchasable when its listing is active with stock, its
    refurbisher is selling (trial or active) and ships to the offer's market,
    and, for a refurbisher on trial, today's sales have not reached its cap.
    With no ids, every offer is refreshed (used after bulk loads).

    The offer's rank score and its parts are not copied: they are per market
    and belong to ``quality.services.ranking.rank_scores_recompute``, which
    writes them on offers and nothing here overwrites them. When an offer
    changed, ``offers_changed`` is sent (the ranking asks for a recompute).
    """
    conditions, params = [], []
    if listing_ids is not None:
        listing_ids = list(listing_ids)
        conditions.append("l.id = ANY(%s)")
        params.append(listing_ids)
    if refurbisher_ids is not None:
        refurbisher_ids = list(refurbisher_ids)
        conditions.append("l.refurbisher_id = ANY(%s)")
        params.append(refurbisher_ids)
    extra = "".join(f" AND {c}" for c in conditions)
    with connection.cursor() as cursor:
        # Only offers whose copies change are written, so a periodic refresh
        # (trial caps every minute) leaves the page cache alone when nothing
        # moved; the row count is the number of offers that changed.
        cursor.execute(
            f"""
            UPDATE listings_offer AS o SET
                refurbisher_id = n.refurbisher_id, variant_id = n.variant_id,
                device_model_id = n.device_model_id, category_id = n.category_id,
                brand_id = n.brand_id, grade = n.grade,
                battery_min_pct = n.battery_min_pct,
                warranty_months = n.warranty_months,
                is_purchasable = n.is_purchasable
            FROM (
                SELECT o2.id, l.refurbisher_id, l.variant_id, v.device_model_id,
                       m.category_id, m.brand_id, l.grade, l.battery_min_pct,
                       l.warranty_months,
                       (
                        l.status = %s AND l.stock > 0
                        AND r.status = ANY(%s) AND o2.market = ANY(r.ships_to)
                        -- A trial seller whose sales today (its own time zone)
                        -- reached the cap is off the site until its midnight.
                        AND NOT (r.status = 'trial' AND EXISTS (
                            SELECT 1 FROM refurbishers_saleday d
                            WHERE d.refurbisher_id = r.id
                              AND d.local_date = (now() AT TIME ZONE r.time_zone)::date
                              AND d.confirmed >= d.cap
                        ))
                       ) AS is_purchasable
                FROM listings_offer o2
                JOIN listings_listing l ON l.id = o2.listing_id
                JOIN listings_variant v ON v.id = l.variant_id
                JOIN listings_devicemodel m ON m.id = v.device_model_id
                JOIN refurbishers_refurbisher r ON r.id = l.refurbisher_id
                WHERE TRUE{extra}
            ) AS n
            WHERE o.id = n.id AND (
                o.refurbisher_id, o.variant_id, o.device_model_id, o.category_id,
                o.brand_id, o.grade, o.battery_min_pct, o.warranty_months,
                o.is_purchasable
            ) IS DISTINCT FROM (
                n.refurbisher_id, n.variant_id, n.device_model_id, n.category_id,
                n.brand_id, n.grade, n.battery_min_pct, n.warranty_months,
                n.is_purchasable
            )
            """,
            [ListingStatus.ACTIVE, list(SELLING_STATUSES), *params],
        )
        count = cursor.rowcount
    if count:
        catalog_version_bump()
        # Stock, status, grade or warranty moved: price floors and device
        # parts may have too.
        offers_changed.send(
            sender=Offer, listing_ids=listing_ids, refurbisher_ids=refurbisher_ids
        )
    return count


def listings_changed(*, listing_ids: list[int], prices_changed: bool = False) -> None:
    """Bring offers, the ranking and cached pages in step with edited listings."""
    offers_refresh(listing_ids=listing_ids)
    if prices_changed:
        # A price is not one of the copies offers_refresh writes, but it moves
        # the variant's price floor: the ranking must hear of it.
        offers_changed.send(
            sender=Offer, listing_ids=list(listing_ids), refurbisher_ids=None
        )
    catalog_version_bump()
