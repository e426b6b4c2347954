"""A listing's history (ListingChange): every seller write records who made it
and what changed, from the dashboard, the API, bulk actions and imports."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from listings.models import Listing, ListingChange, ListingStatus, Offer
from listings.services import (
    MarketPrice,
    listing_create,
    listing_status_set,
    listing_stock_set,
    listing_update,
)
from listings.services.bulk_actions import (
    BulkActionRefused,
    listings_bulk_price_change,
    listings_bulk_status_set,
)
from listings.services.listing_imports import (
    listing_import_apply_request,
    listing_import_upload,
)
from listings.services.photos import listing_photo_remove, listing_photos_add
from refurbishers.models import MemberRole, Membership
from tests.support.api import seller_key_make
from tests.support.factories import RefurbisherFactory, VariantFactory, make_listing
from tests.support.images import image_bytes, upload
from tests.support.refurbisher_builders import user_make

pytestmark = pytest.mark.django_db
LISTINGS = "/seller/listings/"


def history(listing: Listing) -> list[tuple[object, str]]:
    """(actor, reason) of each change of the listing, oldest first."""
    return [
        (change.actor, change.reason)
        for change in ListingChange.objects.filter(listing=listing)
        .select_related("actor")
        .order_by("pk")
    ]


@pytest.fixture
def owner_and_seller():
    refurbisher = RefurbisherFactory(country="FR", ships_to=["FR", "DE"])
    owner = user_make()
    Membership.objects.create(
        user=owner, refurbisher=refurbisher, role=MemberRole.OWNER
    )
    return owner, refurbisher


def test_a_price_change_on_the_dashboard_records_who_made_it(client, owner_and_seller):
    owner, seller = owner_and_seller
    listing = make_listing(refurbisher=seller, prices={"FR": "300"}, stock=5)
    client.force_login(owner)

    response = client.post(
        f"{LISTINGS}{listing.pk}/quick/",
        {f"l{listing.pk}-stock": "7", f"l{listing.pk}-price_FR": "289.50"},
    )

    assert response.status_code == 302
    assert history(listing)[-1] == (
        owner, "Stock 5 → 7; price in France 300,00\u00a0€ → 289,50\u00a0€"
    )  # fmt: skip


def test_a_bulk_price_change_on_the_dashboard_records_who_made_it(
    client, owner_and_seller
):
    owner, seller = owner_and_seller
    one = make_listing(refurbisher=seller, sku="B-1", prices={"FR": "100"})
    two = make_listing(refurbisher=seller, sku="B-2", prices={"FR": "200"})
    client.force_login(owner)

    response = client.post(
        LISTINGS,
        {
            "action": "percent",
            "market": "",
            "value": "-10",
            "selected": [one.pk, two.pk],
        },
    )

    assert response.status_code == 302
    assert history(one)[-1] == (
        owner, "Price in France 100,00\u00a0€ → 90,00\u00a0€ (bulk, -10%)"
    )  # fmt: skip
    assert history(two)[-1] == (
        owner, "Price in France 200,00\u00a0€ → 180,00\u00a0€ (bulk, -10%)"
    )  # fmt: skip


def test_a_price_change_through_the_api_records_the_keys_maker():
    key = seller_key_make()
    listing = make_listing(refurbisher=key.refurbisher, prices={"FR": "459"})
    client = APIClient()
    client.credentials(**key.header)

    response = client.patch(
        f"/api/v1/seller/listings/{listing.pk}/",
        {"prices": {"FR": {"price": "439.00"}}},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert history(listing)[-1] == (
        key.owner, "Price in France 459,00\u00a0€ → 439,00\u00a0€"
    )  # fmt: skip


def test_a_bulk_update_through_the_api_records_each_listing_changed():
    key = seller_key_make()
    one = make_listing(refurbisher=key.refurbisher, sku="A-1", stock=2)
    two = make_listing(refurbisher=key.refurbisher, sku="A-2", stock=2)
    client = APIClient()
    client.credentials(**key.header)

    response = client.post(
        "/api/v1/seller/listings/bulk/",
        {"rows": [{"sku": "A-1", "stock": 3}, {"sku": "A-2", "stock": 2}]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert history(one)[-1] == (key.owner, "Stock 2 → 3")
    # Nothing changed on A-2: nothing to record.
    assert not [change for change in history(two) if change[0] == key.owner]


def test_create_pause_and_stock_name_their_actor(owner_and_seller):
    owner, seller = owner_and_seller
    listing = listing_create(
        refurbisher=seller, variant=VariantFactory(), sku="NEW-1", grade="A",
        battery_min_pct=85, stock=3, warranty_months=12,
        prices={"FR": MarketPrice(Decimal("459"))}, actor=owner,
    )  # fmt: skip
    listing_status_set(listing=listing, status=ListingStatus.PAUSED, actor=owner)
    listing_stock_set(listing=listing, stock=0, actor=owner)
    listing_update(listing=listing, grade="B", warranty_months=24, actor=owner)

    assert history(listing) == [
        (owner, "Created: stock 3; prices France 459,00\u00a0€"),
        (owner, "Status active → paused"),
        (owner, "Stock 3 → 0"),
        (owner, "Grade A → B; warranty (months) 12 → 24"),
    ]


def test_the_system_is_recorded_as_no_actor(owner_and_seller):
    _, seller = owner_and_seller
    listing = make_listing(refurbisher=seller, stock=4)
    listing_stock_set(listing=listing, stock=1)
    assert history(listing)[-1] == (None, "Stock 4 → 1")


def test_a_bulk_status_change_records_only_the_listings_it_changed(
    owner_and_seller,
):
    owner, seller = owner_and_seller
    active = make_listing(refurbisher=seller, sku="S-1")
    paused = make_listing(refurbisher=seller, sku="S-2", status=ListingStatus.PAUSED)
    before = ListingChange.objects.count()

    listings_bulk_status_set(
        refurbisher=seller, listing_ids=[active.pk, paused.pk],
        status=ListingStatus.PAUSED, actor=owner,
    )  # fmt: skip

    assert ListingChange.objects.count() == before + 1
    assert history(active)[-1] == (owner, "Status active → paused (bulk)")


def test_a_refused_bulk_price_change_records_nothing(owner_and_seller):
    owner, seller = owner_and_seller
    listing = make_listing(refurbisher=seller, prices={"FR": "1.00"})
    before = ListingChange.objects.count()

    with pytest.raises(BulkActionRefused):
        listings_bulk_price_change(
            refurbisher=seller, listing_ids=[listing.pk], market="FR",
            amount=Decimal("0"), actor=owner,
        )  # fmt: skip

    assert ListingChange.objects.count() == before
    assert Offer.objects.get(listing=listing).price_amount == Decimal("1.00")


def test_an_import_records_its_uploader_on_each_listing_it_wrote(
    settings, tmp_path, owner_and_seller
):
    settings.MEDIA_ROOT = tmp_path / "media"
    owner, seller = owner_and_seller
    kept = make_listing(refurbisher=seller, sku="OLD-1", stock=1)
    variant = VariantFactory()
    data = (
        "sku,variant,grade,battery_min_pct,stock,warranty_months,dispatch_days,"
        "status,price_FR,shipping_FR\n"
        f"NEW-1,{variant.pk},A,90,4,12,1,active,459.00,0\n"
        f"OLD-1,{kept.variant_id},B,80,6,12,1,active,300.00,0\n"
    ).encode()
    listing_import = listing_import_upload(
        refurbisher=seller, user=owner,
        upload=SimpleUploadedFile("stock.csv", data),
    )  # fmt: skip

    listing_import_apply_request(listing_import=listing_import)

    created = Listing.objects.get(refurbisher=seller, sku="NEW-1")
    assert history(created) == [(owner, "Created by the import of stock.csv")]
    assert history(kept)[-1] == (owner, "Updated by the import of stock.csv")


def test_photos_added_and_removed_name_their_actor(
    settings, tmp_path, owner_and_seller, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    owner, seller = owner_and_seller
    listing = make_listing(refurbisher=seller)
    with django_capture_on_commit_callbacks(execute=False):
        photos = listing_photos_add(
            listing=listing,
            uploads=[upload(image_bytes("PNG"), f"p{n}.png") for n in range(2)],
            actor=owner,
        )
        listing_photo_remove(listing=listing, photo_id=photos[0].pk, actor=owner)

    assert history(listing)[-2:] == [
        (owner, "2 photos added"),
        (owner, "Photo removed"),
    ]
