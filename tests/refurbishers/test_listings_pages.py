"""The seller's listings pages: the table (search, filters, sort, pages, why a
listing is off the site), inline edits, bulk actions, create and edit, and
who may see what."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from listings.models import Grade, Listing, ListingPhoto, ListingStatus, Offer
from listings.services import listing_status_set
from refurbishers.models import MemberRole, Membership, SaleDay
from refurbishers.services import (
    refurbisher_suspend,
    sale_slot_confirm,
    sale_slot_reserve,
)
from tests.support.factories import (
    BrandFactory,
    CategoryFactory,
    DeviceModelFactory,
    RefurbisherFactory,
    VariantFactory,
    make_listing,
)
from tests.support.refurbisher_builders import (
    qa_user_make,
    trial_refurbisher_make,
    user_make,
)

pytestmark = pytest.mark.django_db
LISTINGS = "/seller/listings/"


def seller_make(**fields):
    """An active refurbisher and its owner."""
    refurbisher = RefurbisherFactory(**fields)
    owner = user_make()
    Membership.objects.create(
        user=owner, refurbisher=refurbisher, role=MemberRole.OWNER
    )
    return owner, refurbisher


@pytest.fixture
def seller(client):
    owner, refurbisher = seller_make()
    client.force_login(owner)
    return refurbisher


def skus(response) -> list[str]:
    """The SKUs of the table's rows, in order."""
    return re.findall(
        r'<th scope="row" data-label="SKU"><a href="[^"]+">([^<]+)</a>',
        response.content.decode(),
    )


