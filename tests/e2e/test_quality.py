"""Quality in Chromium: the featured offer with its reason, the seller's scorecard."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from quality.models import SellerMetrics
from quality.services.ranking import rank_scores_recompute
from tests.support.catalog import build_catalog

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop_url_with_ranked_sellers(live_server):
    catalog = build_catalog()
    today = timezone.localdate()
    SellerMetrics.objects.create(
        refurbisher=catalog.sellers["lyon"], day=today, sales=120,
        defect_rate=0.005, late_shipment_rate=0.02, cancellation_rate=0.0,
        valid_tracking_rate=1.0, median_first_answer_hours=2.6,
        median_claim_resolution_hours=30.0,
    )  # fmt: skip
    SellerMetrics.objects.create(
        refurbisher=catalog.sellers["berlin"], day=today, sales=80,
        defect_rate=0.06, late_shipment_rate=0.09, cancellation_rate=0.03,
        valid_tracking_rate=0.97, median_first_answer_hours=40.0,
        median_claim_resolution_hours=300.0,
    )  # fmt: skip
    rank_scores_recompute()
    return live_server.url


def test_the_featured_offer_says_why_and_its_seller_shows_a_scorecard(
    shop_url_with_ranked_sellers, page
):
    page.context.add_cookies(
        [{"name": "market", "value": "FR", "url": shop_url_with_ranked_sellers}]
    )

    # Excellent iPhone 13: Berlin is cheaper, Lyon sells and serves better.
    page.goto(shop_url_with_ranked_sellers + "/d/iphone-13/?grade=A")
    panel = page.locator(".offer-panel").first
    expect(panel).to_contain_text("549,00")
    expect(panel).to_contain_text("Lyon Refurb")
    expect(panel.locator(".why-featured")).to_have_text(
        "Why this offer first: Highest-rated seller (4.8/5), fast customer "
        "service, 24-month warranty."
    )
    expect(page.locator("body")).to_contain_text("529,00")

    # The seller's name leads to its public page and scorecard.
    panel.get_by_role("link", name=re.compile("Lyon Refurb")).click()
    expect(page).to_have_url(re.compile(r"/sellers/lyon/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lyon Refurb")
    scorecard = page.locator(".scorecard")
    expect(scorecard).to_contain_text("Ships on time")
    expect(scorecard).to_contain_text("98% of orders")
    expect(scorecard).to_contain_text("Answers messages")
    expect(scorecard).to_contain_text("in about 3 hours")
    expect(page.locator(".seller-public")).to_contain_text("from 120 sales")


def test_the_seller_page_fits_a_phone(shop_url_with_ranked_sellers, page):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(shop_url_with_ranked_sellers + "/sellers/berlin/")

    expect(page.locator(".scorecard")).to_contain_text("Ships on time")
    expect(page.locator(".scorecard")).to_contain_text("91% of orders")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
