"""POST /api/v1/seller/listings/bulk/: stock and prices of many listings in one
request, all rows or none, with every refused row named."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from listings.models import Listing, Offer
from listings.services import MarketPrice
from tests.support.api import seller_key_make
from tests.support.factories import RefurbisherFactory, make_listing

BULK = "/api/v1/seller/listings/bulk/"


def state(refurbisher) -> dict:
    listings = dict(
        Listing.objects.filter(refurbisher=refurbisher).values_list("sku", "stock")
    )
    offers = {
        (sku, market): (price, shipping)
        for sku, market, price, shipping in Offer.objects.filter(
            listing__refurbisher=refurbisher
        ).values_list("listing__sku", "market", "price_amount", "shipping_amount")
    }
    return {"stock": listings, "prices": offers}


def shelf_make(refurbisher, count: int) -> list[Listing]:
    return [
        make_listing(
            refurbisher=refurbisher,
            sku=f"SKU-{n:03d}",
            stock=5,
            prices={"FR": MarketPrice(Decimal("400.00"), Decimal("4.90"))},
        )
        for n in range(count)
    ]


def post(client: APIClient, rows) -> object:
    return client.post(BULK, {"rows": rows}, format="json")


@pytest.mark.django_db
def test_every_row_applies_and_the_answer_counts_them(api_client, api_key):
    shelf_make(api_key.refurbisher, 3)

    response = post(
        api_client,
        [
            {"sku": "SKU-000", "stock": 2},
            {"sku": "SKU-001", "prices": {"FR": {"price": "380.00"}}},
            {
                "sku": "SKU-002",
                "stock": 9,
                "prices": {"DE": {"price": "390", "shipping": "0"}},
            },
        ],
    )

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "updated": 3,
        "skus": ["SKU-000", "SKU-001", "SKU-002"],
    }
    after = state(api_key.refurbisher)
    assert after["stock"] == {"SKU-000": 2, "SKU-001": 5, "SKU-002": 9}
    assert after["prices"][("SKU-001", "FR")] == (Decimal("380.00"), Decimal("4.90"))
    assert after["prices"][("SKU-002", "DE")] == (Decimal("390.00"), Decimal("0.00"))


@pytest.mark.django_db
def test_one_bad_row_among_many_changes_nothing(api_client, api_key):
    shelf_make(api_key.refurbisher, 40)
    before = state(api_key.refurbisher)
    rows = [
        {"sku": f"SKU-{n:03d}", "stock": n, "prices": {"FR": {"price": "350.00"}}}
        for n in range(40)
    ]
    rows[27]["prices"]["FR"]["price"] = "0.00"

    response = post(api_client, rows)

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "validation_error",
        "message": "Nothing was changed: 1 row cannot be applied.",
        "fields": {"rows.27.prices": ["The price in France must be above zero."]},
    }
    assert state(api_key.refurbisher) == before


@pytest.mark.django_db
def test_every_refused_row_is_named(api_client, api_key, other_api_key):
    shelf_make(api_key.refurbisher, 4)
    make_listing(refurbisher=other_api_key.refurbisher, sku="THEIRS")
    before = state(api_key.refurbisher)

    response = post(
        api_client,
        [
            {"sku": "SKU-000", "stock": 1},
            {"sku": "SKU-001", "stock": -1},
            {"sku": "MISSING", "stock": 1},
            {"sku": "THEIRS", "stock": 1},
            {"sku": "SKU-002", "prices": {"US": {"price": "499"}}},
            {"sku": "SKU-003", "prices": {"FR": None}},
        ],
    )

    assert response.status_code == 400
    name = api_key.refurbisher.name
    assert response.json()["error"]["fields"] == {
        "rows.1.stock": ["Stock cannot be negative."],
        "rows.2.sku": ["Unknown SKU: you have no listing MISSING."],
        "rows.3.sku": ["Unknown SKU: you have no listing THEIRS."],
        "rows.4.prices": [f"{name} does not ship to United States."],
        "rows.5.prices": ["Give a price for at least one market."],
    }
    assert response.json()["error"]["message"] == (
        "Nothing was changed: 5 rows cannot be applied."
    )
    assert state(api_key.refurbisher) == before
    assert Listing.objects.get(sku="THEIRS").stock == 5


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"sku": "SKU-000", "stock": "lots"}, "rows.1.stock", "valid integer"),
        ({"sku": "SKU-000", "stock": 2**40}, "rows.1.stock", "less than or equal"),
        ({"sku": "SKU-000"}, "rows.1", "Give a stock, prices, or both."),
        ({"stock": 3}, "rows.1.sku", "required"),
        ({"sku": "SKU-000", "price": "3"}, "rows.1.price", "Unknown field."),
        (
            {"sku": "SKU-000", "prices": {"FR": {"price": "3.001"}}},
            "rows.1.prices.FR.price",
            "decimal places",
        ),
        ({"sku": "SKU-000", "prices": {"FR": "3.00"}}, "rows.1.prices.FR", "dict"),
        ("SKU-000", "rows.1", "dictionary"),
    ],
)
def test_a_row_of_the_wrong_shape_is_named_and_nothing_changes(
    api_client, api_key, row, field, message
):
    shelf_make(api_key.refurbisher, 2)
    before = state(api_key.refurbisher)

    response = post(api_client, [{"sku": "SKU-001", "stock": 0}, row])

    assert response.status_code == 400
    errors = response.json()["error"]["fields"]
    assert list(errors) == [field], errors
    assert message in " ".join(errors[field])
    assert state(api_key.refurbisher) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"rows": []}, "at least 1"),
        ({"rows": [{"sku": "A", "stock": 1}] * 1001}, "no more than 1000"),
        ({"rows": "SKU-1"}, "list"),
        ({}, "required"),
    ],
)
def test_a_request_without_rows_or_with_too_many_is_refused(api_client, body, message):
    response = api_client.post(BULK, body, format="json")

    assert response.status_code == 400
    assert message in " ".join(response.json()["error"]["fields"]["rows"])


@pytest.mark.django_db
def test_a_thousand_rows_are_checked_in_one_request(api_client, api_key):
    """The limit is 1,000 rows: all of them are read and checked (here every
    SKU is unknown, so each is named)."""
    shelf_make(api_key.refurbisher, 1)
    before = state(api_key.refurbisher)
    rows = [{"sku": f"NEW-{n}", "stock": 1} for n in range(999)]

    response = post(api_client, [{"sku": "SKU-000", "stock": 2}, *rows])

    assert response.status_code == 400
    errors = response.json()["error"]["fields"]
    assert len(errors) == 999
    assert errors["rows.999.sku"] == ["Unknown SKU: you have no listing NEW-998."]
    assert state(api_key.refurbisher) == before


@pytest.mark.django_db(transaction=True)
def test_two_bulk_updates_of_the_same_listings_at_once_end_consistent():
    """Both requests succeed, one after the other: every listing ends with the
    values of the same request, never a mix of the two."""
    key = seller_key_make(RefurbisherFactory())
    shelf = shelf_make(key.refurbisher, 60)
    skus = [listing.sku for listing in shelf]
    # The same listings in opposite orders: without one lock order, this
    # deadlocks.
    plans = {
        "first": [
            {"sku": sku, "stock": 11, "prices": {"FR": {"price": "311.00"}}}
            for sku in skus
        ],
        "second": [
            {"sku": sku, "stock": 22, "prices": {"FR": {"price": "322.00"}}}
            for sku in reversed(skus)
        ],
    }
    answers: dict[str, int] = {}
    start = threading.Barrier(2)

    def call(name: str) -> None:
        client = APIClient()
        client.credentials(**key.header)
        try:
            start.wait()
            answers[name] = post(client, plans[name]).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=call, args=(name,)) for name in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert answers == {"first": 200, "second": 200}
    after = state(key.refurbisher)
    outcomes = {(after["stock"][sku], after["prices"][(sku, "FR")][0]) for sku in skus}
    assert outcomes in (
        {(11, Decimal("311.00"))},
        {(22, Decimal("322.00"))},
    )
    # Shipping was not sent: each market kept its own.
    assert {after["prices"][(sku, "FR")][1] for sku in skus} == {Decimal("4.90")}


@pytest.mark.django_db(transaction=True)
def test_a_refused_bulk_update_commits_nothing():
    """With real commits (no test transaction around it), a refused request
    leaves every row as it was."""
    key = seller_key_make(RefurbisherFactory())
    shelf_make(key.refurbisher, 30)
    before = state(key.refurbisher)
    rows = [{"sku": f"SKU-{n:03d}", "stock": 99} for n in range(30)]
    rows.append({"sku": "MISSING", "stock": 1})
    client = APIClient()
    client.credentials(**key.header)

    response = post(client, rows)

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["rows.30.sku"]
    assert state(key.refurbisher) == before
