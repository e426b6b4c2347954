"""Price and stock updates of many listings by SKU, all or nothing (the API's
bulk endpoint).

Every row is first checked with the listing rules (``check_listing_facts``,
``check_market_prices``: the checks ``listing_update`` makes), so a request
with a bad row is refused before anything is written. Then every row is
applied with ``listing_update``, the rule every other path uses, inside its
own savepoint so one refusal does not stop the others from being checked. If
any row was refused, one error carries them all and the whole transaction
rolls back: nothing is half-applied. The listings are locked in id
order first (the global lock order: listings first), so two bulk updates of
the same listings apply one after the other, never interleaved.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext, ngettext

from listings.exceptions import ListingError
from listings.models import Listing, Offer
from listings.services.catalog import listings_changed
from listings.services.editing import listing_update
from listings.services.history import Actor
from listings.services.listing import (
    MarketPrice,
    check_listing_facts,
    check_market_prices,
)
from refurbishers.models import Refurbisher

BULK_UPDATE_MAX_ROWS = 1000


@dataclass(frozen=True)
class PriceChange:
    """A market's new price; ``shipping`` None keeps the current shipping cost
    (nothing for a market the listing is not sold in yet)."""

    amount: Decimal
    shipping: Decimal | None = None


@dataclass(frozen=True)
class BulkRow:
    """One row: the listing's SKU and what changes (None: unchanged).

    ``prices`` maps a market to its new price, or to None to stop selling
    there; markets not named keep theirs.
    """

    sku: str
    stock: int | None = None
    prices: Mapping[str, PriceChange | None] | None = None


# Row index -> field -> messages; a row's own problem is under "sku".
RowErrors = dict[int, dict[str, list[str]]]


class BulkUpdateRefused(ListingError):
    """One or more rows would break a rule; nothing was changed.

    ``rows`` says which row (its index in the request) and which field.
    """

    def __init__(self, message: str, rows: RowErrors):
        super().__init__(message)
        self.rows = rows


@dataclass(frozen=True)
class BulkUpdateResult:
    updated: list[Listing]


def _refuse(errors: RowErrors) -> None:
    count = len(errors)
    raise BulkUpdateRefused(
        ngettext(
            "Nothing was changed: %(count)s row cannot be applied.",
            "Nothing was changed: %(count)s rows cannot be applied.",
            count,
        )
        % {"count": count},
        errors,
    )


def _duplicate_errors(rows: Sequence[BulkRow]) -> RowErrors:
    first_row: dict[str, int] = {}
    errors: RowErrors = {}
    for index, row in enumerate(rows):
        if row.sku in first_row:
            errors[index] = {
                "sku": [
                    gettext("SKU %(sku)s is already on row %(row)s.")
                    % {"sku": row.sku, "row": first_row[row.sku]}
                ]
            }
        else:
            first_row[row.sku] = index
    return errors


def _market_prices(
    changes: Mapping[str, PriceChange | None] | None,
    current: Mapping[str, Offer],
) -> dict[str, MarketPrice | None] | None:
    if changes is None:
        return None
    prices: dict[str, MarketPrice | None] = {}
    for code, change in changes.items():
        if change is None:
            prices[code] = None
            continue
        shipping = change.shipping
        if shipping is None:
            offer = current.get(code)
            shipping = offer.shipping_amount if offer else Decimal("0")
        prices[code] = MarketPrice(change.amount, shipping)
    return prices


def _row_refusal(
    refurbisher: Refurbisher,
    listing: Listing,
    stock: int | None,
    prices: Mapping[str, MarketPrice | None] | None,
    current: Mapping[str, Offer],
) -> dict[str, list[str]] | None:
    """What the listing rules would refuse in this row, found without writing."""
    planned = copy.copy(listing)
    if stock is not None:
        planned.stock = stock
    kept = {
        code: MarketPrice(offer.price_amount, offer.shipping_amount)
        for code, offer in current.items()
    }
    for code, price in (prices or {}).items():
        if price is None:
            kept.pop(code, None)
        else:
            kept[code] = price
    try:
        check_listing_facts(planned)
        check_market_prices(refurbisher, listing.warranty_months, kept)
    except ListingError as error:
        return {error.field or "sku": [error.message]}
    return None


@transaction.atomic
def listings_bulk_update(
    *, refurbisher: Refurbisher, rows: Sequence[BulkRow], actor: Actor = None
) -> BulkUpdateResult:
    """Apply every row to the refurbisher's listing of its SKU, or none.

    Each listing changed records ``actor`` in its history.

    A SKU of another refurbisher is unknown here, exactly like one that does
    not exist. Raises ``BulkUpdateRefused`` with every row's errors.
    """
    if not rows:
        raise ListingError(gettext("Send at least one row."), field="rows")
    if len(rows) > BULK_UPDATE_MAX_ROWS:
        raise ListingError(
            gettext("Send at most %(bulk_update_max_rows)s rows at once.")
            % {"bulk_update_max_rows": BULK_UPDATE_MAX_ROWS},
            field="rows",
        )
    errors = _duplicate_errors(rows)
    listings = {
        listing.sku: listing
        for listing in Listing.objects.filter(
            refurbisher=refurbisher, sku__in={row.sku for row in rows}
        )
        .order_by("pk")
        .select_for_update(of=("self",))
    }
    offers: dict[int, dict[str, Offer]] = {}
    for offer in Offer.objects.filter(listing__in=listings.values()):
        offers.setdefault(offer.listing_id, {})[offer.market] = offer

    planned: list[tuple[int, Listing, int | None, dict | None]] = []
    for index, row in enumerate(rows):
        if index in errors:
            continue
        listing = listings.get(row.sku)
        if listing is None:
            errors[index] = {
                "sku": [
                    gettext("Unknown SKU: you have no listing %(sku)s.")
                    % {"sku": row.sku}
                ]
            }
            continue
        current = offers.get(listing.pk, {})
        prices = _market_prices(row.prices, current)
        refusal = _row_refusal(refurbisher, listing, row.stock, prices, current)
        if refusal:
            errors[index] = refusal
        planned.append((index, listing, row.stock, prices))
    if errors:
        _refuse(errors)  # before any write: a refused request costs little

    # listing_update checks again, under its own rules: should they ever ask
    # more than the checks above, its refusal still rolls everything back.
    updated: list[Listing] = []
    for index, listing, stock, prices in planned:
        try:
            # listing_update is atomic: inside this transaction, a savepoint,
            # so a refused row leaves the transaction usable for the next.
            listing = listing_update(
                listing=listing, stock=stock, prices=prices, refresh=False,
                actor=actor,
            )  # fmt: skip
        except ListingError as error:
            errors[index] = {error.field or "sku": [error.message]}
            continue
        updated.append(listing)
    if errors:
        _refuse(errors)
    # Offers, ranking and cache once for the whole request, not per row.
    listings_changed(
        listing_ids=[listing.pk for listing in updated],
        prices_changed=any(prices for _, _, _, prices in planned),
    )
    return BulkUpdateResult(updated=updated)
