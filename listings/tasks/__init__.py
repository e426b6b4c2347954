"""Celery tasks of the listings app, one module per part (thin: they call services)."""

from listings.tasks.imports import listing_import_apply, listing_import_check
from listings.tasks.photos import listing_photo_thumbnail
from listings.tasks.shop import shop_pages_warm

__all__ = [
    "listing_import_apply",
    "listing_import_check",
    "listing_photo_thumbnail",
    "shop_pages_warm",
]
