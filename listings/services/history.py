"""Who changed a listing, and what: the rows of ``ListingChange``.

Every service that writes a seller's listing (create, edit, pause, stock,
prices, one by one or in bulk, by import) records its change here with the
acting user: the member on the dashboard, the maker of the API key, the
uploader of an import; None for the system. One statement per call,
whatever the number of listings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection

from listings.models import ListingChange, ListingStatus
from marketplace.markets import MARKETS
from marketplace.money import format_money
from marketplace.status import actor_or_none

Actor = AbstractBaseUser | AnonymousUser | None


def price_words(code: str, amount: Decimal) -> str:
    """A market's price as a change names it: "France €199.00"."""
    market = MARKETS[code]
    return f"{market.name} {format_money(amount, market.currency, market)}"


def price_change_words(code: str, before: Decimal, after: Decimal) -> str:
    """A price change in one market: "price in France €199.00 → €189.00"."""
    market = MARKETS[code]
    after_words = format_money(after, market.currency, market)
    return f"price in {price_words(code, before)} → {after_words}"


def status_words(status: str) -> str:
    return ListingStatus(status).label.lower()


def listing_changes_record(*, actor: Actor, changes: Mapping[int, str]) -> None:
    """Record what changed on each listing (its id -> the change in words)."""
    if not changes:
        return
    who = actor_or_none(actor)
    ListingChange.objects.bulk_create(
        [
            ListingChange(listing_id=listing_id, actor=who, reason=reason)
            for listing_id, reason in changes.items()
        ]
    )


def listing_changes_record_alike(
    *, actor_id: int | None, listing_ids: Iterable[int], reason: str
) -> None:
    """Record one change, in the same words, on many listings (an import's).

    ``actor_id`` is the user's id, as the import keeps it. One set-based
    statement, however many listings.
    """
    ids = list(listing_ids)
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {ListingChange._meta.db_table}
                   (listing_id, actor_id, reason, created_at)
            SELECT id, %s, %s, statement_timestamp()
              FROM unnest(%s::bigint[]) AS id
            """,
            [actor_id, reason, ids],
        )
