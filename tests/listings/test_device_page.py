"""The device page: offers in the shopper's market grouped by grade, one featured."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import Http404

from listings.models import Offer
from listings.selectors import device_model_get, device_page
from marketplace.markets import MARKETS

pytestmark = pytest.mark.django_db


def page_for(catalog, model="iphone-13", market="FR", **kwargs):
    return device_page(
        device_model=catalog.models[model], market=MARKETS[market], **kwargs
    )


def set_rank(catalog, sku, score):
    # The ranking owns offers' scores (quality.services.ranking).
    Offer.objects.filter(listing=catalog.listings[sku]).update(rank_score=score)


def test_offers_are_grouped_by_grade_with_one_featured_per_grade(catalog):
    variant = catalog.variants["ip13-128-mid"]
    page = page_for(catalog, variant_id=variant.pk)
    by_grade = {card.code: card for card in page.grades}
    assert [card.code for card in page.grades] == ["P", "A", "B", "C"]
    assert by_grade["A"].offer_count == 2
    assert by_grade["P"].featured is None
    assert by_grade["B"].featured.price == Decimal("489.00")
    assert by_grade["C"].featured.seller_slug == "berlin"
    # Excellent: equal rank, so the cheaper offer is featured and the other follows.
    assert by_grade["A"].featured.price == Decimal("529.00")
    assert [line.price for line in by_grade["A"].others] == [Decimal("549.00")]


def test_the_highest_rank_wins_the_featured_place_over_a_lower_price(catalog):
    set_rank(catalog, "L1", 80.0)
    set_rank(catalog, "L2", 40.0)
    page = page_for(catalog, variant_id=catalog.variants["ip13-128-mid"].pk, grade="A")
    assert page.featured.price == Decimal("549.00")
    assert page.featured.seller_slug == "lyon"
    assert "24-month warranty" in page.featured.why_featured
    assert [line.price for line in page.others] == [Decimal("529.00")]


def test_saving_against_new_is_shown_per_offer(catalog):
    page = page_for(catalog, variant_id=catalog.variants["ip13-128-mid"].pk, grade="C")
    assert page.new_price == Decimal("909.00")
    assert page.featured.saving_amount == Decimal("470.00")
    assert page.featured.saving_pct == 52


def test_only_the_markets_offers_are_listed(catalog):
    us = page_for(catalog, market="US", variant_id=catalog.variants["ip13-128-mid"].pk)
    offers = [line for card in us.grades for line in [card.featured, *card.others]]
    sellers = {line.seller_slug for line in offers if line}
    assert sellers == {"texas"}
    assert us.currency == "USD"
    assert us.featured.price == Decimal("479.00")


def test_an_empty_market_says_so(catalog):
    page = page_for(catalog, market="ES")
    assert page.has_offers is False
    assert page.featured is None
    assert all(card.offer_count == 0 for card in page.grades)


def test_without_a_variant_the_cheapest_available_one_is_chosen(catalog):
    page = page_for(catalog)
    assert page.selected_variant == catalog.variants["ip13-128-mid"]
    labels = {group.label for group in page.option_groups}
    assert labels == {"Storage", "Colour"}
    storage = next(g for g in page.option_groups if g.label == "Storage")
    # The 256 GB chip keeps the colour (Midnight).
    chip = next(c for c in storage.choices if c.label == "256 GB")
    assert chip.variant_id == catalog.variants["ip13-256-mid"].pk


def test_a_variant_of_another_model_or_a_junk_grade_is_ignored(catalog):
    page = page_for(catalog, variant_id=catalog.variants["s21-128-grey"].pk, grade="Z")
    assert page.selected_variant.device_model == catalog.models["iphone-13"]
    assert page.selected_grade in {"P", "A", "B", "C"}


def test_unknown_device_is_a_404(catalog):
    with pytest.raises(Http404):
        device_model_get(slug="nokia-3310")
    assert device_model_get(slug="iphone-13").brand.name == "Apple"


def test_device_page_costs_a_fixed_number_of_queries(
    catalog, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        page_for(catalog)
