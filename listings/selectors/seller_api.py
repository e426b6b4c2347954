"""Reads of the seller API's listings: a refurbisher's own, with their offers.

Every function takes the refurbisher and reads its rows only, so another
refurbisher's listing is not found (a 404 to the API).
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from listings.models import Listing, Offer
from refurbishers.models import Refurbisher


def listings_for_api(*, refurbisher: Refurbisher) -> QuerySet[Listing]:
    """The refurbisher's listings with their variant, model, brand and offers
    (by market), for the list, one listing, and the answer after a write."""
    return (
        Listing.objects.filter(refurbisher=refurbisher)
        .select_related("variant__device_model__brand")
        .prefetch_related(Prefetch("offers", queryset=Offer.objects.order_by("market")))
    )
