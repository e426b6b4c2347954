"""The seller's performance page and the overview's metrics warning."""

from __future__ import annotations

import pytest
from django.utils import timezone

from quality.models import SellerMetrics
from quality.services.ranking import rank_scores_recompute
from tests.support.factories import RefurbisherFactory, VariantFactory, make_listing
from tests.support.refurbisher_builders import trial_refurbisher_make, user_make

pytestmark = pytest.mark.django_db
PERFORMANCE = "/seller/performance/"
OVERVIEW = "/seller/"


@pytest.fixture
def owner_and_shop():
    owner, refurbisher = trial_refurbisher_make()
    return owner, refurbisher


def metrics(refurbisher, **figures):
    return SellerMetrics.objects.create(
        refurbisher=refurbisher, day=timezone.localdate(), **figures
    )


def page(client, user, query: str = "") -> str:
    client.force_login(user)
    response = client.get(PERFORMANCE + query)
    assert response.status_code == 200
    return response.content.decode()


def test_a_listing_priced_above_the_lowest_is_told_its_price_holds_it_back(
    client, owner_and_shop
):
    owner, shop = owner_and_shop
    metrics(
        shop, sales=40, defect_rate=0.0, late_shipment_rate=0.0,
        cancellation_rate=0.0, valid_tracking_rate=1.0,
        median_first_answer_hours=1.0, median_claim_resolution_hours=24.0,
    )  # fmt: skip
    variant = VariantFactory()
    make_listing(
        refurbisher=shop, variant=variant, sku="MINE-1", warranty_months=24,
        battery_min_pct=100, prices={"FR": "440.00"},
    )  # fmt: skip
    rival = RefurbisherFactory(name="Cheaper")
    make_listing(refurbisher=rival, variant=variant, prices={"FR": "400.00"})
    rank_scores_recompute()

    html = page(client, owner)

    assert "MINE-1" in html
    assert "Your price with shipping is 10% above the lowest Excellent offer in " \
        "France" in html  # fmt: skip
    assert "Cheaper" not in html  # another seller's listing is not shown


def test_a_short_warranty_is_the_tip_when_the_device_part_is_weakest(
    client, owner_and_shop
):
    owner, shop = owner_and_shop
    metrics(
        shop, sales=400, defect_rate=0.0, late_shipment_rate=0.0,
        cancellation_rate=0.0, median_first_answer_hours=1.0,
        median_claim_resolution_hours=24.0,
    )  # fmt: skip
    make_listing(
        refurbisher=shop, sku="SHORT", grade="C", warranty_months=12,
        battery_min_pct=80, prices={"FR": "300.00"},
    )  # fmt: skip
    rank_scores_recompute()

    html = page(client, owner)

    assert "Offer a 24-month warranty (now 12 months): up to 6 more points." in html


def test_metrics_over_a_limit_are_marked_and_become_the_tip(client, owner_and_shop):
    owner, shop = owner_and_shop
    metrics(
        shop, sales=60, defect_rate=0.05, late_shipment_rate=0.01,
        cancellation_rate=0.0, valid_tracking_rate=1.0,
        thresholds_crossed=["defect_rate"],
    )  # fmt: skip
    make_listing(
        refurbisher=shop, sku="GOOD", grade="P", warranty_months=24,
        battery_min_pct=100, prices={"FR": "600.00"},
    )  # fmt: skip
    rank_scores_recompute()

    html = page(client, owner)

    assert "Over the limit: keep it under 1%" in html
    assert (
        "Cut returns for faults, claims and poor reviews: order defect rate 5% "
        "(keep it under 1%)." in html
    )


def test_listings_not_ranked_yet_say_so(client, owner_and_shop):
    owner, shop = owner_and_shop
    make_listing(refurbisher=shop, sku="NEW-1", prices={"FR": "300.00"})

    html = page(client, owner)

    assert "NEW-1" in html
    assert "Not ranked yet" in html
    assert "No figures yet" in html


def test_the_page_is_paginated_with_a_fixed_number_of_queries(
    client, owner_and_shop, django_assert_num_queries
):
    owner, shop = owner_and_shop
    metrics(shop, sales=12)
    make_listing(refurbisher=shop, sku="FIRST", prices={"FR": "300.00"})
    rank_scores_recompute()
    client.force_login(owner)
    client.get(PERFORMANCE)  # the session is cached from now on
    # The user, the membership with its refurbisher, the metrics, the count,
    # one page of listings, their offers, the metrics charts' history.
    with django_assert_num_queries(7) as few:
        assert client.get(PERFORMANCE).status_code == 200
    for number in range(24):
        make_listing(refurbisher=shop, sku=f"MORE-{number:02d}", prices={"FR": "300"})
    rank_scores_recompute()
    with django_assert_num_queries(len(few)):
        first = client.get(PERFORMANCE).content.decode()
    second = page(client, owner, "?page=2")

    assert first.count('data-label="Listing"') == 20
    assert second.count('data-label="Listing"') == 5
    assert "Page 2 of 2" in second


def test_only_members_see_the_page(client, owner_and_shop):
    response = client.get(PERFORMANCE)
    assert response.status_code == 302
    assert "/accounts/sign-in/" in response["Location"]

    client.force_login(user_make())
    assert b"apply" in client.get(PERFORMANCE).content.lower()


def test_the_overview_warns_when_a_limit_is_crossed(client, owner_and_shop):
    owner, shop = owner_and_shop
    client.force_login(owner)
    assert b"over ReMarket's limits" not in client.get(OVERVIEW).content

    metrics(
        shop, sales=30, late_shipment_rate=0.1, cancellation_rate=0.0,
        thresholds_crossed=["late_shipment_rate"],
    )  # fmt: skip
    html = client.get(OVERVIEW).content.decode()

    assert "Your seller metrics are over ReMarket's limits" in html
    assert "Late shipments: 10% over the last 90 days (keep it under 4%)" in html
    assert 'href="/seller/performance/"' in html


def test_the_overview_does_not_warn_about_figures_within_the_limits(
    client, owner_and_shop
):
    owner, shop = owner_and_shop
    metrics(shop, sales=30, late_shipment_rate=0.01, thresholds_crossed=[])
    client.force_login(owner)

    assert b"over ReMarket's limits" not in client.get(OVERVIEW).content
