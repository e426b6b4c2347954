"""Bulk pause, resume and repricing of a refurbisher's listings: every row is
checked first and one bad row stops them all, with each SKU and why."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from listings.models import Listing, ListingStatus, Offer
from listings.services import listing_status_set
from listings.services.bulk_actions import (
    BulkActionRefused,
    listings_bulk_price_change,
    listings_bulk_status_set,
)
from tests.support.factories import RefurbisherFactory, make_listing

pytestmark = pytest.mark.django_db


def price(listing: Listing, market: str) -> Decimal:
    return Offer.objects.get(listing=listing, market=market).price_amount


def test_pause_and_resume_take_offers_off_and_back_on():
    seller = RefurbisherFactory()
    listings = [make_listing(refurbisher=seller) for _ in range(3)]
    ids = [listing.pk for listing in listings]
    result = listings_bulk_status_set(
        refurbisher=seller, listing_ids=ids, status=ListingStatus.PAUSED
    )
    assert result.changed == 3
    assert not Offer.objects.filter(is_purchasable=True).exists()
    again = listings_bulk_status_set(
        refurbisher=seller, listing_ids=ids, status=ListingStatus.PAUSED
    )
    assert again.changed == 0
    listings_bulk_status_set(
        refurbisher=seller, listing_ids=ids, status=ListingStatus.ACTIVE
    )
    assert Offer.objects.filter(is_purchasable=True).count() == Offer.objects.count()


def test_an_archived_row_stops_the_whole_pause():
    seller = RefurbisherFactory()
    live = make_listing(refurbisher=seller, sku="LIVE")
    old = make_listing(refurbisher=seller, sku="OLD")
    listing_status_set(listing=old, status=ListingStatus.ARCHIVED)
    with pytest.raises(BulkActionRefused) as refusal:
        listings_bulk_status_set(
            refurbisher=seller,
            listing_ids=[live.pk, old.pk],
            status=ListingStatus.PAUSED,
        )
    assert [(row.sku, row.message) for row in refusal.value.rows] == [
        ("OLD", "It is archived: open it to put it back on sale.")
    ]
    live.refresh_from_db()
    assert live.status == ListingStatus.ACTIVE


def test_a_percentage_changes_each_market_rounded_to_the_cent():
    seller = RefurbisherFactory()
    listing = make_listing(refurbisher=seller, prices={"FR": "199.99", "DE": "210"})
    listings_bulk_price_change(
        refurbisher=seller, listing_ids=[listing.pk], market=None,
        percent=Decimal("-7.5"),
    )  # fmt: skip
    assert price(listing, "FR") == Decimal("184.99")  # 184.990750
    assert price(listing, "DE") == Decimal("194.25")
    listings_bulk_price_change(
        refurbisher=seller, listing_ids=[listing.pk], market="DE",
        percent=Decimal("10"),
    )  # fmt: skip
    assert price(listing, "FR") == Decimal("184.99")
    assert price(listing, "DE") == Decimal("213.68")


def test_one_row_that_would_cost_nothing_stops_every_row():
    seller = RefurbisherFactory()
    penny = make_listing(refurbisher=seller, sku="PENNY", prices={"FR": "0.01"})
    phone = make_listing(refurbisher=seller, sku="PHONE", prices={"FR": "300"})
    with pytest.raises(BulkActionRefused) as refusal:
        listings_bulk_price_change(
            refurbisher=seller, listing_ids=[phone.pk, penny.pk], market="FR",
            percent=Decimal("-90"),
        )  # fmt: skip
    assert "Nothing was changed: 1 listing cannot be repriced." in str(refusal.value)
    assert [(row.sku, row.message) for row in refusal.value.rows] == [
        ("PENNY", "The price in France must be above zero.")
    ]
    assert price(phone, "FR") == Decimal("300")
    assert price(penny, "FR") == Decimal("0.01")


def test_a_set_price_adds_a_market_within_the_market_rules():
    seller = RefurbisherFactory(ships_to=["FR", "DE"])
    listing = make_listing(refurbisher=seller, sku="A", prices={"FR": "300"})
    other = make_listing(refurbisher=seller, sku="B", prices={"FR": "310"})
    listings_bulk_price_change(
        refurbisher=seller, listing_ids=[listing.pk, other.pk], market="DE",
        amount=Decimal("289"),
    )  # fmt: skip
    offer = Offer.objects.get(listing=listing, market="DE")
    assert (offer.price_amount, offer.currency, offer.is_purchasable) == (
        Decimal("289"), "EUR", True,
    )  # fmt: skip
    # Spain is not a market this seller ships to: no row gets a price there.
    with pytest.raises(BulkActionRefused) as refusal:
        listings_bulk_price_change(
            refurbisher=seller, listing_ids=[listing.pk, other.pk], market="ES",
            amount=Decimal("280"),
        )  # fmt: skip
    assert {row.sku for row in refusal.value.rows} == {"A", "B"}
    assert "does not ship to Spain" in refusal.value.rows[0].message
    assert not Offer.objects.filter(market="ES").exists()


def test_a_percentage_in_a_market_a_row_is_not_sold_in_is_refused():
    seller = RefurbisherFactory()
    listing = make_listing(refurbisher=seller, sku="FR-ONLY", prices={"FR": "300"})
    with pytest.raises(BulkActionRefused) as refusal:
        listings_bulk_price_change(
            refurbisher=seller, listing_ids=[listing.pk], market="DE",
            percent=Decimal("5"),
        )  # fmt: skip
    assert "not sold in Germany" in refusal.value.rows[0].message


def test_another_refurbishers_listing_stops_the_action():
    seller = RefurbisherFactory()
    mine = make_listing(refurbisher=seller, prices={"FR": "300"})
    theirs = make_listing(prices={"FR": "300"})
    with pytest.raises(BulkActionRefused, match="no longer exist"):
        listings_bulk_price_change(
            refurbisher=seller, listing_ids=[mine.pk, theirs.pk], market="FR",
            amount=Decimal("1"),
        )  # fmt: skip
    assert price(mine, "FR") == price(theirs, "FR") == Decimal("300")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"market": "FR"}, "either a percentage or a price"),
        ({"market": None, "amount": Decimal("5")}, "choose it"),
        ({"market": "FR", "percent": Decimal("-100")}, "between"),
        ({"market": "XX", "amount": Decimal("5")}, "not a ReMarket market"),
    ],
)
def test_a_malformed_action_is_refused_whole(kwargs, message):
    seller = RefurbisherFactory()
    listing = make_listing(refurbisher=seller)
    with pytest.raises(BulkActionRefused, match=message):
        listings_bulk_price_change(
            refurbisher=seller, listing_ids=[listing.pk], **kwargs
        )


def test_nothing_selected_is_refused():
    with pytest.raises(BulkActionRefused, match="Select at least one"):
        listings_bulk_status_set(
            refurbisher=RefurbisherFactory(), listing_ids=[], status="paused"
        )


@pytest.mark.parametrize("count", [3, 20])
def test_a_bulk_action_costs_the_same_queries_for_3_or_20_rows(
    count, django_assert_num_queries
):
    seller = RefurbisherFactory()
    ids = [make_listing(refurbisher=seller).pk for _ in range(count)]
    # Savepoint, lock, offers, one UPDATE of prices, the history's one INSERT,
    # updated_at, offers_refresh, release: whatever the number of rows.
    with django_assert_num_queries(8):
        listings_bulk_price_change(
            refurbisher=seller, listing_ids=ids, market=None, percent=Decimal("1")
        )
    # Savepoint, lock, one UPDATE of statuses, the history's one INSERT,
    # offers_refresh, release.
    with django_assert_num_queries(6):
        listings_bulk_status_set(
            refurbisher=seller, listing_ids=ids, status=ListingStatus.PAUSED
        )


@pytest.mark.django_db(transaction=True)
def test_two_bulk_changes_over_the_same_rows_apply_one_after_the_other():
    """Rows are locked in id order: two +10% changes from two threads at once,
    over the same listings in opposite orders, both apply (no lost update, no
    deadlock)."""
    seller = RefurbisherFactory()
    ids = [make_listing(refurbisher=seller, prices={"FR": "100"}).pk for _ in range(5)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def change(order: list[int]) -> None:
        try:
            barrier.wait()
            listings_bulk_price_change(
                refurbisher=seller, listing_ids=order, market="FR",
                percent=Decimal("10"),
            )  # fmt: skip
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=change, args=(ids,)),
        threading.Thread(target=change, args=(ids[::-1],)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert set(
        Offer.objects.filter(listing_id__in=ids).values_list("price_amount", flat=True)
    ) == {Decimal("121.00")}


def test_a_price_beyond_what_a_price_can_hold_is_a_row_error_not_a_crash():
    seller = RefurbisherFactory()
    dear = make_listing(refurbisher=seller, sku="DEAR", prices={"FR": "99999999"})
    with pytest.raises(BulkActionRefused) as refusal:
        listings_bulk_price_change(
            refurbisher=seller, listing_ids=[dear.pk], market="FR",
            percent=Decimal("500"),
        )  # fmt: skip
    assert "would be above 99999999.99" in refusal.value.rows[0].message
    assert price(dear, "FR") == Decimal("99999999")
