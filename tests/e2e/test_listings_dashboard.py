"""In real Chromium: a seller searches its listings table, changes a price in
a row (saved in place by fetch), sees a refused price explained in the row,
and finds the new price after a reload; the page fits a phone too."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from listings.models import Offer
from tests.support.factories import DeviceModelFactory, VariantFactory, make_listing
from tests.support.refurbisher_builders import PASSWORD, trial_refurbisher_make

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/accounts/sign-in/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_seller_searches_and_edits_a_price_in_the_table(live_server, browser):
    owner, refurbisher = trial_refurbisher_make(name="Lyon Refurb")
    pixel = VariantFactory(device_model=DeviceModelFactory(name="Pixel 8"))
    galaxy = VariantFactory(device_model=DeviceModelFactory(name="Galaxy S23"))
    target = make_listing(
        refurbisher=refurbisher, variant=pixel, sku="PX8-A", prices={"FR": "399.00"}
    )
    make_listing(
        refurbisher=refurbisher, variant=galaxy, sku="GS23-B", prices={"FR": "450"}
    )
    make_listing(
        refurbisher=refurbisher, variant=galaxy, sku="GS23-EMPTY", stock=0,
        prices={"FR": "430"},
    )  # fmt: skip

    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server.url, owner.email)
    page.goto(live_server.url + "/seller/listings/")
    rows = page.locator("tbody tr.listing-row")
    expect(rows).to_have_count(3)
    empty = page.locator("tr.listing-row", has_text="GS23-EMPTY")
    expect(empty).to_contain_text("Not on the site: Out of stock.")

    page.get_by_label("Search your listings").fill("pixel")
    page.get_by_role("button", name="Show").click()
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row).to_contain_text("PX8-A")
    assert "q=pixel" in page.url
    searched = page.url

    price = row.get_by_label("Price in France (EUR) for PX8-A")
    # A refused price: the row says why and keeps what was typed.
    price.fill("0")
    row.get_by_role("button", name="Save").click()
    expect(row.locator("[data-quick-result]")).to_contain_text("A price is above zero.")
    expect(price).to_have_attribute("aria-invalid", "true")
    expect(price).to_have_value("0")
    assert Offer.objects.get(listing=target).price_amount == Decimal("399.00")

    price.fill("379.90")
    row.get_by_role("button", name="Save").click()
    expect(row.locator("[data-quick-result]")).to_have_text("Saved")
    expect(price).not_to_have_attribute("aria-invalid", "true")
    assert page.url == searched  # saved in place by fetch, no page load
    assert Offer.objects.get(listing=target).price_amount == Decimal("379.90")

    page.reload()
    expect(
        page.locator("tr.listing-row").first.get_by_label(
            "Price in France (EUR) for PX8-A"
        )
    ).to_have_value("379.90")
    context.close()

    # On a phone the table stacks into cards and nothing overflows.
    phone = browser.new_context(viewport={"width": 375, "height": 812})
    small = phone.new_page()
    sign_in(small, live_server.url, owner.email)
    small.goto(live_server.url + "/seller/listings/")
    expect(small.locator("tr.listing-row")).to_have_count(3)
    assert small.evaluate("document.documentElement.scrollWidth") <= 375
    phone.close()
