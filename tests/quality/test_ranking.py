"""The ranking: quality and service first, price between equals, and the recompute.

Seller metrics are written as rows here (they are the ranking's inputs; how
they are computed is tests/quality/test_metrics.py's business).
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from listings.models import Offer
from listings.rank_weights import Weights
from listings.selectors import device_page
from listings.services import (
    MarketPrice,
    catalog_version,
    listing_stock_set,
    listing_update,
    offers_refresh,
)
from marketplace.celery import app
from marketplace.markets import MARKETS
from quality.models import SellerMetrics
from quality.services.ranking import (
    SOON_KEY,
    rank_recompute_soon,
    rank_scores_recompute,
)
from refurbishers.models import RefurbisherStatus, SaleDay
from refurbishers.services import refurbisher_suspend
from tests.support.factories import RefurbisherFactory, VariantFactory, make_listing
from tests.support.refurbisher_builders import qa_user_make

FR = MARKETS["FR"]


def seller(name: str, *, rating=None, reviews=0, status=RefurbisherStatus.ACTIVE):
    return RefurbisherFactory(
        name=name, slug=name.lower(), country="FR", ships_to=["FR"], status=status,
        rating_average=Decimal(rating) if rating else None, rating_count=reviews,
    )  # fmt: skip


def metrics(refurbisher, **figures):
    return SellerMetrics.objects.create(
        refurbisher=refurbisher, day=timezone.localdate(), **figures
    )


def listing(refurbisher, variant, *, price, grade="A", battery=85, warranty=12):
    return make_listing(
        refurbisher=refurbisher, variant=variant, grade=grade,
        battery_min_pct=battery, warranty_months=warranty, prices={"FR": price},
    )  # fmt: skip


def offer(listing_) -> Offer:
    return Offer.objects.get(listing=listing_, market="FR")


def page(variant, grade=None):
    return device_page(
        device_model=variant.device_model, market=FR, variant_id=variant.pk,
        grade=grade,
    )  # fmt: skip


@pytest.fixture
def good_and_bad():
    """A well-rated, punctual seller and one with many claims and late parcels."""
    good = seller("Good", rating="4.80", reviews=45)
    metrics(
        good, sales=30, defect_rate=0.0, late_shipment_rate=0.0,
        cancellation_rate=0.0, valid_tracking_rate=1.0,
        median_first_answer_hours=1.5,
    )  # fmt: skip
    bad = seller("Claims", rating="3.20", reviews=20)
    metrics(
        bad, sales=40, defect_rate=0.2, late_shipment_rate=0.1,
        cancellation_rate=0.05, valid_tracking_rate=1.0,
        median_first_answer_hours=30.0, median_claim_resolution_hours=400.0,
    )  # fmt: skip
    return good, bad


@pytest.mark.django_db
def test_a_well_rated_excellent_offer_with_long_warranty_beats_a_cheaper_fair_one(
    good_and_bad,
):
    good, bad = good_and_bad
    variant = VariantFactory()
    excellent = listing(
        good, variant, price="459.00", grade="A", battery=90, warranty=24
    )
    fair = listing(bad, variant, price="299.00", grade="C", battery=80, warranty=12)

    rank_scores_recompute()

    assert offer(excellent).rank_score > offer(fair).rank_score + 20
    # The device page opens on the grade of the best-ranked offer.
    shown = page(variant)
    assert shown.selected_grade == "A"
    assert shown.featured.seller_slug == "good"


@pytest.mark.django_db
def test_the_parts_are_stored_as_computed_by_hand(good_and_bad):
    good, _ = good_and_bad
    excellent = listing(
        good, VariantFactory(), price="459.00", grade="A", battery=90, warranty=24
    )

    rank_scores_recompute()

    scored = offer(excellent)
    # Device: grade A 0.8 x 0.6 + battery (90-80)/20 x 0.2 + 12 extra months x 0.2.
    assert scored.score_device == pytest.approx(0.78)
    # Seller: rating smoothed (4.8 x 45 + 4 x 5) / 50 = 4.72 -> 0.86, x 0.35;
    # defects, lateness, cancellations none on 30 sales, pulled towards 0.5 by
    # the 10 orders needed: (0.5 x 10 + 30) / 40 = 0.875, x 0.65; 0.86975
    # stored to the nearest step of 0.05.
    assert scored.score_seller == 0.85
    # Service: answers in 1.5 h (full marks), no claims (neutral 0.5).
    assert scored.score_service == pytest.approx(0.6 * 1.0 + 0.4 * 0.5)
    # Price: alone in its grade, so the cheapest.
    assert scored.score_price == 1.0
    weights = Weights.from_settings()
    expected = sum(
        weights.points(part) * getattr(scored, f"score_{part}")
        for part in ("device", "seller", "service", "price")
    )
    assert scored.rank_score == pytest.approx(expected, abs=0.01)
    assert scored.rank_score == pytest.approx(85.9)


@pytest.mark.django_db
def test_price_decides_between_otherwise_equal_offers():
    first, second = seller("First"), seller("Second")
    variant = VariantFactory()
    dearer = listing(first, variant, price="420.00")
    cheaper = listing(second, variant, price="400.00")

    rank_scores_recompute()

    assert offer(cheaper).score_price == 1.0
    # 5% above the cheapest: a quarter of the way to 25%, so 0.8.
    assert offer(dearer).score_price == pytest.approx(0.8)
    assert offer(cheaper).score_device == offer(dearer).score_device
    assert offer(cheaper).score_seller == offer(dearer).score_seller
    assert offer(cheaper).rank_score > offer(dearer).rank_score
    featured = page(variant, "A").featured
    assert featured.offer_id == offer(cheaper).pk
    assert "lowest price in this condition" in featured.why_featured.lower()


@pytest.mark.django_db
def test_the_why_line_names_what_put_the_offer_first(good_and_bad):
    good, bad = good_and_bad
    variant = VariantFactory()
    listing(good, variant, price="479.00", grade="A", battery=90, warranty=24)
    listing(bad, variant, price="449.00", grade="A", battery=85, warranty=12)

    rank_scores_recompute()

    featured = page(variant, "A").featured
    assert featured.seller_slug == "good"
    # Largest advantage first (in points): seller, service, then the device.
    assert featured.why_featured == (
        "Highest-rated seller (4.8/5), fast customer service, 24-month warranty"
    )


@pytest.mark.django_db
def test_the_why_line_of_an_offer_alone_in_its_grade_names_its_strengths(
    good_and_bad,
):
    good, _ = good_and_bad
    variant = VariantFactory()
    listing(good, variant, price="479.00", grade="A", battery=90, warranty=24)

    rank_scores_recompute()

    assert page(variant, "A").featured.why_featured == (
        "Highly rated seller (4.8/5), 24-month warranty, battery 90%+"
    )


@pytest.mark.django_db
def test_a_price_part_compares_with_purchasable_offers_only():
    first, second = seller("First"), seller("Second")
    variant = VariantFactory()
    dearer = listing(first, variant, price="500.00")
    sold_out = listing(second, variant, price="400.00")
    listing_stock_set(listing=sold_out, stock=0)

    rank_scores_recompute()

    assert offer(dearer).score_price == 1.0


@pytest.mark.django_db
def test_a_suspended_sellers_offer_is_never_featured(
    good_and_bad, django_capture_on_commit_callbacks
):
    good, bad = good_and_bad
    variant = VariantFactory()
    best = listing(good, variant, price="459.00", battery=95, warranty=24)
    other = listing(bad, variant, price="469.00")
    rank_scores_recompute()
    assert page(variant, "A").featured.offer_id == offer(best).pk

    with django_capture_on_commit_callbacks(execute=True):
        refurbisher_suspend(refurbisher=good, actor=qa_user_make(), reason="Fraud")
        rank_scores_recompute()

    # Its score may stay high; it is simply not for sale.
    assert offer(best).rank_score > offer(other).rank_score
    shown = page(variant, "A")
    assert shown.featured.offer_id == offer(other).pk
    assert offer(best).pk not in {line.offer_id for line in shown.others}


@pytest.mark.django_db
def test_a_capped_trial_sellers_offer_is_never_featured(
    django_capture_on_commit_callbacks,
):
    trial = seller("Trial", rating="5.00", reviews=200, status="trial")
    trial.time_zone = "Europe/Paris"
    trial.save()
    active = seller("Active")
    variant = VariantFactory()
    capped = listing(trial, variant, price="300.00", battery=100, warranty=36)
    other = listing(active, variant, price="500.00")
    rank_scores_recompute()
    assert page(variant, "A").featured.offer_id == offer(capped).pk

    today = timezone.localtime(timezone=ZoneInfo(trial.time_zone)).date()
    SaleDay.objects.create(refurbisher=trial, local_date=today, cap=1, confirmed=1)
    with django_capture_on_commit_callbacks(execute=True):
        offers_refresh(refurbisher_ids=[trial.pk])

    shown = page(variant, "A")
    assert shown.featured.offer_id == offer(other).pk
    assert shown.others == []


@pytest.mark.django_db
def test_the_recompute_is_idempotent_and_bumps_the_catalog_only_on_change(
    good_and_bad, django_capture_on_commit_callbacks
):
    good, bad = good_and_bad
    variant = VariantFactory()
    listing(good, variant, price="459.00")
    listing(bad, variant, price="449.00", grade="C")

    with django_capture_on_commit_callbacks(execute=True):
        first = rank_scores_recompute()
    version = catalog_version()
    scores = dict(Offer.objects.values_list("pk", "rank_score"))
    with django_capture_on_commit_callbacks(execute=True):
        second = rank_scores_recompute()

    assert first.offers_written == 2
    assert second.offers_written == 0
    assert dict(Offer.objects.values_list("pk", "rank_score")) == scores
    assert catalog_version() == version


@pytest.mark.django_db
def test_offers_refresh_leaves_the_rank_score_to_the_ranking(good_and_bad):
    good, _ = good_and_bad
    item = listing(good, VariantFactory(), price="459.00")
    rank_scores_recompute()
    before = offer(item)

    listing_stock_set(listing=item, stock=2)
    offers_refresh()

    after = offer(item)
    assert after.rank_score == before.rank_score > 0
    assert after.score_seller == before.score_seller


@pytest.mark.django_db
def test_only_changed_offers_are_written_in_chunks(good_and_bad):
    good, bad = good_and_bad
    variant = VariantFactory()
    listings = [listing(good, variant, price=f"{400 + n}.00") for n in range(5)]
    listing(bad, VariantFactory(), price="300.00")
    assert rank_scores_recompute(chunk=2).offers_written == 6

    # A new rating for one seller changes its offers only.
    SellerMetrics.objects.filter(refurbisher=good).update(late_shipment_rate=0.03)
    report = rank_scores_recompute(chunk=2)

    assert report.offers_written == len(listings)
    assert report.chunks == 3


def test_quality_and_service_weigh_more_than_price():
    weights = Weights.from_settings()
    assert weights.device + weights.seller + weights.service > weights.price
    assert sum(weights.points(p) for p in ("device", "seller", "service", "price"))


@pytest.mark.django_db(transaction=True)
def test_two_recomputes_at_once_write_each_offer_once(good_and_bad):
    good, bad = good_and_bad
    variant = VariantFactory()
    for n in range(30):
        listing(good if n % 2 else bad, variant, price=f"{400 + n}.00")
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def run():
        try:
            barrier.wait(timeout=20)
            reports.append(rank_scores_recompute(chunk=7))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(r.offers_written for r in reports) == [0, 30]
    assert rank_scores_recompute().offers_written == 0
    assert not Offer.objects.filter(score_device__isnull=True).exists()


@pytest.mark.django_db
def test_a_stock_change_asks_for_a_recompute_and_a_quiet_refresh_does_not(
    good_and_bad, settings, django_capture_on_commit_callbacks
):
    good, _ = good_and_bad
    sold = listing(good, VariantFactory(), price="459.00")
    settings.RANK_RECOMPUTE_ON_CHANGE = True
    # Scheduled, the recompute must not run in the worker during a later test.
    settings.RANK_RECOMPUTE_DELAY_SECONDS = 3600
    cache.delete(SOON_KEY)

    with django_capture_on_commit_callbacks(execute=True):
        assert offers_refresh(listing_ids=[sold.pk]) == 0
    assert cache.get(SOON_KEY) is None

    with django_capture_on_commit_callbacks(execute=True):
        listing_stock_set(listing=sold, stock=0)  # off sale: the floor moves
    assert cache.get(SOON_KEY) == "1"
    cache.delete(SOON_KEY)


@pytest.mark.django_db
def test_a_price_change_alone_asks_for_a_recompute(
    good_and_bad, settings, django_capture_on_commit_callbacks
):
    """A price is no copy offers_refresh writes, but it moves the price floor."""
    good, _ = good_and_bad
    sold = listing(good, VariantFactory(), price="459.00")
    settings.RANK_RECOMPUTE_ON_CHANGE = True
    settings.RANK_RECOMPUTE_DELAY_SECONDS = 3600
    cache.delete(SOON_KEY)

    with django_capture_on_commit_callbacks(execute=True):
        listing_update(listing=sold, prices={"FR": MarketPrice(Decimal("449.00"))})

    assert cache.get(SOON_KEY) == "1"
    cache.delete(SOON_KEY)


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_events_triggers_one_recompute(
    celery_worker, good_and_bad, settings
):
    good, bad = good_and_bad
    variant = VariantFactory()
    first = listing(good, variant, price="459.00")
    listing(bad, variant, price="449.00")
    settings.RANK_RECOMPUTE_ON_CHANGE = True
    settings.RANK_RECOMPUTE_DELAY_SECONDS = 3
    inspector = app.control.inspect(destination=[celery_worker], timeout=2)

    def scheduled_recomputes() -> set[str]:
        scheduled = (inspector.scheduled() or {}).get(celery_worker, [])
        return {
            entry["request"]["id"]
            for entry in scheduled
            if entry["request"]["name"] == "quality.tasks.rank_scores_recompute"
        }

    # Recomputes earlier tests of the session asked for are not this test's.
    earlier = scheduled_recomputes()
    if earlier:
        app.control.revoke(list(earlier))

    for _ in range(25):
        rank_recompute_soon()  # no transaction open: each schedules at once

    assert cache.get(SOON_KEY) == "1"
    # The worker lists the task once its message reached it: wait for that.
    deadline = time.monotonic() + 15
    while not scheduled_recomputes() - earlier and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(scheduled_recomputes() - earlier) == 1

    deadline = time.monotonic() + 30
    while offer(first).score_device is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert offer(first).score_device is not None
    assert not Offer.objects.filter(score_device__isnull=True).exists()
    # The task cleared the flag as it started: the next event schedules again.
    assert cache.get(SOON_KEY) is None
    assert scheduled_recomputes() - earlier == set()


@pytest.mark.django_db
def test_the_demo_seed_leaves_every_offer_ranked():
    from demo.seed import demo_seed

    demo_seed(listings=60)

    assert Offer.objects.exists()
    assert not Offer.objects.filter(score_device__isnull=True).exists()
    assert rank_scores_recompute().offers_written == 0
