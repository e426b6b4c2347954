"""A shopper fills a cart from two refurbishers in real Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_two_items_from_two_sellers_are_grouped_by_seller_with_the_total(
    shop_url, page
):
    page.context.add_cookies([{"name": "market", "value": "FR", "url": shop_url}])

    # Berlin's iPhone 13 from the featured offer: back on the device page.
    page.goto(shop_url + "/d/iphone-13/?grade=A")
    panel = page.locator(".offer-panel").first
    expect(panel).to_contain_text("Berlin Refurb")
    panel.get_by_role("button", name=re.compile("Add to cart")).click()
    expect(page).to_have_url(re.compile(r"/d/iphone-13/\?grade=A$"))
    expect(page.locator(".offer-panel .site-flash")).to_contain_text(
        "Added to your cart"
    )
    expect(page.locator(".cart-count")).to_have_text("1")

    # Lyon's MacBook Air from the table of every offer.
    page.goto(shop_url + "/d/macbook-air-m1/")
    row = page.locator(".offers-table tr", has_text="Lyon Refurb")
    row.get_by_role("button", name=re.compile("Add to cart")).click()
    expect(page.locator(".cart-count")).to_have_text("2")

    page.locator("header a.cart").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    sellers = page.locator(".cart-seller")
    expect(sellers).to_have_count(2)
    expect(sellers.nth(0)).to_contain_text("Sold by Berlin Refurb")
    expect(sellers.nth(0)).to_contain_text("iPhone 13")
    expect(sellers.nth(1)).to_contain_text("Sold by Lyon Refurb")
    expect(sellers.nth(1)).to_contain_text("MacBook Air M1")
    expect(page.locator(".cart-total")).to_contain_text("1\u202f228,00")

    # One more iPhone with the stepper: the total follows.
    sellers.nth(0).get_by_role("button", name="One more").click()
    expect(page.locator(".cart-seller").nth(0).locator(".stepper-value")).to_have_text(
        "2"
    )
    expect(page.locator(".cart-total")).to_contain_text("1\u202f757,00")
    expect(page.locator(".cart-count")).to_have_text("3")

    # Removing the MacBook leaves one seller.
    page.locator(".cart-seller").nth(1).get_by_role(
        "button", name=re.compile("Remove")
    ).click()
    expect(page.locator(".cart-seller")).to_have_count(1)
    expect(page.locator(".cart-total")).to_contain_text("1\u202f058,00")


def test_the_cart_fits_a_phone(shop_url, page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.context.add_cookies([{"name": "market", "value": "FR", "url": shop_url}])
    page.goto(shop_url + "/d/iphone-13/?grade=A")
    page.locator(".offer-panel").first.get_by_role(
        "button", name=re.compile("Add to cart")
    ).click()
    page.goto(shop_url + "/cart/")
    expect(page.locator(".cart-seller")).to_have_count(1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
