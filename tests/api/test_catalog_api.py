"""The public catalog API: open to anyone without a key, read only, the
offers a shopper can buy in a market, in the shop's order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from listings.models import ListingStatus
from listings.services import MarketPrice
from marketplace.api.throttling import PerIpThrottle
from quality.services.ranking import rank_scores_recompute
from tests.support.factories import (
    BrandFactory,
    CategoryFactory,
    DeviceModelFactory,
    RefurbisherFactory,
    VariantFactory,
    make_listing,
)
from tests.support.refurbisher_builders import qa_user_make

pytestmark = pytest.mark.django_db

CATALOG = "/api/v1/catalog/"


@pytest.fixture
def client() -> APIClient:
    return APIClient()


@pytest.fixture
def catalog():
    """Two categories, two brands, three models; the iPhone has two variants."""
    phones = CategoryFactory(name="Smartphones", slug="smartphones")
    laptops = CategoryFactory(name="Laptops", slug="laptops", kind="laptop")
    apple = BrandFactory(name="Apple", slug="apple")
    samsung = BrandFactory(name="Samsung", slug="samsung")
    iphone = DeviceModelFactory(
        category=phones, brand=apple, name="iPhone 13", slug="iphone-13"
    )
    galaxy = DeviceModelFactory(
        category=phones, brand=samsung, name="Galaxy S22", slug="galaxy-s22"
    )
    macbook = DeviceModelFactory(
        category=laptops, brand=apple, name="MacBook Air M1", slug="macbook-air-m1"
    )
    return {
        "phones": phones,
        "laptops": laptops,
        "iphone": iphone,
        "galaxy": galaxy,
        "macbook": macbook,
        "iphone_blue": VariantFactory(device_model=iphone, colour="Blue"),
        "iphone_red": VariantFactory(device_model=iphone, colour="Red"),
        "galaxy_black": VariantFactory(device_model=galaxy, colour="Black"),
        "macbook_grey": VariantFactory(
            device_model=macbook, colour="Grey", storage_gb=256
        ),
    }


def results(response) -> list[dict]:
    assert response.status_code == 200, response.json()
    return response.json()["results"]


# --- The catalog ------------------------------------------------------------------


def test_categories_are_listed_for_anyone(client, catalog):
    rows = results(client.get(f"{CATALOG}categories/"))

    assert [(c["slug"], c["name"], c["kind"]) for c in rows] == [
        ("laptops", "Laptops", "laptop"),
        ("smartphones", "Smartphones", "phone"),
    ]


@pytest.mark.parametrize(
    ("params", "slugs"),
    [
        ({}, ["iphone-13", "macbook-air-m1", "galaxy-s22"]),
        ({"category": "smartphones"}, ["iphone-13", "galaxy-s22"]),
        ({"brand": "apple"}, ["iphone-13", "macbook-air-m1"]),
        ({"brand": "apple", "category": "laptops"}, ["macbook-air-m1"]),
        ({"q": "iphone 13"}, ["iphone-13"]),
        ({"q": "APPLE air"}, ["macbook-air-m1"]),
        ({"q": "pixel"}, []),
        ({"brand": "unknown-brand"}, []),
        ({"brand": "¹", "category": "99999999999999999999"}, []),
    ],
)
def test_device_models_are_filtered(client, catalog, params, slugs):
    rows = results(client.get(f"{CATALOG}device-models/", params))

    assert [m["slug"] for m in rows] == slugs


def test_device_models_filter_by_category_id_too(client, catalog):
    rows = results(
        client.get(f"{CATALOG}device-models/", {"category": catalog["laptops"].pk})
    )

    assert [m["slug"] for m in rows] == ["macbook-air-m1"]


def test_a_device_model_by_slug_or_id_with_its_variants(client, catalog):
    iphone = catalog["iphone"]

    by_slug = client.get(f"{CATALOG}device-models/iphone-13/")
    by_id = client.get(f"{CATALOG}device-models/{iphone.pk}/")

    assert by_slug.status_code == by_id.status_code == 200
    assert by_slug.json() == by_id.json()
    body = by_slug.json()
    assert body["name"] == "iPhone 13"
    assert body["brand"] == {"id": iphone.brand_id, "slug": "apple", "name": "Apple"}
    assert body["category"]["slug"] == "smartphones"
    assert body["specs"] == {"Screen": "6.1-inch OLED"}
    assert [(v["colour"], v["label"]) for v in body["variants"]] == [
        ("Blue", "128 GB · Blue"),
        ("Red", "128 GB · Red"),
    ]


@pytest.mark.parametrize("lookup", ["pixel-7", "0", "1.5", "¹", "99999999999999999999"])
def test_an_unknown_device_model_is_a_404(client, catalog, lookup):
    response = client.get(f"{CATALOG}device-models/{lookup}/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_variants_filter_by_device_model(client, catalog):
    by_slug = results(client.get(f"{CATALOG}variants/", {"device_model": "iphone-13"}))
    by_id = results(
        client.get(f"{CATALOG}variants/", {"device_model": catalog["macbook"].pk})
    )

    assert [v["colour"] for v in by_slug] == ["Blue", "Red"]
    assert by_id == [
        {
            "id": catalog["macbook_grey"].pk,
            "device_model": catalog["macbook"].pk,
            "label": "256 GB · Grey",
            "storage_gb": 256,
            "colour": "Grey",
            "colour_hex": "#333333",
            "connectivity": "",
        }
    ]


def _queries(client: APIClient, url: str, params: dict) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries), response.json()["count"]


def test_device_model_list_costs_the_same_queries_for_3_or_20(client):
    for _ in range(3):
        DeviceModelFactory()
    few = _queries(client, f"{CATALOG}device-models/", {})
    for _ in range(17):
        DeviceModelFactory()
    many = _queries(client, f"{CATALOG}device-models/", {})

    assert few == (2, 3)  # the count, then the page with brand and category
    assert many == (2, 20)


# --- Offers -----------------------------------------------------------------------


@pytest.fixture
def offers(catalog):
    """Offers of the iPhone in France from two sellers, one not on sale, one
    only in Germany, and a US offer."""
    good = RefurbisherFactory(
        name="Atelier Renov", slug="atelier-renov", rating_average=Decimal("4.80"),
        rating_count=120,
    )  # fmt: skip
    cheap = RefurbisherFactory(
        name="Budget Phones", slug="budget-phones", rating_average=Decimal("3.10"),
        rating_count=40,
    )  # fmt: skip
    us_seller = RefurbisherFactory(country="US", name="Brooklyn Refurb")
    listings = {
        "premium": make_listing(
            refurbisher=good, variant=catalog["iphone_blue"], grade="P",
            battery_min_pct=95, warranty_months=24, dispatch_days=1,
            prices={"FR": MarketPrice(Decimal("529.00"), Decimal("0")),
                    "DE": "519"},
        ),
        "fair": make_listing(
            refurbisher=cheap, variant=catalog["iphone_blue"], grade="C",
            battery_min_pct=80, warranty_months=12, dispatch_days=3,
            prices={"FR": MarketPrice(Decimal("389.00"), Decimal("9.90"))},
        ),
        "paused": make_listing(
            refurbisher=good, variant=catalog["iphone_red"], grade="A",
            status=ListingStatus.PAUSED, prices={"FR": "450"},
        ),
        "sold_out": make_listing(
            refurbisher=cheap, variant=catalog["iphone_red"], stock=0,
            prices={"FR": "420"},
        ),
        "german": make_listing(
            refurbisher=cheap, variant=catalog["galaxy_black"], prices={"DE": "300"}
        ),
        "laptop": make_listing(
            refurbisher=good, variant=catalog["macbook_grey"], grade="B",
            prices={"FR": "699"},
        ),
        "us": make_listing(
            refurbisher=us_seller, variant=catalog["iphone_blue"], prices={"US": "499"}
        ),
    }  # fmt: skip
    rank_scores_recompute()
    return listings


def offer_ids(response) -> list[int]:
    return [row["id"] for row in results(response)]


def offer_of(listing, market: str = "FR") -> int:
    return listing.offers.get(market=market).pk


def test_an_offer_says_what_a_shopper_weighs(client, offers):
    premium = offers["premium"].offers.get(market="FR")

    rows = results(client.get(f"{CATALOG}offers/", {"market": "FR", "grade": "P"}))

    assert len(rows) == 1
    row = rows[0]
    assert premium.rank_score > 0 and premium.score_device is not None
    assert row == {
        "id": premium.pk,
        "market": "FR",
        "price": "529.00",
        "shipping": "0.00",
        "currency": "EUR",
        "grade": "P",
        "grade_label": "Premium",
        "battery_min_pct": 95,
        "warranty_months": 24,
        "dispatch_days": 1,
        "ships_from": "FR",
        "device_model": {
            "id": premium.device_model_id,
            "slug": "iphone-13",
            "name": "iPhone 13",
            "brand": "Apple",
        },
        "variant": {"id": premium.variant_id, "label": "128 GB · Blue"},
        "seller": {
            "name": "Atelier Renov",
            "slug": "atelier-renov",
            "rating": "4.80",
            "rating_count": 120,
        },
        "rank_score": premium.rank_score,
        "rank_parts": {
            "device": premium.score_device,
            "seller": premium.score_seller,
            "service": premium.score_service,
            "price": premium.score_price,
        },
    }


def test_only_offers_on_sale_in_the_market_are_listed(client, offers):
    listed = set(offer_ids(client.get(f"{CATALOG}offers/", {"market": "FR"})))

    assert listed == {
        offer_of(offers["premium"]),
        offer_of(offers["fair"]),
        offer_of(offers["laptop"]),
    }
    assert set(offer_ids(client.get(f"{CATALOG}offers/", {"market": "de"}))) == {
        offer_of(offers["premium"], "DE"),
        offer_of(offers["german"], "DE"),
    }
    us = results(client.get(f"{CATALOG}offers/", {"market": "US"}))
    assert [(o["id"], o["currency"]) for o in us] == [
        (offer_of(offers["us"], "US"), "USD")
    ]


def test_one_offer_on_sale_is_read_by_id_and_one_not_on_sale_is_not_found(
    client, offers
):
    on_sale = client.get(f"{CATALOG}offers/{offer_of(offers['premium'])}/")
    paused = client.get(f"{CATALOG}offers/{offer_of(offers['paused'])}/")
    malformed = client.get(f"{CATALOG}offers/1.5/")

    assert on_sale.status_code == 200
    assert on_sale.json()["seller"]["slug"] == "atelier-renov"
    assert paused.status_code == malformed.status_code == 404
    assert paused.json()["error"]["code"] == "not_found"


def test_offers_come_in_rank_order_by_default_or_by_price(client, offers):
    premium, fair = offers["premium"], offers["fair"]
    ranked = {
        name: offers[name].offers.get(market="FR").rank_score
        for name in ("premium", "fair")
    }
    # The premium offer's device and seller outweigh its higher price.
    assert ranked["premium"] > ranked["fair"]
    params = {"market": "FR", "device_model": "iphone-13"}

    default = offer_ids(client.get(f"{CATALOG}offers/", params))
    recommended = offer_ids(
        client.get(f"{CATALOG}offers/", {**params, "ordering": "recommended"})
    )
    cheapest = offer_ids(
        client.get(f"{CATALOG}offers/", {**params, "ordering": "price"})
    )
    dearest = offer_ids(
        client.get(f"{CATALOG}offers/", {**params, "ordering": "-price"})
    )

    assert default == recommended == [offer_of(premium), offer_of(fair)]
    assert cheapest == [offer_of(fair), offer_of(premium)]
    assert dearest == [offer_of(premium), offer_of(fair)]


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"category": "laptops"}, ["laptop"]),
        ({"device_model": "iphone-13"}, ["fair", "premium"]),
        ({"grade": "C"}, ["fair"]),
        ({"min_price": "400"}, ["laptop", "premium"]),
        ({"max_price": "529.00"}, ["fair", "premium"]),
        ({"min_price": "390", "max_price": "600"}, ["premium"]),
        ({"min_price": "1e30"}, []),
        ({"variant": "1e30"}, []),
    ],
)
def test_offers_are_filtered(client, offers, params, names):
    listed = offer_ids(
        client.get(f"{CATALOG}offers/", {"market": "FR", "ordering": "price", **params})
    )

    expected = sorted(
        (offers[name].offers.get(market="FR") for name in names),
        key=lambda offer: offer.price_amount,
    )
    assert listed == [offer.pk for offer in expected]


def test_offers_filter_by_variant_and_device_model_id(client, offers, catalog):
    by_variant = offer_ids(
        client.get(
            f"{CATALOG}offers/",
            {"market": "FR", "variant": catalog["iphone_blue"].pk, "ordering": "price"},
        )
    )
    by_model_id = offer_ids(
        client.get(
            f"{CATALOG}offers/", {"market": "FR", "device_model": catalog["macbook"].pk}
        )
    )

    assert by_variant == [offer_of(offers["fair"]), offer_of(offers["premium"])]
    assert by_model_id == [offer_of(offers["laptop"])]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {},
            "market",
            "Choose a market: US, FR, BE, DE, IT, ES (prices and availability "
            "differ per market).",
        ),
        (
            {"market": "UK"},
            "market",
            "UK is not a ReMarket market: use one of US, FR, BE, DE, IT, ES.",
        ),
        ({"market": "FR", "grade": "Z"}, "grade", "Select a valid choice."),
        ({"market": "FR", "min_price": "cheap"}, "min_price", "Enter a number."),
        ({"market": "FR", "ordering": "rating"}, "ordering", "Select a valid choice."),
        ({"market": "FR", "variant": "blue"}, "variant", "Enter a number."),
    ],
)
def test_a_bad_offer_query_is_a_400_saying_what_to_send(client, params, field, message):
    response = client.get(f"{CATALOG}offers/", params)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert message in " ".join(response.json()["error"]["fields"][field])


def test_the_offer_list_costs_the_same_queries_for_3_or_20(client):
    variant = VariantFactory()
    sellers = [RefurbisherFactory() for _ in range(20)]
    for seller in sellers[:3]:
        make_listing(refurbisher=seller, variant=variant, prices={"FR": "400"})
    few = _queries(client, f"{CATALOG}offers/", {"market": "FR"})
    for seller in sellers[3:]:
        make_listing(refurbisher=seller, variant=variant, prices={"FR": "400"})
    many = _queries(client, f"{CATALOG}offers/", {"market": "FR"})

    # The count, then the page with listing, seller, variant, model and brand.
    assert few == (2, 3)
    assert many == (2, 20)


def test_the_schema_documents_the_offer_query(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    offers = schema["paths"]["/api/v1/catalog/offers/"]["get"]
    parameters = {p["name"]: p for p in offers["parameters"]}
    assert parameters["market"]["required"] is True
    assert parameters["market"]["schema"]["enum"] == [
        "BE",
        "DE",
        "ES",
        "FR",
        "IT",
        "US",
    ]
    assert set(parameters) >= {
        "variant", "device_model", "grade", "category", "min_price", "max_price",
        "ordering", "page", "page_size",
    }  # fmt: skip
    assert {} in offers.get("security", [{}])  # no key needed


# --- Who may call -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["categories/", "device-models/", "device-models/iphone-13/", "variants/",
     "offers/?market=FR"],
)  # fmt: skip
@pytest.mark.parametrize("caller", ["nobody", "a bad key", "a staff session"])
def test_the_catalog_is_open_without_a_key(catalog, path, caller):
    client = APIClient()
    if caller == "a bad key":
        client.credentials(HTTP_AUTHORIZATION="Bearer rmk_nope_nope")
    elif caller == "a staff session":
        client.force_login(qa_user_make())

    response = client.get(f"{CATALOG}{path}")

    assert response.status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_catalog_is_read_only(client, catalog, method):
    response = getattr(client, method)(
        f"{CATALOG}device-models/iphone-13/", {"name": "Hacked"}, format="json"
    )

    assert response.status_code == 405
    catalog["iphone"].refresh_from_db()
    assert catalog["iphone"].name == "iPhone 13"


def test_callers_without_a_key_are_throttled_per_address(client, catalog, monkeypatch):
    monkeypatch.setattr(PerIpThrottle, "THROTTLE_RATES", {"api_ip": "3/min"})
    other_address = APIClient(REMOTE_ADDR="10.0.0.9")

    answers = [client.get(f"{CATALOG}categories/").status_code for _ in range(4)]
    other = other_address.get(f"{CATALOG}categories/")

    assert answers == [200, 200, 200, 429]
    assert other.status_code == 200
    refused = client.get(f"{CATALOG}categories/")
    assert refused.json()["error"]["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
