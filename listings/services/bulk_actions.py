"""Changes to many listings at once, from the dashboard's table: pause, resume,
a price change by a percentage or a price set, per market.

All or nothing: every selected listing is checked first, and if one would
break a rule nothing is written and the error names each SKU and why. The
listings are locked in id order (the global lock order: listings first), so
two bulk actions over overlapping rows apply one after the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from listings.exceptions import ListingError
from listings.models import Listing, ListingStatus, Offer
from listings.services.catalog import listings_changed
from listings.services.history import (
    Actor,
    listing_changes_record,
    price_change_words,
    price_words,
    status_words,
)
from listings.services.listing import MarketPrice, check_market_prices, offer_build
from marketplace.markets import MARKETS
from marketplace.money import quantize
from refurbishers.models import Refurbisher

BULK_MAX_LISTINGS = 1000
# The largest amount an offer's price column holds (10 digits, 2 decimals).
MAX_PRICE = Decimal("99999999.99")
# A percentage change beyond these is almost surely a typo (-100% is free).
PERCENT_MIN, PERCENT_MAX = Decimal("-90"), Decimal("500")


@dataclass(frozen=True)
class RowError:
    sku: str
    message: str


class BulkActionRefused(ListingError):
    """One or more rows would break a rule; ``rows`` says which and why."""

    def __init__(self, message: str, rows: list[RowError] | None = None):
        super().__init__(message)
        self.rows = rows or []


@dataclass(frozen=True)
class BulkResult:
    changed: int
    skus: list[str]


def _listings_locked(
    refurbisher: Refurbisher, listing_ids: Iterable[int]
) -> list[Listing]:
    ids = sorted({int(i) for i in listing_ids})
    if not ids:
        raise BulkActionRefused(gettext("Select at least one listing."))
    if len(ids) > BULK_MAX_LISTINGS:
        raise BulkActionRefused(
            gettext("Select at most %(bulk_max_listings)s listings at once.")
            % {"bulk_max_listings": BULK_MAX_LISTINGS}
        )
    listings = list(
        Listing.objects.filter(refurbisher=refurbisher, pk__in=ids)
        .select_related("refurbisher", "variant__device_model")
        .order_by("pk")
        .select_for_update(of=("self",))
    )
    if len(listings) != len(ids):
        # Another refurbisher's id, or one deleted since the page was drawn.
        raise BulkActionRefused(
            gettext("Some selected listings no longer exist: reload.")
        )
    return listings


def _refuse_if(errors: list[RowError], what: str) -> None:
    """Refuse the whole action when a listing cannot take it; ``what`` is
    ``paused``, ``resumed`` or ``repriced`` (one whole sentence each)."""
    if errors:
        count = len(errors)
        if what == "paused":
            message = ngettext(
                "Nothing was changed: %(count)s listing cannot be paused.",
                "Nothing was changed: %(count)s listings cannot be paused.",
                count,
            )
        elif what == "resumed":
            message = ngettext(
                "Nothing was changed: %(count)s listing cannot be resumed.",
                "Nothing was changed: %(count)s listings cannot be resumed.",
                count,
            )
        else:
            message = ngettext(
                "Nothing was changed: %(count)s listing cannot be repriced.",
                "Nothing was changed: %(count)s listings cannot be repriced.",
                count,
            )
        raise BulkActionRefused(message % {"count": count}, errors)


@transaction.atomic
def listings_bulk_status_set(
    *,
    refurbisher: Refurbisher,
    listing_ids: Iterable[int],
    status: str,
    actor: Actor = None,
) -> BulkResult:
    """Pause (``paused``) or resume (``active``) the selected listings.

    An archived listing is neither paused nor resumed from the table: it is
    reopened from its own page, on purpose.
    """
    if status not in (ListingStatus.PAUSED, ListingStatus.ACTIVE):
        raise BulkActionRefused(gettext("Listings are paused or resumed in bulk."))
    listings = _listings_locked(refurbisher, listing_ids)
    verb = "paused" if status == ListingStatus.PAUSED else "resumed"
    _refuse_if(
        [
            RowError(
                listing.sku,
                gettext("It is archived: open it to put it back on sale."),
            )
            for listing in listings
            if listing.status == ListingStatus.ARCHIVED
        ],
        verb,
    )
    changing = [listing for listing in listings if listing.status != status]
    Listing.objects.filter(pk__in=[listing.pk for listing in changing]).update(
        status=status, updated_at=timezone.now()
    )
    listing_changes_record(
        actor=actor,
        changes={
            listing.pk: f"Status {status_words(listing.status)} → "
            f"{status_words(status)} (bulk)"
            for listing in changing
        },
    )
    listings_changed(listing_ids=[listing.pk for listing in listings])
    return BulkResult(len(changing), [listing.sku for listing in changing])


@transaction.atomic
def listings_bulk_price_change(
    *,
    refurbisher: Refurbisher,
    listing_ids: Iterable[int],
    market: str | None,
    percent: Decimal | None = None,
    amount: Decimal | None = None,
    actor: Actor = None,
) -> BulkResult:
    """Change the price of the selected listings by ``percent``, or set it to
    ``amount``, in ``market`` (a percentage may apply to every market).

    A percentage changes the markets a listing is sold in (rounded to the
    cent); a set price also adds the market to a listing not sold there yet,
    with that market's rules (shipping to it, its minimum warranty).
    """
    if (percent is None) == (amount is None):
        raise BulkActionRefused(gettext("Give either a percentage or a price."))
    if market is not None and market not in MARKETS:
        raise BulkActionRefused(
            gettext("%(market)s is not a ReMarket market.") % {"market": market}
        )
    if amount is not None and market is None:
        raise BulkActionRefused(gettext("A price is set for one market: choose it."))
    if percent is not None and not PERCENT_MIN <= percent <= PERCENT_MAX:
        raise BulkActionRefused(
            gettext("A change is between %(percent_min)s%% and +%(percent_max)s%%.")
            % {"percent_min": PERCENT_MIN, "percent_max": PERCENT_MAX}
        )
    listings = _listings_locked(refurbisher, listing_ids)
    offers: dict[int, dict[str, Offer]] = {}
    for offer in Offer.objects.filter(listing__in=listings).order_by("pk"):
        offers.setdefault(offer.listing_id, {})[offer.market] = offer

    errors: list[RowError] = []
    planned: list[tuple[Listing, dict[str, MarketPrice]]] = []
    for listing in listings:
        current = offers.get(listing.pk, {})
        changes: dict[str, MarketPrice] = {}
        for code, offer in current.items():
            if market is None or code == market:
                new = (
                    amount
                    if amount is not None
                    else quantize(offer.price_amount * (1 + percent / 100))
                )
                changes[code] = MarketPrice(new, offer.shipping_amount)
        if market is not None and market not in current:
            if amount is None:
                errors.append(
                    RowError(
                        listing.sku,
                        gettext(
                            "It is not sold in %(market)s: set a price there "
                            "instead of a percentage."
                        )
                        % {"market": MARKETS[market].name},
                    )
                )
                continue
            changes[market] = MarketPrice(amount)
        kept = {
            code: MarketPrice(offer.price_amount, offer.shipping_amount)
            for code, offer in current.items()
        }
        too_high = [code for code, p in changes.items() if p.amount > MAX_PRICE]
        if too_high:
            errors.append(
                RowError(
                    listing.sku,
                    gettext("The price in %(market)s would be above %(max)s.")
                    % {"market": MARKETS[too_high[0]].name, "max": MAX_PRICE},
                )
            )
            continue
        try:
            check_market_prices(
                listing.refurbisher, listing.warranty_months, {**kept, **changes}
            )
        except ListingError as error:
            errors.append(RowError(listing.sku, error.message))
            continue
        planned.append((listing, changes))
    _refuse_if(errors, "repriced")

    updated: list[Offer] = []
    changed_skus: list[str] = []
    said: dict[int, str] = {}
    how = f"{percent:+}%" if percent is not None else "price set"
    for listing, changes in planned:
        moved: list[str] = []
        for code, price in changes.items():
            offer = offers.get(listing.pk, {}).get(code)
            if offer is None:
                offer_build(listing, code, price).save()
                moved.append(f"now sold in {price_words(code, price.amount)}")
            elif offer.price_amount != price.amount:
                moved.append(price_change_words(code, offer.price_amount, price.amount))
                offer.price_amount = price.amount
                updated.append(offer)
        if moved:
            changed_skus.append(listing.sku)
            text = "; ".join(moved)
            said[listing.pk] = f"{text[0].upper()}{text[1:]} (bulk, {how})"
    Offer.objects.bulk_update(updated, ["price_amount"], batch_size=500)
    listing_changes_record(actor=actor, changes=said)
    Listing.objects.filter(
        pk__in=[listing.pk for listing, _ in planned], sku__in=changed_skus
    ).update(updated_at=timezone.now())
    listings_changed(
        listing_ids=[listing.pk for listing in listings], prices_changed=True
    )
    return BulkResult(len(changed_skus), changed_skus)
