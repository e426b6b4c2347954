"""Creating a listing, pausing it, its stock; each write names who made it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from listings.exceptions import ListingError
from listings.models import (
    BATTERY_MIN_PCT,
    Grade,
    Listing,
    ListingStatus,
    Offer,
    Variant,
)
from listings.services.catalog import listings_changed
from listings.services.history import (
    Actor,
    listing_changes_record,
    price_words,
    status_words,
)
from marketplace.markets import MARKETS, PLATFORM_WARRANTY_MIN_MONTHS, can_ship
from marketplace.status import locked
from refurbishers.models import Refurbisher

SKU_MAX_LENGTH = Listing._meta.get_field("sku").max_length
MAX_DISPATCH_DAYS = 30


@dataclass(frozen=True)
class MarketPrice:
    amount: Decimal
    shipping: Decimal = Decimal("0")


def check_market_prices(
    refurbisher: Refurbisher,
    warranty_months: int,
    prices: Mapping[str, MarketPrice],
    *,
    unchanged: frozenset[str] = frozenset(),
) -> None:
    """Every market's price, and the warranty each market requires.

    Markets in ``unchanged`` keep a price set earlier: a refurbisher that has
    since stopped shipping there may still edit the listing (the offer is
    simply not on sale there), but may not set a new price there.
    """
    if not prices:
        raise ListingError(
            gettext("Give a price for at least one market."), field="prices"
        )
    for code, price in prices.items():
        market = MARKETS.get(code)
        if market is None:
            raise ListingError(
                gettext("%(code)s is not a ReMarket market.") % {"code": code},
                field="prices",
            )
        ships = can_ship(refurbisher.country, code) and code in refurbisher.ships_to
        if not ships and code not in unchanged:
            raise ListingError(
                gettext("%(refurbisher)s does not ship to %(market)s.")
                % {"refurbisher": refurbisher.name, "market": market.name},
                field="prices",
            )
        if price.amount <= 0 or price.shipping < 0:
            raise ListingError(
                gettext("The price in %(name)s must be above zero.")
                % {"name": market.name},
                field="prices",
            )
        if warranty_months < market.warranty_min_months:
            raise ListingError(
                gettext(
                    "%(name)s requires a warranty of at least "
                    "%(warranty_min_months)s months."
                )
                % {
                    "name": market.name,
                    "warranty_min_months": market.warranty_min_months,
                },
                field="warranty_months",
            )


def offer_build(listing: Listing, code: str, price: MarketPrice) -> Offer:
    """The listing's offer in market ``code`` (unsaved), with the copies of the
    listing's facts offers carry; ``offers_refresh`` keeps them in step."""
    model = listing.variant.device_model
    return Offer(
        listing=listing,
        market=code,
        price_amount=price.amount,
        currency=MARKETS[code].currency,
        shipping_amount=price.shipping,
        refurbisher=listing.refurbisher,
        variant=listing.variant,
        device_model=model,
        category_id=model.category_id,
        brand_id=model.brand_id,
        grade=listing.grade,
        battery_min_pct=listing.battery_min_pct,
        warranty_months=listing.warranty_months,
    )


def check_listing_facts(listing: Listing) -> None:
    """A listing's own facts, before it is saved (created or changed)."""
    sku = listing.sku
    if not sku or len(sku) > SKU_MAX_LENGTH or sku != sku.strip():
        raise ListingError(
            gettext("A SKU has 1 to %(sku_max_length)s characters.")
            % {"sku_max_length": SKU_MAX_LENGTH},
            field="sku",
        )
    if listing.grade not in Grade.values:
        raise ListingError(
            gettext("%(grade)s is not a grade.") % {"grade": repr(listing.grade)},
            field="grade",
        )
    if not BATTERY_MIN_PCT <= listing.battery_min_pct <= 100:
        raise ListingError(
            gettext("Battery health is guaranteed from %(battery_min_pct)s%% to 100%%.")
            % {"battery_min_pct": BATTERY_MIN_PCT},
            field="battery_min_pct",
        )
    if listing.stock < 0:
        raise ListingError(gettext("Stock cannot be negative."), field="stock")
    if listing.warranty_months < PLATFORM_WARRANTY_MIN_MONTHS:
        raise ListingError(
            gettext(
                "Every device on ReMarket has a warranty of at least "
                "%(platform_warranty_min_months)s months."
            )
            % {"platform_warranty_min_months": PLATFORM_WARRANTY_MIN_MONTHS},
            field="warranty_months",
        )
    if not 0 <= listing.dispatch_days <= MAX_DISPATCH_DAYS:
        raise ListingError(
            gettext("Dispatch takes 0 to %(max_dispatch_days)s days.")
            % {"max_dispatch_days": MAX_DISPATCH_DAYS},
            field="dispatch_days",
        )
    if listing.status not in ListingStatus.values:
        raise ListingError(
            gettext("%(status)s is not a listing status.")
            % {"status": repr(listing.status)},
            field="status",
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
    actor: Actor = None,
) -> Listing:
    """Create a listing and its offer in each market it is priced for.

    ``actor`` is who creates it (recorded in its ``ListingChange`` history).
    """
    sku = (sku or "").strip()
    if dispatch_days is None:
        dispatch_days = refurbisher.dispatch_days
    check_listing_facts(
        Listing(
            sku=sku, grade=grade, battery_min_pct=battery_min_pct, stock=stock,
            warranty_months=warranty_months, dispatch_days=dispatch_days,
            status=status,
        )
    )  # fmt: skip
    check_market_prices(refurbisher, warranty_months, prices)
    duplicate = ListingError(
        gettext("You already have a listing with SKU %(sku)s.") % {"sku": sku},
        field="sku",
    )
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
    Offer.objects.bulk_create(
        offer_build(listing, code, price) for code, price in prices.items()
    )
    priced = ", ".join(price_words(code, p.amount) for code, p in prices.items())
    listing_changes_record(
        actor=actor,
        changes={listing.pk: f"Created: stock {stock}; prices {priced or 'none'}"},
    )
    listings_changed(listing_ids=[listing.pk])
    return listing


@transaction.atomic
def listing_status_set(
    *, listing: Listing, status: str, actor: Actor = None
) -> Listing:
    """Pause, resume or archive a listing; its offers follow at once."""
    if status not in ListingStatus.values:
        raise ListingError(
            gettext("%(status)s is not a listing status.") % {"status": repr(status)},
            field="status",
        )
    listing = locked(listing)
    before = listing.status
    listing.status = status
    listing.save(update_fields=["status", "updated_at"])
    listing_changes_record(
        actor=actor,
        changes={listing.pk: f"Status {status_words(before)} → {status_words(status)}"},
    )
    listings_changed(listing_ids=[listing.pk])
    return listing


@transaction.atomic
def listing_stock_set(*, listing: Listing, stock: int, actor: Actor = None) -> Listing:
    """Set a listing's stock; an offer with no stock leaves the shop."""
    if stock < 0:
        raise ListingError(gettext("Stock cannot be negative."), field="stock")
    listing = locked(listing)
    before = listing.stock
    listing.stock = stock
    listing.save(update_fields=["stock", "updated_at"])
    listing_changes_record(
        actor=actor, changes={listing.pk: f"Stock {before} → {stock}"}
    )
    # Pages show how many are left, purchasable or not (the cache is bumped).
    listings_changed(listing_ids=[listing.pk])
    return listing
