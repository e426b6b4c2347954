"""Units of a listing's stock taken by orders and given back: the orders' only path.

A checkout takes units, a payment that came after its hold ran out takes them
again, and a failed or expired payment or a cancellation gives them back. The
caller locks the listings first with ``listings_lock`` (by pk: the one global
lock order, see ``orders.services.checkout``), checks what it needs on the
locked rows, then changes the stock with ``F()`` updates in its own
transaction; the stock ``CheckConstraint`` refuses a negative stock even if a
caller got it wrong. The caller then refreshes the offers (``offers_refresh``)
and bumps the catalog version once for all its listings.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F

from listings.models import Listing


def listings_lock(*, listing_ids: Iterable[int]) -> dict[int, Listing]:
    """Lock the listings' rows in pk order, for the caller's transaction; by pk."""
    return {
        listing.pk: listing
        for listing in Listing.objects.filter(pk__in=list(listing_ids))
        .order_by("pk")
        .select_for_update(of=("self",))
    }


def listing_stock_take(*, listing_id: int, quantity: int) -> None:
    """Take units off a locked listing's stock (sold or held for a checkout)."""
    Listing.objects.filter(pk=listing_id).update(stock=F("stock") - quantity)


def listing_stock_give_back(*, listing_id: int, quantity: int) -> None:
    """Put units back on a locked listing's stock (a hold released, a cancellation)."""
    Listing.objects.filter(pk=listing_id).update(stock=F("stock") + quantity)
