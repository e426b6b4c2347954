"""The demo's seller tools: the printed API key works, a model request waits,
and the sellers' charts have ninety days of scorecards to draw."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from demo.onboarding import ACTIVE_SELLER
from demo.seed import demo_seed, scorecards_history_seed
from demo.seller_tools import DEMO_API_KEY, demo_seller_tools_seed
from listings.models import DeviceModelRequest, DeviceModelRequestStatus
from quality.models import SellerMetrics
from refurbishers.models import ApiToken, Refurbisher

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_printed_key_lists_the_active_sellers_listings_and_a_rerun_adds_nothing():
    demo_seed(listings=60)
    active = Refurbisher.objects.get(memberships__user__username=ACTIVE_SELLER)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {DEMO_API_KEY}")

    me = client.get("/api/v1/seller/me/")
    listings = client.get("/api/v1/seller/listings/", {"page_size": 200})

    assert me.status_code == 200, me.content
    assert me.json()["slug"] == active.slug
    assert listings.status_code == 200
    assert listings.json()["count"] == active.listings.count() > 0
    request = DeviceModelRequest.objects.get(refurbisher=active)
    assert request.status == DeviceModelRequestStatus.OPEN
    assert demo_seller_tools_seed().written == 0
    assert ApiToken.objects.filter(refurbisher=active).count() == 1


def test_the_demo_sellers_have_ninety_days_of_scorecards_for_their_charts():
    demo_seed(listings=60)
    active = Refurbisher.objects.get(memberships__user__username=ACTIVE_SELLER)
    days = SellerMetrics.objects.filter(refurbisher=active).values_list(
        "day", flat=True
    )

    assert len(days) == 90
    assert max(days) == timezone.localdate()
    # The active seller's demo orders started 45 days ago: its figures move.
    rates = SellerMetrics.objects.filter(refurbisher=active, sales__gt=0)
    assert rates.values("defect_rate").distinct().count() > 1
    assert scorecards_history_seed() == 0
