"""QA's edits of the catalog itself: categories, brands, device models, variants
and their new prices (the admin's only write path for them).

What shoppers see follows at once, as it does when a refurbisher edits a
listing: the words variants are found by (names of the brand, model and
category), the copies offers keep of their variant's model, category and
brand (``offers_refresh``: a model moved to another category, a variant to
another model), and the catalog version, so cached shop pages are built again
after the commit.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Model

from listings.models import (
    Brand,
    Category,
    DeviceModel,
    Listing,
    Variant,
    VariantNewPrice,
)
from listings.services.catalog import (
    catalog_version_bump,
    offers_refresh,
    variant_search_text_refresh,
)

CatalogEntry = Category | Brand | DeviceModel | Variant | VariantNewPrice


def _variant_ids(entry: Model) -> list[int]:
    """The variants whose search words or offers' copies an entry feeds."""
    if isinstance(entry, Category):
        variants = Variant.objects.filter(device_model__category=entry)
    elif isinstance(entry, Brand):
        variants = Variant.objects.filter(device_model__brand=entry)
    elif isinstance(entry, DeviceModel):
        variants = Variant.objects.filter(device_model=entry)
    elif isinstance(entry, Variant):
        return [entry.pk]
    else:
        return []  # a new price feeds no words and no copies
    return list(variants.values_list("pk", flat=True))


@transaction.atomic
def catalog_entry_save(*, entry: CatalogEntry) -> CatalogEntry:
    """Save a new or edited catalog entry; search words, offers and pages follow.

    Offers are refreshed only for a device model or a variant (the entries
    whose ids offers copy); an entry no listing uses refreshes no offer.
    """
    if not isinstance(entry, CatalogEntry):
        raise TypeError(f"{type(entry).__name__} is not a catalog entry.")
    entry.save()
    variant_ids = _variant_ids(entry)
    if variant_ids:
        variant_search_text_refresh(variant_ids=variant_ids)
    if isinstance(entry, DeviceModel | Variant) and variant_ids:
        listing_ids = list(
            Listing.objects.filter(variant_id__in=variant_ids).values_list(
                "pk", flat=True
            )
        )
        if listing_ids:
            offers_refresh(listing_ids=listing_ids)
    catalog_version_bump()
    return entry


@transaction.atomic
def catalog_entry_delete(*, entry: CatalogEntry) -> None:
    """Delete a catalog entry nothing depends on; cached pages are built again.

    An entry still used (a model with variants, a variant with listings) is
    protected by its foreign keys: ``ProtectedError`` says so.
    """
    if not isinstance(entry, CatalogEntry):
        raise TypeError(f"{type(entry).__name__} is not a catalog entry.")
    entry.delete()
    catalog_version_bump()
