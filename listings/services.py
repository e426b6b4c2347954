"""Every write to the catalog and to listings goes through here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction

from listings.exceptions import ListingError
from listings.models import (
    BATTERY_MIN_PCT,
    Grade,
    Listing,
    ListingStatus,
    Offer,
    Variant,
)
from marketplace.markets import MARKETS, can_ship
from refurbishers.models import SELLING_STATUSES, Refurbisher

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
    changed, a recompute is asked for soon (debounced).
    """
    conditions, params = [], []
    if listing_ids is not None:
        conditions.append("l.id = ANY(%s)")
        params.append(list(listing_ids))
    if refurbisher_ids is not None:
        conditions.append("l.refurbisher_id = ANY(%s)")
        params.append(list(refurbisher_ids))
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
        # parts may have too. Imported here: the ranking builds on this module.
        from quality.services.ranking import rank_recompute_soon

        rank_recompute_soon()
    return count


@dataclass(frozen=True)
class MarketPrice:
    amount: Decimal
    shipping: Decimal = Decimal("0")


def _check_market_prices(
    refurbisher: Refurbisher, warranty_months: int, prices: Mapping[str, MarketPrice]
) -> None:
    if not prices:
        raise ListingError("Give a price for at least one market.", field="prices")
    for code, price in prices.items():
        market = MARKETS.get(code)
        if market is None:
            raise ListingError(f"{code} is not a ReMarket market.", field="prices")
        if not can_ship(refurbisher.country, code) or code not in refurbisher.ships_to:
            raise ListingError(
                f"{refurbisher.name} does not ship to {market.name}.", field="prices"
            )
        if price.amount <= 0 or price.shipping < 0:
            raise ListingError(
                f"The price in {market.name} must be above zero.", field="prices"
            )
        if warranty_months < market.warranty_min_months:
            raise ListingError(
                f"{market.name} requires a warranty of at least "
                f"{market.warranty_min_months} months.",
                field="warranty_months",
            )


@transaction.atomic
def listing_create(
    *,
    refurbisher: Refurbisher,
    variant: Variant,
    sku: str,
    grade: str,
    battery_min_pct: int,
    stock: int,
    warranty_months: int,
    prices: Mapping[str, MarketPrice],
    dispatch_days: int | None = None,
    status: str = ListingStatus.ACTIVE,
) -> Listing:
    """Create a listing and its offer in each market it is priced for."""
    sku = (sku or "").strip()
    if not sku or len(sku) > SKU_MAX_LENGTH:
        raise ListingError(f"A SKU has 1 to {SKU_MAX_LENGTH} characters.", field="sku")
    if grade not in Grade.values:
        raise ListingError(f"{grade!r} is not a grade.", field="grade")
    if not BATTERY_MIN_PCT <= battery_min_pct <= 100:
        raise ListingError(
            f"Battery health is guaranteed from {BATTERY_MIN_PCT}% to 100%.",
            field="battery_min_pct",
        )
    if stock < 0:
        raise ListingError("Stock cannot be negative.", field="stock")
    if dispatch_days is None:
        dispatch_days = refurbisher.dispatch_days
    if not 0 <= dispatch_days <= MAX_DISPATCH_DAYS:
        raise ListingError(
            f"Dispatch takes 0 to {MAX_DISPATCH_DAYS} days.", field="dispatch_days"
        )
    if status not in ListingStatus.values:
        raise ListingError(f"{status!r} is not a listing status.", field="status")
    _check_market_prices(refurbisher, warranty_months, prices)
    duplicate = ListingError(f"You already have a listing with SKU {sku}.", field="sku")
    if Listing.objects.filter(refurbisher=refurbisher, sku=sku).exists():
        raise duplicate
    try:
        # A concurrent request may insert the same SKU after the check above;
        # the unique constraint decides, and the loser gets the same message.
        with transaction.atomic():
            listing = Listing.objects.create(
                refurbisher=refurbisher,
                variant=variant,
                sku=sku,
                grade=grade,
                battery_min_pct=battery_min_pct,
                stock=stock,
                warranty_months=warranty_months,
                ships_from=refurbisher.country,
                dispatch_days=dispatch_days,
                status=status,
            )
    except IntegrityError as error:
        if "listing_unique_sku" in str(error):
            raise duplicate from None
        raise
    model = variant.device_model
    Offer.objects.bulk_create(
        Offer(
            listing=listing,
            market=code,
            price_amount=price.amount,
            currency=MARKETS[code].currency,
            shipping_amount=price.shipping,
            refurbisher=refurbisher,
            variant=variant,
            device_model=model,
            category_id=model.category_id,
            brand_id=model.brand_id,
            grade=grade,
            battery_min_pct=battery_min_pct,
            warranty_months=warranty_months,
        )
        for code, price in prices.items()
    )
    offers_refresh(listing_ids=[listing.pk])
    catalog_version_bump()
    return listing


@transaction.atomic
def listing_status_set(*, listing: Listing, status: str) -> Listing:
    """Pause, resume or archive a listing; its offers follow at once."""
    if status not in ListingStatus.values:
        raise ListingError(f"{status!r} is not a listing status.", field="status")
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    listing.status = status
    listing.save(update_fields=["status", "updated_at"])
    offers_refresh(listing_ids=[listing.pk])
    catalog_version_bump()
    return listing


@transaction.atomic
def listing_stock_set(*, listing: Listing, stock: int) -> Listing:
    """Set a listing's stock; an offer with no stock leaves the shop."""
    if stock < 0:
        raise ListingError("Stock cannot be negative.", field="stock")
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    listing.stock = stock
    listing.save(update_fields=["stock", "updated_at"])
    # Pages show how many are left, purchasable or not.
    offers_refresh(listing_ids=[listing.pk])
    catalog_version_bump()
    return listing