def png_bytes(size=(640, 480), colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


# --- Who may see what -------------------------------------------------------


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(LISTINGS)
    assert response.status_code == 302
    assert response["Location"] == f"{settings.LOGIN_URL}?next={LISTINGS}"


def test_a_person_of_no_refurbisher_is_invited_to_apply(client):
    client.force_login(user_make())
    response = client.get(LISTINGS)
    assert b"does not belong to a refurbisher" in response.content
    response = client.post(f"{LISTINGS}new/", {})
    assert b"does not belong to a refurbisher" in response.content


def test_another_refurbishers_listing_is_a_404_everywhere(client, seller):
    theirs = make_listing(sku="THEIRS-1")
    base = f"{LISTINGS}{theirs.pk}/"
    assert client.get(base).status_code == 404
    assert client.post(base, {"grade": "C"}).status_code == 404
    assert client.post(f"{base}quick/", {f"l{theirs.pk}-stock": 0}).status_code == 404
    assert client.post(f"{base}archive/").status_code == 404
    assert client.post(f"{base}delete/").status_code == 404
    # A bulk action naming another seller's listing changes nothing.
    response = client.post(LISTINGS, {"action": "pause", "selected": [theirs.pk]})
    assert response.status_code == 400
    theirs.refresh_from_db()
    assert theirs.status == ListingStatus.ACTIVE
    assert Listing.objects.filter(pk=theirs.pk).exists()
    # And the table never shows it.
    assert "THEIRS-1" not in skus(client.get(LISTINGS))


# --- The table --------------------------------------------------------------


def test_search_filters_and_sort(client, seller):
    phones = CategoryFactory(name="Phones", slug="phones-t")
    brand = BrandFactory(name="Maker", slug="maker-t")
    pixel = DeviceModelFactory(name="Pixel 8", category=phones, brand=brand)
    galaxy = DeviceModelFactory(name="Galaxy S23", brand=brand)
    make_listing(
        refurbisher=seller, sku="PX-A", grade=Grade.EXCELLENT, stock=0,
        variant=VariantFactory(device_model=pixel), prices={"FR": "300"},
    )  # fmt: skip
    make_listing(
        refurbisher=seller, sku="PX-C", grade=Grade.FAIR, stock=2,
        variant=VariantFactory(device_model=pixel), prices={"FR": "200", "DE": "210"},
    )  # fmt: skip
    make_listing(
        refurbisher=seller, sku="GX-P", grade=Grade.PREMIUM, stock=9,
        variant=VariantFactory(device_model=galaxy), prices={"DE": "500"},
    )  # fmt: skip

    assert skus(client.get(LISTINGS, {"q": "pixel", "sort": "sku"})) == ["PX-A", "PX-C"]
    assert skus(client.get(LISTINGS, {"q": "gx-"})) == ["GX-P"]
    assert skus(client.get(LISTINGS, {"grade": "C"})) == ["PX-C"]
    assert skus(client.get(LISTINGS, {"category": phones.pk, "sort": "-sku"})) == [
        "PX-C", "PX-A",
    ]  # fmt: skip
    assert skus(client.get(LISTINGS, {"market": "DE", "sort": "sku"})) == [
        "GX-P", "PX-C",
    ]  # fmt: skip
    assert skus(client.get(LISTINGS, {"stock": "out"})) == ["PX-A"]
    assert skus(client.get(LISTINGS, {"stock": "low"})) == ["PX-C"]
    assert skus(client.get(LISTINGS, {"stock": "in", "sort": "sku"})) == [
        "GX-P", "PX-C",
    ]  # fmt: skip
    assert skus(client.get(LISTINGS, {"sort": "price"})) == ["PX-C", "PX-A", "GX-P"]
    assert skus(client.get(LISTINGS, {"sort": "-stock"})) == ["GX-P", "PX-C", "PX-A"]
    assert skus(client.get(LISTINGS, {"sort": "grade"})) == ["GX-P", "PX-A", "PX-C"]
    assert skus(client.get(LISTINGS, {"sort": "model"}))[0] == "GX-P"
    # In Germany's prices, PX-C (210) is below GX-P (500).
    assert skus(client.get(LISTINGS, {"market": "DE", "sort": "-price"})) == [
        "GX-P", "PX-C",
    ]  # fmt: skip
    listing_status_set(
        listing=Listing.objects.get(sku="PX-C"), status=ListingStatus.PAUSED
    )
    assert skus(client.get(LISTINGS, {"status": "paused"})) == ["PX-C"]
    # Nonsense in the query string is ignored, not an error.
    response = client.get(
        LISTINGS,
        {"sort": "drop table", "grade": "Z", "page": "x", "category": "9" * 30},
    )
    assert response.status_code == 200
    assert len(skus(response)) == 3


def test_pages_keep_the_filters(client, seller):
    for number in range(30):
        make_listing(refurbisher=seller, sku=f"P-{number:02d}", stock=1)
    response = client.get(LISTINGS, {"sort": "sku", "stock": "in"})
    assert skus(response)[0] == "P-00" and len(skus(response)) == 25
    assert "?sort=sku&amp;stock=in&amp;page=2" in response.content.decode()
    second = client.get(LISTINGS, {"sort": "sku", "stock": "in", "page": 2})
    assert skus(second) == [f"P-{n}" for n in range(25, 30)]


@pytest.mark.parametrize("count", [5, 30])
def test_the_table_costs_the_same_queries_whatever_its_length(
    client, seller, count, django_assert_num_queries
):
    for number in range(count):
        make_listing(refurbisher=seller, sku=f"Q-{number:02d}")
    # User, membership, count, rows, offers, summary, categories.
    with django_assert_num_queries(7):
        response = client.get(LISTINGS, {"per_page": 100})
    assert len(skus(response)) == count


def test_each_row_says_why_it_is_not_on_the_site(client, seller):
    make_listing(refurbisher=seller, sku="LIVE")
    make_listing(refurbisher=seller, sku="EMPTY", stock=0)
    make_listing(refurbisher=seller, sku="PAUSED", status=ListingStatus.PAUSED)
    make_listing(refurbisher=seller, sku="DRAFT", status=ListingStatus.DRAFT)
    page = client.get(LISTINGS).content.decode()

    def row(sku: str) -> str:
        start = page.index(f">{sku}</a>")
        return page[start : page.index("</tr>", start)]

    assert "On the site" in row("LIVE")
    assert "Not on the site: Out of stock." in row("EMPTY")
    assert "Not on the site: Paused by you." in row("PAUSED")
    assert "Not on the site: Draft" in row("DRAFT")


def test_a_listing_priced_only_where_the_seller_stopped_shipping_says_so(
    client, seller
):
    make_listing(refurbisher=seller, sku="DE-ONLY", prices={"DE": "300"})
    # The seller stops shipping to Germany (its settings, not this page).
    seller.ships_to = ["FR"]
    seller.save(update_fields=["ships_to"])
    page = client.get(LISTINGS).content.decode()
    assert "Not on the site: Not priced in any market you ship to." in page


def test_a_suspended_refurbishers_listings_say_so(client):
    owner, refurbisher = trial_refurbisher_make()
    make_listing(refurbisher=refurbisher, sku="S-1")
    refurbisher_suspend(refurbisher=refurbisher, actor=qa_user_make(), reason="Late.")
    client.force_login(owner)
    page = client.get(LISTINGS).content.decode()
    assert "Not on the site: Your shop is suspended" in page
    assert not Offer.objects.filter(listing__sku="S-1", is_purchasable=True).exists()


def test_a_trial_refurbisher_at_todays_cap_is_told_why(client):
    owner, refurbisher = trial_refurbisher_make(daily_sales_cap=1)
    listing = make_listing(refurbisher=refurbisher, sku="T-1")
    client.force_login(owner)
    assert "On the site" in client.get(LISTINGS).content.decode()
    sale_slot_reserve(refurbisher=refurbisher, reference="order:1")
    sale_slot_confirm(reference="order:1")
    assert SaleDay.objects.get(refurbisher=refurbisher).confirmed == 1
    page = client.get(LISTINGS).content.decode()
    assert "Not on the site: Today&#x27;s trial sales cap is reached" in page
    # The reason matches what the shop does with the offers.
    from listings.services import offers_refresh

    offers_refresh(listing_ids=[listing.pk])
    assert not Offer.objects.filter(listing=listing, is_purchasable=True).exists()


# --- Inline edit --------------------------------------------------------------


def test_inline_edit_saves_and_comes_back_to_the_table(client, seller):
    listing = make_listing(refurbisher=seller, sku="IN-1", prices={"FR": "300"})
    response = client.post(
        f"{LISTINGS}{listing.pk}/quick/",
        {
            f"l{listing.pk}-stock": "7",
            f"l{listing.pk}-price_FR": "289.50",
            "next": f"{LISTINGS}?q=IN",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{LISTINGS}?q=IN#listing-{listing.pk}"
    listing.refresh_from_db()
    assert listing.stock == 7
    assert Offer.objects.get(listing=listing).price_amount == Decimal("289.50")


def test_inline_edit_with_js_answers_json(client, seller):
    listing = make_listing(refurbisher=seller, sku="IN-2", prices={"FR": "300"})
    response = client.post(
        f"{LISTINGS}{listing.pk}/quick/",
        {f"l{listing.pk}-stock": "0", f"l{listing.pk}-price_FR": "310"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    answer = response.json()
    assert answer["ok"] is True and answer["stock"] == 0
    assert answer["prices"] == {"FR": "310,00\u00a0€"}
    assert answer["hidden_reason"] == "Out of stock."


def test_inline_edit_errors_keep_the_input_and_change_nothing(client, seller):
    listing = make_listing(refurbisher=seller, sku="IN-3", prices={"FR": "300"})
    data = {f"l{listing.pk}-stock": "-4", f"l{listing.pk}-price_FR": "0"}
    response = client.post(f"{LISTINGS}{listing.pk}/quick/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Stock cannot be negative." in page
    assert "A price is above zero." in page
    assert 'value="-4"' in page
    answer = client.post(
        f"{LISTINGS}{listing.pk}/quick/", data, headers={"Accept": "application/json"}
    ).json()
    assert answer["ok"] is False
    assert set(answer["errors"]) == {"stock", "price_FR"}
    listing.refresh_from_db()
    assert listing.stock == 5
    assert Offer.objects.get(listing=listing).price_amount == Decimal("300")


# --- Bulk actions -------------------------------------------------------------


def test_bulk_pause_then_resume(client, seller):
    one = make_listing(refurbisher=seller, sku="B-1")
    two = make_listing(refurbisher=seller, sku="B-2")
    response = client.post(
        f"{LISTINGS}?sort=sku", {"action": "pause", "selected": [one.pk, two.pk]}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{LISTINGS}?sort=sku"
    assert set(Listing.objects.values_list("status", flat=True)) == {"paused"}
    assert not Offer.objects.filter(is_purchasable=True).exists()
    client.post(LISTINGS, {"action": "resume", "selected": [one.pk, two.pk]})
    assert set(Listing.objects.values_list("status", flat=True)) == {"active"}
    assert Offer.objects.filter(is_purchasable=True).count() == Offer.objects.count()


def test_bulk_price_change_is_all_or_nothing(client, seller):
    cheap = make_listing(refurbisher=seller, sku="CHEAP", prices={"FR": "1.00"})
    dear = make_listing(refurbisher=seller, sku="DEAR", prices={"FR": "400.00"})
    # -60% of 1.00 rounds to 0.40; a set price of 0 fails for both rows.
    response = client.post(
        LISTINGS,
        {
            "action": "set",
            "market": "FR",
            "value": "0",
            "selected": [cheap.pk, dear.pk],
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was changed: 2 listings cannot be repriced." in page
    assert "<strong>CHEAP</strong>" in page and "<strong>DEAR</strong>" in page
    # The selection survives the refusal.
    assert page.count("checked>") >= 2
    assert Offer.objects.get(listing=cheap).price_amount == Decimal("1.00")
    assert Offer.objects.get(listing=dear).price_amount == Decimal("400.00")

    response = client.post(
        LISTINGS,
        {"action": "percent", "market": "", "value": "10", "selected": [dear.pk]},
    )
    assert response.status_code == 302
    assert Offer.objects.get(listing=dear).price_amount == Decimal("440.00")


# --- Create and edit ----------------------------------------------------------


def test_variant_search_answers_a_few_matches(client, seller):
    model = DeviceModelFactory(name="Pixel 9 Pro")
    VariantFactory(device_model=model, colour="Obsidian", storage_gb=256)
    VariantFactory(colour="Unrelated")
    answer = client.get(f"{LISTINGS}variants/", {"q": "pixel 9 256"}).json()
    assert [r["label"] for r in answer["results"]] == [
        f"{model.brand.name} Pixel 9 Pro · 256 GB · Obsidian"
    ]
    assert client.get(f"{LISTINGS}variants/", {"q": "x"}).json() == {"results": []}


def listing_data(variant, **overrides) -> dict:
    data = {
        "variant": variant.pk,
        "sku": "NEW-1",
        "grade": "A",
        "battery_min_pct": "90",
        "stock": "3",
        "warranty_months": "12",
        "dispatch_days": "2",
        "status": "active",
        "price_FR": "349.00",
        "shipping_FR": "4.90",
        "price_DE": "",
        "shipping_DE": "",
    }
    return {**data, **overrides}


def test_create_a_listing_with_a_photo(client, seller):
    variant = VariantFactory()
    photo = SimpleUploadedFile("front.png", png_bytes(), content_type="image/png")
    response = client.post(
        f"{LISTINGS}new/", {**listing_data(variant), "photos": [photo]}
    )
    listing = Listing.objects.get(refurbisher=seller, sku="NEW-1")
    assert response.status_code == 302
    assert response["Location"] == f"{LISTINGS}{listing.pk}/"
    offer = Offer.objects.get(listing=listing)
    assert (offer.market, offer.price_amount, offer.shipping_amount) == (
        "FR", Decimal("349.00"), Decimal("4.90"),
    )  # fmt: skip
    assert offer.is_purchasable
    saved = ListingPhoto.objects.get(listing=listing)
    assert (saved.content_type, saved.width, saved.height) == ("image/png", 640, 480)
    page = client.get(response["Location"]).content.decode()
    assert f"/photos/{saved.pk}/thumb/" in page
    image = client.get(f"{LISTINGS}{listing.pk}/photos/{saved.pk}/thumb/")
    assert image["Content-Type"] == "image/png"  # the original until the thumbnail


def test_a_non_image_named_jpg_is_refused_and_nothing_is_created(client, seller):
    variant = VariantFactory()
    fake = SimpleUploadedFile(
        "photo.jpg", b"#!/bin/sh\necho not a photo\n", content_type="image/jpeg"
    )
    response = client.post(
        f"{LISTINGS}new/", {**listing_data(variant), "photos": [fake]}
    )
    assert response.status_code == 400
    assert "photo.jpg: This is not an image we can read" in response.content.decode()
    assert 'value="NEW-1"' in response.content.decode()
    assert not Listing.objects.exists()


def test_create_refuses_a_short_warranty_in_an_eu_market(client, seller):
    variant = VariantFactory()
    response = client.post(
        f"{LISTINGS}new/", listing_data(variant, warranty_months="6")
    )
    assert response.status_code == 400
    assert "France requires a warranty of at least 12 months." in (
        response.content.decode()
    )
    assert not Listing.objects.exists()


def test_find_without_js_lists_matches_and_keeps_the_input(client, seller):
    model = DeviceModelFactory(name="Fairphone 5")
    variant = VariantFactory(device_model=model, colour="Sky")
    response = client.post(
        f"{LISTINGS}new/",
        {"variant_q": "fairphone", "find_variant": "1", "sku": "FP-1", "stock": "4"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{variant.pk}">' in page
    assert 'value="FP-1"' in page and 'value="4"' in page
    assert "field-errors" not in page


def test_edit_changes_prices_per_market_and_grade(client, seller):
    listing = make_listing(refurbisher=seller, sku="ED-1", prices={"FR": "300"})
    data = listing_data(
        listing.variant,
        grade="B",
        price_FR="",
        shipping_FR="",
        price_DE="299",
        shipping_DE="5",
    )
    response = client.post(f"{LISTINGS}{listing.pk}/", data)
    assert response.status_code == 302
    offers = {o.market: o for o in Offer.objects.filter(listing=listing)}
    assert set(offers) == {"DE"}
    assert offers["DE"].price_amount == Decimal("299")
    assert offers["DE"].grade == "B"
    listing.refresh_from_db()
    assert (listing.grade, listing.sku) == ("B", "ED-1")


def test_delete_only_a_never_sold_listing_and_archive(client, seller):
    listing = make_listing(refurbisher=seller, sku="DEL-1")
    response = client.post(f"{LISTINGS}{listing.pk}/archive/")
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == ListingStatus.ARCHIVED
    response = client.post(f"{LISTINGS}{listing.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == LISTINGS
    assert not Listing.objects.filter(pk=listing.pk).exists()
