"""A shopper in real Chromium: market, search, grade filter, device page by grade."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_shopper_finds_a_device_and_compares_its_offers_by_grade(shop_url, page):
    page.goto(shop_url + "/")
    expect(page.get_by_role("link", name=re.compile("Smartphones"))).to_be_visible()

    # Choose France: prices turn into euros.
    page.locator(".market-menu summary").click()
    page.get_by_role("button", name=re.compile("France")).click()
    expect(page.locator(".market-menu .currency")).to_have_text("EUR")

    # Search with a typo-free partial word from the header.
    search_box = page.locator("header input[type=search]")
    search_box.fill("iphon 13")
    search_box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=iphon"))
    cards = page.locator("article.model-card")
    expect(cards).to_have_count(2)
    expect(page.get_by_role("link", name="iPhone 13 Pro")).to_be_visible()

    # Filter by grade: Premium leaves only the iPhone 13 (its 256 GB offer).
    page.locator("input[name=grade][value=P]").check()
    if "grade=P" not in page.url:
        page.locator("[data-apply]").click()
    expect(page).to_have_url(re.compile(r"grade=P"))
    expect(cards).to_have_count(1)
    expect(page.locator(".filters-form input[name=grade][value=P]")).to_be_checked()

    # Open the device page on Excellent: offers grouped by grade, one featured.
    page.goto(shop_url + "/d/iphone-13/?grade=A")
    grade_cards = page.locator(".grade-card")
    expect(grade_cards).to_have_count(4)
    expect(page.locator(".grade-card[aria-current=true]")).to_contain_text("Excellent")
    panel = page.locator(".offer-panel").first
    expect(panel).to_contain_text("529,00")
    expect(panel).to_contain_text("Berlin Refurb")
    expect(page.locator("body")).to_contain_text("Lyon Refurb")

    # Another grade is one click away and shows its own featured offer.
    page.locator(".grade-card", has_text="Fair").click()
    expect(page).to_have_url(re.compile(r"grade=C"))
    expect(page.locator(".offer-panel").first).to_contain_text("439,00")
