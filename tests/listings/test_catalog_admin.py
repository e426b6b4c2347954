"""QA edits the catalog in the admin, over HTTP as a signed-in staff member: the
edits go through the catalog services, so offers, search words and cached shop
pages follow at once, as they do when a refurbisher edits a listing."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from listings.models import DeviceModel, Offer, Variant
from listings.services import catalog_version
from tests.support.refurbisher_builders import user_make
from tests.support.second_factor import staff_sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Client:
    client = Client()
    staff_sign_in(client, user_make(is_staff=True, is_superuser=True))
    return client


def _device_model_form(model: DeviceModel, **changes) -> dict:
    """The change form as the admin page posts it, with its variants inline."""
    variants = list(model.variants.order_by("pk"))
    data = {
        "category": model.category_id, "brand": model.brand_id, "name": model.name,
        "slug": model.slug, "release_year": model.release_year,
        "specs": json.dumps(model.specs), "description": model.description,
        "variants-TOTAL_FORMS": len(variants),
        "variants-INITIAL_FORMS": len(variants),
        "variants-MIN_NUM_FORMS": 0, "variants-MAX_NUM_FORMS": 1000,
    }  # fmt: skip
    for index, variant in enumerate(variants):
        prefix = f"variants-{index}-"
        data.update({
            prefix + "id": variant.pk, prefix + "device_model": model.pk,
            prefix + "storage_gb": variant.storage_gb or "",
            prefix + "colour": variant.colour,
            prefix + "colour_hex": variant.colour_hex,
            prefix + "connectivity": variant.connectivity,
        })  # fmt: skip
    data.update(changes)
    return data


def _names_on(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_moving_a_device_model_to_another_category_moves_its_offers_and_pages(
    catalog, staff, django_capture_on_commit_callbacks
):
    """The offers' category copies change and the cached category pages with them."""
    model = catalog.models["galaxy-s21"]
    laptops = catalog.categories["laptops"]
    shopper = Client()
    shopper.cookies["market"] = "FR"
    # Built and cached before the edit: a stale cache would keep showing them.
    assert "Galaxy S21" in _names_on(shopper, "/c/smartphones/")
    assert "Galaxy S21" not in _names_on(shopper, "/c/laptops/")
    version = catalog_version()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            f"/admin/listings/devicemodel/{model.pk}/change/",
            _device_model_form(model, category=laptops.pk, name="Galaxy S21 FE"),
        )

    assert response.status_code == 302, response.content.decode()[:3000]
    offers = Offer.objects.filter(listing__variant__device_model=model)
    assert offers.exists()
    assert set(offers.values_list("category_id", flat=True)) == {laptops.pk}
    assert catalog_version() > version
    assert "Galaxy S21 FE" in _names_on(shopper, "/c/laptops/")
    assert "Galaxy S21" not in _names_on(shopper, "/c/smartphones/")
    # Renamed: found by its new words.
    variant = catalog.variants["s21-128-grey"]
    assert "galaxy s21 fe" in Variant.objects.get(pk=variant.pk).search_text
    assert "laptops" in Variant.objects.get(pk=variant.pk).search_text


def test_a_variant_added_inline_is_findable_at_once(catalog, staff):
    model = catalog.models["galaxy-s22"]
    data = _device_model_form(model)
    data.update({
        "variants-TOTAL_FORMS": data["variants-TOTAL_FORMS"] + 1,
        "variants-1-id": "", "variants-1-device_model": model.pk,
        "variants-1-storage_gb": 256, "variants-1-colour": "Lavender",
        "variants-1-colour_hex": "#b9a6d6", "variants-1-connectivity": "unlocked",
    })  # fmt: skip

    response = staff.post(f"/admin/listings/devicemodel/{model.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    added = Variant.objects.get(device_model=model, colour="Lavender")
    assert "galaxy s22" in added.search_text and "256gb" in added.search_text


def test_moving_a_variant_to_another_model_moves_its_offers(
    catalog, staff, django_capture_on_commit_callbacks
):
    variant = catalog.variants["s21-128-grey"]
    target = catalog.models["galaxy-s22"]
    version = catalog_version()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            f"/admin/listings/variant/{variant.pk}/change/",
            {
                "device_model": target.pk,
                "storage_gb": variant.storage_gb,
                "colour": variant.colour,
                "colour_hex": variant.colour_hex,
                "connectivity": variant.connectivity,
                "new_prices-TOTAL_FORMS": 0,
                "new_prices-INITIAL_FORMS": 0,
                "new_prices-MIN_NUM_FORMS": 0,
                "new_prices-MAX_NUM_FORMS": 1000,
            },
        )

    assert response.status_code == 302, response.content.decode()[:3000]
    offers = Offer.objects.filter(listing__variant=variant)
    assert offers.exists()
    assert set(offers.values_list("device_model_id", flat=True)) == {target.pk}
    assert catalog_version() > version
