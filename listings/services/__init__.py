"""Every write to the catalog and to listings goes through here."""

from listings.services.catalog import (
    catalog_version,
    catalog_version_bump,
    listings_changed,
    offers_refresh,
    variant_search_text_refresh,
)
from listings.services.editing import listing_delete, listing_update
from listings.services.listing import (
    MAX_DISPATCH_DAYS,
    SKU_MAX_LENGTH,
    MarketPrice,
    check_listing_facts,
    check_market_prices,
    listing_create,
    listing_status_set,
    listing_stock_set,
)
from listings.services.stock import (
    listing_stock_give_back,
    listing_stock_take,
    listings_lock,
)

__all__ = [
    "MAX_DISPATCH_DAYS",
    "SKU_MAX_LENGTH",
    "MarketPrice",
    "catalog_version",
    "catalog_version_bump",
    "check_listing_facts",
    "check_market_prices",
    "listing_create",
    "listing_delete",
    "listing_status_set",
    "listing_stock_give_back",
    "listing_stock_set",
    "listing_stock_take",
    "listing_update",
    "listings_changed",
    "listings_lock",
    "offers_refresh",
    "variant_search_text_refresh",
]
