"""listings_bulk_update: stock and prices of many listings by SKU, all or nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from listings.exceptions import ListingError
from listings.models import Listing, Offer
from listings.services import MarketPrice
from listings.services.bulk_updates import (
    BULK_UPDATE_MAX_ROWS,
    BulkRow,
    BulkUpdateRefused,
    PriceChange,
    listings_bulk_update,
)
from tests.support.factories import RefurbisherFactory, make_listing

pytestmark = pytest.mark.django_db


def snapshot(refurbisher) -> dict:
    """Every listing's stock and status, and every offer's price, shipping and
    whether it is on sale: what a bulk update may change."""
    listings = {
        sku: (stock, status)
        for sku, stock, status in Listing.objects.filter(
            refurbisher=refurbisher
        ).values_list("sku", "stock", "status")
    }
    offers = {
        (sku, market): (price, shipping, purchasable)
        for sku, market, price, shipping, purchasable in Offer.objects.filter(
            listing__refurbisher=refurbisher
        ).values_list(
            "listing__sku", "market", "price_amount", "shipping_amount",
            "is_purchasable",
        )
    }  # fmt: skip
    return {"listings": listings, "offers": offers}


@pytest.fixture
def seller():
    return RefurbisherFactory(name="Atelier Renov")


@pytest.fixture
def shelf(seller) -> list[Listing]:
    """Ten listings SKU-0 to SKU-9, in France (shipping 4.90) and Germany."""
    return [
        make_listing(
            refurbisher=seller,
            sku=f"SKU-{n}",
            stock=5,
            prices={
                "FR": MarketPrice(Decimal("400.00"), Decimal("4.90")),
                "DE": MarketPrice(Decimal("410.00")),
            },
        )
        for n in range(10)
    ]


def test_every_row_applies(seller, shelf):
    rows = [
        BulkRow(sku="SKU-0", stock=1),
        BulkRow(sku="SKU-1", prices={"FR": PriceChange(Decimal("380.00"))}),
        BulkRow(
            sku="SKU-2",
            stock=0,
            prices={"DE": None, "BE": PriceChange(Decimal("399"), Decimal("2.50"))},
        ),
    ]

    result = listings_bulk_update(refurbisher=seller, rows=rows)

    assert [listing.sku for listing in result.updated] == ["SKU-0", "SKU-1", "SKU-2"]
    after = snapshot(seller)
    assert after["listings"]["SKU-0"] == (1, "active")
    # A price without shipping keeps the market's shipping.
    assert after["offers"][("SKU-1", "FR")] == (
        Decimal("380.00"),
        Decimal("4.90"),
        True,
    )
    assert after["offers"][("SKU-1", "DE")] == (Decimal("410.00"), Decimal("0"), True)
    assert ("SKU-2", "DE") not in after["offers"]
    assert after["offers"][("SKU-2", "BE")] == (Decimal("399"), Decimal("2.50"), False)
    assert after["offers"][("SKU-2", "FR")][2] is False  # no stock: off sale
    assert after["listings"]["SKU-3"] == (5, "active")


def test_one_bad_row_among_many_changes_nothing(seller, shelf):
    before = snapshot(seller)
    rows = [
        BulkRow(sku=f"SKU-{n}", stock=50 + n, prices={"FR": PriceChange(Decimal("1"))})
        for n in range(10)
    ]
    rows[6] = BulkRow(sku="SKU-6", stock=-2)

    with pytest.raises(BulkUpdateRefused) as refusal:
        listings_bulk_update(refurbisher=seller, rows=rows)

    assert refusal.value.rows == {6: {"stock": ["Stock cannot be negative."]}}
    assert refusal.value.message == "Nothing was changed: 1 row cannot be applied."
    assert snapshot(seller) == before


def test_a_refused_request_is_refused_before_anything_is_written(seller, shelf):
    """Every row is checked first, so a bad last row costs no writes at all."""
    rows = [BulkRow(sku=f"SKU-{n}", stock=9) for n in range(10)]
    rows.append(BulkRow(sku="SKU-0", stock=1))  # a duplicate, found last

    with CaptureQueriesContext(connection) as queries, pytest.raises(BulkUpdateRefused):
        listings_bulk_update(refurbisher=seller, rows=rows)

    statements = [q["sql"].split()[0] for q in queries]
    assert not {"UPDATE", "INSERT", "DELETE"} & set(statements)
    assert statements.count("SELECT") == 2  # the listings, locked; their offers


def test_every_refused_row_is_reported_at_once(seller, shelf):
    other = make_listing(refurbisher=RefurbisherFactory(), sku="THEIRS")
    before = snapshot(seller)
    rows = [
        BulkRow(sku="SKU-0", stock=3),
        BulkRow(sku="NOPE", stock=1),
        BulkRow(sku="SKU-1", prices={"FR": PriceChange(Decimal("0"))}),
        BulkRow(sku="SKU-2", prices={"US": PriceChange(Decimal("499"))}),
        BulkRow(sku=other.sku, stock=1),
        BulkRow(sku="SKU-0", stock=4),
        BulkRow(sku="SKU-3", prices={"FR": None, "DE": None}),
        BulkRow(sku="SKU-4", prices={"XX": PriceChange(Decimal("1"))}),
        BulkRow(sku="SKU-5", prices={"FR": PriceChange(Decimal("5"), Decimal("-1"))}),
    ]

    with pytest.raises(BulkUpdateRefused) as refusal:
        listings_bulk_update(refurbisher=seller, rows=rows)

    assert refusal.value.rows == {
        1: {"sku": ["Unknown SKU: you have no listing NOPE."]},
        2: {"prices": ["The price in France must be above zero."]},
        3: {"prices": ["Atelier Renov does not ship to United States."]},
        4: {"sku": ["Unknown SKU: you have no listing THEIRS."]},
        5: {"sku": ["SKU SKU-0 is already on row 0."]},
        6: {"prices": ["Give a price for at least one market."]},
        7: {"prices": ["XX is not a ReMarket market."]},
        8: {"prices": ["The price in France must be above zero."]},
    }
    assert snapshot(seller) == before
    assert Listing.objects.get(sku="THEIRS").stock == 5


def test_empty_and_oversized_requests_are_refused(seller):
    with pytest.raises(ListingError, match="at least one row"):
        listings_bulk_update(refurbisher=seller, rows=[])
    rows = [BulkRow(sku=f"S{n}", stock=1) for n in range(BULK_UPDATE_MAX_ROWS + 1)]
    with pytest.raises(ListingError, match="at most 1000 rows"):
        listings_bulk_update(refurbisher=seller, rows=rows)


def test_the_listings_are_locked_in_id_order_before_any_row_applies(seller, shelf):
    """Rows in any order lock their listings in one order, so two updates of
    overlapping rows wait for each other instead of deadlocking."""
    rows = [BulkRow(sku=f"SKU-{n}", stock=1) for n in reversed(range(10))]

    with CaptureQueriesContext(connection) as queries:
        listings_bulk_update(refurbisher=seller, rows=rows)

    locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    first = locks[0]
    assert '"listings_listing"."sku" IN' in first
    assert 'ORDER BY "listings_listing"."id" ASC' in first
    assert 'FOR UPDATE OF "listings_listing"' in first
