"""Changing a listing after it was created: its facts, its prices, removing it.

The dashboard, the CSV import's single-row path and the API call these, so a
rule holds on every path. A listing's offers follow it in the same
transaction (``offers_refresh``); the rank recompute follows soon after.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext

from listings.exceptions import ListingError
from listings.models import Listing, Offer
from listings.services.catalog import catalog_version_bump, listings_changed
from listings.services.history import (
    Actor,
    listing_changes_record,
    price_change_words,
    price_words,
    status_words,
)
from listings.services.listing import (
    MarketPrice,
    check_listing_facts,
    check_market_prices,
    offer_build,
)
from marketplace.markets import MARKETS
from marketplace.money import format_money

UNSET = object()
# How a change of each fact is named in the listing's history.
FACT_WORDS = {
    "grade": "grade",
    "battery_min_pct": "battery at least (%)",
    "stock": "stock",
    "warranty_months": "warranty (months)",
    "dispatch_days": "dispatch (days)",
}


@transaction.atomic
def listing_update(
    *,
    listing: Listing,
    grade: str | None = None,
    battery_min_pct: int | None = None,
    stock: int | None = None,
    warranty_months: int | None = None,
    dispatch_days: int | None = None,
    status: str | None = None,
    prices: Mapping[str, MarketPrice | None] | None = None,
    refresh: bool = True,
    actor: Actor = None,
) -> Listing:
    """Change what is given and leave the rest.

    ``prices`` maps a market to its new price (added if the listing was not
    sold there) or to None (no longer sold there); markets not named keep
    theirs. The listing must keep at least one market, and its warranty must
    meet every remaining market's minimum. The row is locked, so two edits of
    one listing apply one after the other.

    ``refresh=False`` is for a caller changing many listings in one
    transaction: it then calls ``listings_changed`` once for all of them.
    What changed is recorded with ``actor`` (``ListingChange``).
    """
    listing = (
        Listing.objects.select_for_update()
        .select_related("refurbisher", "variant__device_model")
        .get(pk=listing.pk)
    )
    changes = {
        name: value
        for name, value in {
            "grade": grade,
            "battery_min_pct": battery_min_pct,
            "stock": stock,
            "warranty_months": warranty_months,
            "dispatch_days": dispatch_days,
            "status": status,
        }.items()
        if value is not None
    }
    said = [
        _fact_words(name, getattr(listing, name), value)
        for name, value in changes.items()
        if getattr(listing, name) != value
    ]
    for name, value in changes.items():
        setattr(listing, name, value)
    check_listing_facts(listing)

    current = {offer.market: offer for offer in Offer.objects.filter(listing=listing)}
    kept = {
        code: MarketPrice(offer.price_amount, offer.shipping_amount)
        for code, offer in current.items()
    }
    for code, price in (prices or {}).items():
        if code not in MARKETS:
            raise ListingError(
                gettext("%(code)s is not a ReMarket market.") % {"code": code},
                field="prices",
            )
        if price is None:
            kept.pop(code, None)
        else:
            kept[code] = price
    check_market_prices(
        listing.refurbisher, listing.warranty_months, kept,
        unchanged=frozenset(current) - set(prices or {}),
    )  # fmt: skip

    if changes:
        listing.save(update_fields=[*changes, "updated_at"])
    for code, price in (prices or {}).items():
        offer = current.get(code)
        if price is None:
            if offer is not None:
                offer.delete()  # order lines keep their copy (offer set null)
                said.append(f"no longer sold in {MARKETS[code].name}")
        elif offer is None:
            offer_build(listing, code, price).save()
            said.append(f"now sold in {price_words(code, price.amount)}")
        elif (offer.price_amount, offer.shipping_amount) != (
            price.amount, price.shipping,
        ):  # fmt: skip
            said.append(_price_change_words(code, offer, price))
            offer.price_amount, offer.shipping_amount = price.amount, price.shipping
            offer.save(update_fields=["price_amount", "shipping_amount"])
    if said:
        text = "; ".join(said)
        listing_changes_record(
            actor=actor, changes={listing.pk: text[0].upper() + text[1:]}
        )
    if refresh:
        listings_changed(listing_ids=[listing.pk], prices_changed=bool(prices))
    return listing


def _fact_words(name: str, before: object, after: object) -> str:
    if name == "status":
        return f"status {status_words(str(before))} → {status_words(str(after))}"
    return f"{FACT_WORDS[name]} {before} → {after}"


def _price_change_words(code: str, offer: Offer, price: MarketPrice) -> str:
    said = []
    if offer.price_amount != price.amount:
        said.append(price_change_words(code, offer.price_amount, price.amount))
    if offer.shipping_amount != price.shipping:
        market = MARKETS[code]
        before = format_money(offer.shipping_amount, market.currency, market)
        after = format_money(price.shipping, market.currency, market)
        said.append(f"shipping to {market.name} {before} → {after}")
    return "; ".join(said)


@transaction.atomic
def listing_delete(*, listing: Listing) -> None:
    """Delete a listing never sold; one with orders is archived instead by its
    seller (its orders, warranties and claims point at it)."""
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    if listing.order_lines.exists():
        raise ListingError(
            gettext("%(sku)s has orders, so it stays on record: archive it instead.")
            % {"sku": listing.sku}
        )
    listing.delete()
    catalog_version_bump()
