"""The seller API's listings: what a key's refurbisher reads and changes, by
the same rules as the dashboard, and nothing of another refurbisher's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from listings.models import Listing, ListingStatus, Offer
from listings.services import MarketPrice
from refurbishers.services.api_tokens import api_token_revoke
from tests.support.api import SellerKey
from tests.support.factories import (
    CategoryFactory,
    DeviceModelFactory,
    VariantFactory,
    make_listing,
)
from tests.support.order_builders import order_paid_offline
from tests.support.refurbisher_builders import qa_user_make

pytestmark = pytest.mark.django_db

LISTINGS = "/api/v1/seller/listings/"


def detail(listing: Listing, action: str = "") -> str:
    return f"{LISTINGS}{listing.pk}/{action + '/' if action else ''}"


def fields(response) -> dict:
    return response.json()["error"]["fields"]


def prices_of(listing: Listing) -> dict[str, tuple[Decimal, Decimal]]:
    return {
        offer.market: (offer.price_amount, offer.shipping_amount)
        for offer in Offer.objects.filter(listing=listing)
    }


def create_body(variant, /, **changes) -> dict:
    body = {
        "variant": variant.pk,
        "sku": "IP13-128-A",
        "grade": "A",
        "battery_min_pct": 85,
        "stock": 4,
        "warranty_months": 12,
        "prices": {"FR": {"price": "459.00", "shipping": "4.90"}},
    }
    return {**body, **changes}


# --- Reading ------------------------------------------------------------------


def test_the_list_holds_the_keys_own_listings_with_their_price_per_market(
    api_client, api_key, other_api_key
):
    listing = make_listing(
        refurbisher=api_key.refurbisher,
        sku="IP13-A",
        prices={"FR": MarketPrice(Decimal("459.00"), Decimal("4.90")), "DE": "449"},
        stock=3,
        dispatch_days=2,
    )
    make_listing(refurbisher=other_api_key.refurbisher, sku="NOT-MINE")

    response = api_client.get(LISTINGS)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [row] = body["results"]
    model = listing.variant.device_model
    assert row == {
        "id": listing.pk,
        "sku": "IP13-A",
        "variant": listing.variant_id,
        "device": f"{model.brand.name} {model.name} · {listing.variant}",
        "grade": "A",
        "battery_min_pct": 85,
        "stock": 3,
        "warranty_months": 12,
        "dispatch_days": 2,
        "ships_from": "FR",
        "status": "active",
        "prices": [
            {
                "market": "DE",
                "price": "449.00",
                "shipping": "0.00",
                "currency": "EUR",
                "purchasable": True,
                "rank_score": 0.0,
            },
            {
                "market": "FR",
                "price": "459.00",
                "shipping": "4.90",
                "currency": "EUR",
                "purchasable": True,
                "rank_score": 0.0,
            },
        ],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }
    assert dt.datetime.fromisoformat(row["updated_at"]) == listing.updated_at


def _list_queries(client: APIClient) -> int:
    client.get(LISTINGS)  # the key's last-used time is written once a minute
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LISTINGS, {"page_size": 50})
    assert response.status_code == 200
    return len(queries), response.json()["count"]


def test_the_list_costs_the_same_queries_for_3_or_20_listings(api_client, api_key):
    for _ in range(3):
        make_listing(refurbisher=api_key.refurbisher)
    few, count = _list_queries(api_client)
    assert count == 3
    for _ in range(17):
        make_listing(refurbisher=api_key.refurbisher, markets=["FR"])
    many, count = _list_queries(api_client)
    assert count == 20

    # The key, the count, the page of listings, their offers.
    assert few == many == 4


def test_filters_narrow_the_list(api_client, api_key):
    seller = api_key.refurbisher
    phones, laptops = CategoryFactory(), CategoryFactory()
    phone = VariantFactory(device_model=DeviceModelFactory(category=phones))
    laptop = VariantFactory(device_model=DeviceModelFactory(category=laptops))
    paused = make_listing(
        refurbisher=seller, variant=phone, sku="P-1", status=ListingStatus.PAUSED
    )
    empty = make_listing(
        refurbisher=seller, variant=phone, sku="P-2", grade="C", stock=0
    )
    german = make_listing(
        refurbisher=seller, variant=laptop, sku="L-1", grade="B", markets=["DE"]
    )

    def skus(**params) -> list[str]:
        response = api_client.get(LISTINGS, {**params, "ordering": "sku"})
        assert response.status_code == 200, response.json()
        return [row["sku"] for row in response.json()["results"]]

    assert skus(status="paused") == [paused.sku]
    assert skus(grade="C") == [empty.sku]
    assert skus(sku="L-1") == [german.sku]
    assert skus(sku="l-1") == []
    assert skus(variant=phone.pk) == ["P-1", "P-2"]
    assert skus(device_model=laptop.device_model_id) == ["L-1"]
    assert skus(category=laptops.pk) == ["L-1"]
    assert skus(market="FR") == ["P-1", "P-2"]
    assert skus(market="DE") == ["L-1", "P-1", "P-2"]
    assert skus(in_stock="false") == ["P-2"]
    assert skus(in_stock="true") == ["L-1", "P-1"]
    assert skus(variant=10**30, category="1e40") == []


def test_updated_since_lists_what_changed_after_a_moment(api_client, api_key):
    """In any offset Python reads, even beyond what PostgreSQL stores."""
    old = make_listing(refurbisher=api_key.refurbisher, sku="OLD")
    Listing.objects.filter(pk=old.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=2)
    )
    make_listing(refurbisher=api_key.refurbisher, sku="NEW")
    since = timezone.now() - dt.timedelta(days=1)
    far_east = dt.timezone(dt.timedelta(hours=23, minutes=47))

    for moment in (since, since.astimezone(far_east)):
        response = api_client.get(LISTINGS, {"updated_since": moment.isoformat()})

        assert [row["sku"] for row in response.json()["results"]] == ["NEW"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "gone"}, "status"),
        ({"grade": "Z"}, "grade"),
        ({"market": "XX"}, "market"),
        ({"in_stock": "maybe"}, "in_stock"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"updated_since": "0001-01-01T00:10:00+23:00"}, "updated_since"),
        ({"variant": "abc"}, "variant"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(api_client, params, field):
    response = api_client.get(LISTINGS, params)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert field in fields(response)


def test_ordering_and_pages(api_client, api_key):
    for sku, stock in [("B", 5), ("A", 9), ("C", 1)]:
        make_listing(refurbisher=api_key.refurbisher, sku=sku, stock=stock)

    by_stock = api_client.get(LISTINGS, {"ordering": "-stock"}).json()
    first_page = api_client.get(LISTINGS, {"ordering": "sku", "page_size": 2}).json()
    second_page = api_client.get(
        LISTINGS, {"ordering": "sku", "page_size": 2, "page": 2}
    ).json()

    assert [row["sku"] for row in by_stock["results"]] == ["A", "B", "C"]
    assert [row["sku"] for row in first_page["results"]] == ["A", "B"]
    assert first_page["count"] == 3 and first_page["next"]
    assert [row["sku"] for row in second_page["results"]] == ["C"]
    # An order it cannot read falls back to the default (most recently changed).
    for nonsense in (",", "-", "price,,", "variant__device_model__name"):
        response = api_client.get(LISTINGS, {"ordering": nonsense})
        assert response.status_code == 200
        assert [row["sku"] for row in response.json()["results"]] == ["C", "A", "B"]


def test_one_listing_is_read_by_id(api_client, api_key):
    listing = make_listing(refurbisher=api_key.refurbisher, sku="ONE")

    response = api_client.get(detail(listing))

    assert response.status_code == 200
    assert response.json()["sku"] == "ONE"


@pytest.mark.parametrize("listing_id", ["0", "abc", "5.9e-08", "99999999999999999999"])
def test_an_id_that_is_no_listing_is_a_404(api_client, listing_id):
    response = api_client.get(f"{LISTINGS}{listing_id}/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- Creating -------------------------------------------------------------------


def test_create_makes_the_listing_and_its_offers(api_client, api_key):
    variant = VariantFactory()

    response = api_client.post(LISTINGS, create_body(variant), format="json")

    assert response.status_code == 201, response.json()
    listing = Listing.objects.get(refurbisher=api_key.refurbisher, sku="IP13-128-A")
    assert response.json()["id"] == listing.pk
    assert (listing.variant, listing.stock, listing.status) == (variant, 4, "active")
    # Not sent: the shop's usual dispatch time.
    assert listing.dispatch_days == api_key.refurbisher.dispatch_days
    assert prices_of(listing) == {"FR": (Decimal("459.00"), Decimal("4.90"))}
    assert response.json()["prices"][0]["purchasable"] is True


def test_create_may_start_as_a_draft(api_client):
    response = api_client.post(
        LISTINGS, create_body(VariantFactory(), status="draft"), format="json"
    )

    assert response.status_code == 201
    assert response.json()["status"] == "draft"
    assert response.json()["prices"][0]["purchasable"] is False


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        # The dashboard's rules, word for word.
        (
            {"warranty_months": 6},
            "warranty_months",
            "France requires a warranty of at least 12 months.",
        ),
        (
            {"prices": {"US": {"price": "499.00"}}},
            "prices",
            "does not ship to United States.",
        ),
        ({"prices": {"FR": {"price": "0"}}}, "prices", "must be above zero"),
        ({"prices": {}}, "prices", "Give a price for at least one market."),
        ({"stock": -1}, "stock", "Stock cannot be negative."),
        ({"battery_min_pct": 70}, "battery_min_pct", "from 80% to 100%"),
        ({"dispatch_days": 31}, "dispatch_days", "0 to 30 days"),
        # Shapes and types.
        ({"grade": "Z"}, "grade", "not a valid choice"),
        ({"variant": 0}, "variant", "does not exist"),
        ({"stock": "many"}, "stock", "valid integer"),
        ({"stock": 10**12}, "stock", "less than or equal to"),
        ({"prices": {"FR": {"price": "1.999"}}}, "prices.FR.price", "decimal"),
        ({"prices": {"FR": {"price": "NaN"}}}, "prices.FR.price", "valid number"),
        ({"prices": {"FR": {"amount": "4"}}}, "prices.FR.amount", "Unknown field"),
        ({"colour": "blue"}, "colour", "Unknown field."),
    ],
)
def test_create_refuses_what_the_rules_refuse_naming_the_field(
    api_client, changes, field, message
):
    response = api_client.post(
        LISTINGS, create_body(VariantFactory(), **changes), format="json"
    )

    assert response.status_code == 400, response.json()
    assert message in " ".join(fields(response)[field])
    assert not Listing.objects.exists()
    assert not Offer.objects.exists()


def test_create_refuses_a_sku_already_used(api_client, api_key):
    make_listing(refurbisher=api_key.refurbisher, sku="IP13-128-A")

    response = api_client.post(LISTINGS, create_body(VariantFactory()), format="json")

    assert response.status_code == 400
    assert fields(response) == {
        "sku": ["You already have a listing with SKU IP13-128-A."]
    }
    assert Listing.objects.count() == 1


def test_another_refurbishers_sku_is_free_to_use(api_client, other_api_key):
    make_listing(refurbisher=other_api_key.refurbisher, sku="IP13-128-A")

    response = api_client.post(LISTINGS, create_body(VariantFactory()), format="json")

    assert response.status_code == 201


def test_a_body_that_is_not_json_is_refused(api_client):
    response = api_client.post(
        LISTINGS, "sku=1", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


# --- Changing -------------------------------------------------------------------


def test_patch_changes_only_what_is_sent(api_client, api_key):
    listing = make_listing(
        refurbisher=api_key.refurbisher,
        prices={"FR": MarketPrice(Decimal("459"), Decimal("4.90")), "DE": "449"},
        stock=2,
    )

    response = api_client.patch(
        detail(listing),
        {"stock": 7, "prices": {"FR": {"price": "439.00"}, "BE": {"price": "445"}}},
        format="json",
    )

    assert response.status_code == 200, response.json()
    listing.refresh_from_db()
    assert (listing.stock, listing.grade, listing.warranty_months) == (7, "A", 12)
    # FR keeps its shipping, DE keeps everything, BE is added.
    assert prices_of(listing) == {
        "FR": (Decimal("439.00"), Decimal("4.90")),
        "DE": (Decimal("449.00"), Decimal("0.00")),
        "BE": (Decimal("445.00"), Decimal("0.00")),
    }
    assert [p["market"] for p in response.json()["prices"]] == ["BE", "DE", "FR"]
    assert response.json()["stock"] == 7


def test_a_null_price_stops_selling_in_that_market(api_client, api_key):
    listing = make_listing(
        refurbisher=api_key.refurbisher, prices={"FR": "459", "DE": "449"}
    )

    response = api_client.patch(
        detail(listing), {"prices": {"DE": None}}, format="json"
    )

    assert response.status_code == 200
    assert set(prices_of(listing)) == {"FR"}


def test_a_listing_keeps_at_least_one_market(api_client, api_key):
    listing = make_listing(refurbisher=api_key.refurbisher, prices={"FR": "459"})

    response = api_client.patch(
        detail(listing), {"prices": {"FR": None}, "stock": 9}, format="json"
    )

    assert response.status_code == 400
    assert fields(response) == {"prices": ["Give a price for at least one market."]}
    listing.refresh_from_db()
    assert listing.stock == 5
    assert set(prices_of(listing)) == {"FR"}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"warranty_months": 6},
            "warranty_months",
            "requires a warranty of at least 12 months.",
        ),
        ({"sku": "NEW"}, "sku", "A listing keeps its SKU"),
        ({"variant": 1}, "variant", "A listing keeps its variant"),
        ({"status": "sold"}, "status", "not a valid choice"),
        ({"stock": -3}, "stock", "Stock cannot be negative."),
        ({"prices": {"XX": {"price": "1"}}}, "prices", "XX is not a ReMarket market."),
    ],
)
def test_patch_refuses_what_the_rules_refuse(api_client, api_key, body, field, message):
    listing = make_listing(refurbisher=api_key.refurbisher, stock=5)
    before = prices_of(listing)

    response = api_client.patch(detail(listing), body, format="json")

    assert response.status_code == 400
    assert message in " ".join(fields(response)[field])
    listing.refresh_from_db()
    assert (listing.stock, listing.warranty_months, listing.status) == (
        5,
        12,
        "active",
    )
    assert prices_of(listing) == before


def test_put_is_not_offered(api_client, api_key):
    listing = make_listing(refurbisher=api_key.refurbisher)

    response = api_client.put(detail(listing), {"stock": 1}, format="json")

    assert response.status_code == 405


def test_pause_and_resume_take_the_listing_off_and_back_on_sale(api_client, api_key):
    listing = make_listing(refurbisher=api_key.refurbisher, prices={"FR": "459"})

    paused = api_client.post(detail(listing, "pause"))
    assert paused.status_code == 200
    assert paused.json()["status"] == "paused"
    assert paused.json()["prices"][0]["purchasable"] is False
    assert not Offer.objects.get(listing=listing).is_purchasable

    resumed = api_client.post(detail(listing, "resume"))
    assert resumed.status_code == 200
    assert resumed.json()["status"] == "active"
    assert Offer.objects.get(listing=listing).is_purchasable


def test_delete_removes_a_listing_never_sold(api_client, api_key):
    listing = make_listing(refurbisher=api_key.refurbisher)

    response = api_client.delete(detail(listing))

    assert response.status_code == 204
    assert not Listing.objects.filter(pk=listing.pk).exists()


def test_a_listing_with_orders_cannot_be_deleted(api_client, api_key):
    listing = make_listing(refurbisher=api_key.refurbisher, prices={"FR": "459"})
    order_paid_offline((listing, 1))

    response = api_client.delete(detail(listing))

    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "conflict",
        "message": f"{listing.sku} has orders, so it stays on record: "
        "archive it instead.",
        "fields": {},
    }
    assert Listing.objects.filter(pk=listing.pk).exists()


# --- Who may call ---------------------------------------------------------------

ENDPOINTS = [
    ("get", None, None),
    ("post", None, "create"),
    ("post", "bulk", "bulk"),
    ("get", "", None),
    ("patch", "", {"stock": 0}),
    ("delete", "", None),
    ("post", "pause", None),
    ("post", "resume", None),
]


def _call(client: APIClient, method: str, where: str | None, body, listing, variant):
    if where is None:
        url = LISTINGS
    elif where == "bulk":
        url = f"{LISTINGS}bulk/"
    else:
        url = detail(listing, where)
    if body == "create":
        body = create_body(variant, sku="NEW-SKU")
    elif body == "bulk":
        body = {"rows": [{"sku": listing.sku, "stock": 0}]}
    return getattr(client, method)(url, body, format="json")


def _unchanged(listing: Listing) -> bool:
    listing.refresh_from_db()
    return (
        listing.stock == 5
        and listing.status == ListingStatus.ACTIVE
        and not Listing.objects.filter(sku="NEW-SKU").exists()
    )


@pytest.mark.parametrize(("method", "where", "body"), ENDPOINTS)
@pytest.mark.parametrize(
    "credentials",
    [
        "none",
        "not a bearer",
        "Bearer",
        "Bearer rmk_nope",
        "Bearer rmk_abc_def",
        "wrong secret",
        "revoked",
        "staff session",
        "owner session",
    ],
)
def test_every_endpoint_needs_a_live_key(
    api_key: SellerKey, method, where, body, credentials
):
    listing = make_listing(refurbisher=api_key.refurbisher, stock=5)
    client = APIClient()
    if credentials == "revoked":
        api_token_revoke(token=api_key.token, actor=api_key.owner)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.key}")
    elif credentials == "wrong secret":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.key[:-4]}abcd")
    elif credentials == "staff session":
        client.force_login(qa_user_make(is_superuser=True))
    elif credentials == "owner session":
        client.force_login(api_key.owner)
    elif credentials == "not a bearer":
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_key.key}")
    elif credentials != "none":
        client.credentials(HTTP_AUTHORIZATION=credentials)

    response = _call(client, method, where, body, listing, VariantFactory())

    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert _unchanged(listing)


@pytest.mark.parametrize(
    ("method", "where", "body"), [e for e in ENDPOINTS if e[1] not in (None, "bulk")]
)
def test_another_refurbishers_listing_is_not_found(
    api_client, other_api_key, method, where, body
):
    theirs = make_listing(refurbisher=other_api_key.refurbisher, stock=5)

    response = _call(api_client, method, where, body, theirs, None)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert _unchanged(theirs)


def test_another_refurbishers_sku_is_unknown_in_bulk(api_client, other_api_key):
    theirs = make_listing(refurbisher=other_api_key.refurbisher, stock=5)

    response = _call(api_client, "post", "bulk", "bulk", theirs, None)

    assert response.status_code == 400
    assert fields(response) == {
        "rows.0.sku": [f"Unknown SKU: you have no listing {theirs.sku}."]
    }
    assert _unchanged(theirs)


def test_another_refurbishers_listing_is_not_in_the_list_even_by_sku(
    api_client, other_api_key
):
    theirs = make_listing(refurbisher=other_api_key.refurbisher)

    response = api_client.get(LISTINGS, {"sku": theirs.sku})

    assert response.json()["count"] == 0


def test_a_key_acts_as_its_own_refurbisher_only(api_key, other_api_key):
    """Both keys work; each sees its own listings only."""
    mine = make_listing(refurbisher=api_key.refurbisher)
    theirs = make_listing(refurbisher=other_api_key.refurbisher)
    client = APIClient()

    seen = {}
    for key in (api_key, other_api_key):
        client.credentials(**key.header)
        seen[key.refurbisher.pk] = [
            r["id"] for r in client.get(LISTINGS).json()["results"]
        ]

    assert seen == {
        api_key.refurbisher.pk: [mine.pk],
        other_api_key.refurbisher.pk: [theirs.pk],
    }
