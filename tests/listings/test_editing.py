"""Changing a listing after it was created (``listing_update``) and removing
it (``listing_delete``): prices per market, the markets' warranty rule, facts
reaching offers, and two edits of one listing at once."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from listings.exceptions import ListingError
from listings.models import Grade, Listing, Offer
from listings.services import MarketPrice, listing_delete, listing_update
from tests.support.factories import RefurbisherFactory, make_listing
from tests.support.order_builders import seller_order_paid

pytestmark = pytest.mark.django_db


def offers(listing: Listing) -> dict[str, Offer]:
    return {o.market: o for o in Offer.objects.filter(listing=listing)}


def test_a_market_is_added_another_removed_and_the_rest_kept():
    listing = make_listing(prices={"FR": "300", "DE": "310", "IT": "320"})
    listing_update(
        listing=listing,
        prices={"ES": MarketPrice(Decimal("290"), Decimal("5")), "DE": None},
    )
    now = offers(listing)
    assert set(now) == {"FR", "IT", "ES"}
    assert (now["ES"].price_amount, now["ES"].shipping_amount) == (
        Decimal("290"), Decimal("5"),
    )  # fmt: skip
    assert now["ES"].currency == "EUR" and now["ES"].is_purchasable
    assert now["FR"].price_amount == Decimal("300")


def test_the_last_market_cannot_be_removed():
    listing = make_listing(prices={"FR": "300"})
    with pytest.raises(ListingError, match="at least one market"):
        listing_update(listing=listing, prices={"FR": None})
    assert set(offers(listing)) == {"FR"}


def test_a_market_not_shipped_to_or_unknown_is_refused():
    listing = make_listing(refurbisher=RefurbisherFactory(ships_to=["FR"]))
    with pytest.raises(ListingError, match="does not ship to Germany"):
        listing_update(listing=listing, prices={"DE": MarketPrice(Decimal("1"))})
    with pytest.raises(ListingError, match="not a ReMarket market"):
        listing_update(listing=listing, prices={"ZZ": MarketPrice(Decimal("1"))})
    assert set(offers(listing)) == {"FR"}


def test_a_market_no_longer_shipped_to_keeps_its_price_but_takes_no_new_one():
    refurbisher = RefurbisherFactory(ships_to=["FR", "DE"])
    listing = make_listing(refurbisher=refurbisher, prices={"FR": "300", "DE": "310"})
    refurbisher.ships_to = ["FR"]
    refurbisher.save(update_fields=["ships_to"])

    listing_update(listing=listing, stock=7, prices={"FR": MarketPrice(Decimal("295"))})

    listing.refresh_from_db()
    assert listing.stock == 7
    assert offers(listing)["FR"].price_amount == Decimal("295")
    with pytest.raises(ListingError, match="does not ship to Germany"):
        listing_update(listing=listing, prices={"DE": MarketPrice(Decimal("305"))})
    assert offers(listing)["DE"].price_amount == Decimal("310")
    listing_update(listing=listing, prices={"DE": None})  # stopping there is fine
    assert set(offers(listing)) == {"FR"}


def test_the_warranty_must_meet_every_remaining_markets_minimum():
    eu = make_listing(prices={"FR": "300"}, warranty_months=12)
    with pytest.raises(ListingError, match="France requires a warranty of at least 12"):
        listing_update(listing=eu, warranty_months=6)
    eu.refresh_from_db()
    assert eu.warranty_months == 12
    # In the United States six months is the minimum, so it is allowed there.
    us = make_listing(
        refurbisher=RefurbisherFactory(country="US"),
        prices={"US": "300"},
        warranty_months=12,
    )
    listing_update(listing=us, warranty_months=6)
    assert offers(us)["US"].warranty_months == 6
    with pytest.raises(ListingError, match="at least 6 months"):
        listing_update(listing=us, warranty_months=3)


def test_a_grade_battery_and_stock_change_reaches_the_offers():
    listing = make_listing(prices={"FR": "300", "DE": "310"}, grade=Grade.EXCELLENT)
    listing_update(listing=listing, grade=Grade.FAIR, battery_min_pct=95, stock=0)
    for offer in offers(listing).values():
        assert (offer.grade, offer.battery_min_pct, offer.is_purchasable) == (
            "C", 95, False,
        )  # fmt: skip
    listing_update(listing=listing, stock=2)
    assert all(o.is_purchasable for o in offers(listing).values())


def test_a_refused_edit_changes_nothing():
    listing = make_listing(prices={"FR": "300"}, stock=4)
    with pytest.raises(ListingError):
        listing_update(
            listing=listing, stock=9, prices={"FR": MarketPrice(Decimal("0"))}
        )
    listing.refresh_from_db()
    assert listing.stock == 4
    assert offers(listing)["FR"].price_amount == Decimal("300")


def test_a_never_sold_listing_is_deleted_a_sold_one_is_kept():
    never = make_listing()
    listing_delete(listing=never)
    assert not Listing.objects.filter(pk=never.pk).exists()
    assert not Offer.objects.filter(listing_id=never.pk).exists()

    sold = seller_order_paid().lines.get().listing
    with pytest.raises(ListingError, match="has orders, so it stays on record"):
        listing_delete(listing=sold)
    assert Listing.objects.filter(pk=sold.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_two_edits_removing_the_two_last_markets_at_once_leave_one():
    """Each edit checks "at least one market" on the locked row: of two edits
    each removing one of the two last markets, exactly one applies."""
    listing = make_listing(prices={"FR": "300", "DE": "310"})
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def remove(code: str) -> None:
        try:
            barrier.wait()
            listing_update(listing=listing, prices={code: None})
            outcomes.append("applied")
        except ListingError as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=remove, args=(c,)) for c in ("FR", "DE")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == [
        "Give a price for at least one market.",
        "applied",
    ]
    assert len(offers(listing)) == 1
