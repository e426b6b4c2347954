"""Seller metrics from crafted histories, against figures computed by hand.

The histories are written as rows with their dates in the past (the services
that make them are tested in tests/orders); what is tested here is the SQL
that turns them into each refurbisher's scorecard.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from orders.models import (
    Carrier,
    SellerOrder,
    SellerOrderStatus,
)
from orders.tracking import FORMATS, tracking_format_error
from quality.models import SellerMetrics, TrialSaleReview
from quality.services.metrics import seller_metrics_compute, tracking_sql_patterns
from quality.tasks import seller_metrics_compute as seller_metrics_task
from refurbishers.models import Refurbisher, RefurbisherStatusChange
from tests.support.factories import RefurbisherFactory
from tests.support.history import History
from tests.support.refurbisher_builders import trial_refurbisher_make

S = SellerOrderStatus
TASK_TIMEOUT = 60


def crafted(refurbisher: Refurbisher) -> dict[str, SellerOrder]:
    """Twelve sales in the window and what followed (see the test's sums)."""
    h = History(refurbisher)
    so = {
        "fine": h.sale(paid=20),
        "late": h.sale(paid=30, ship_within=60),
        "returned": h.sale(paid=40),
        "claimed": h.sale(paid=50),
        "two_stars": h.sale(paid=10),
        "hidden_one_star": h.sale(paid=11),
        "seller_cancelled": h.sale(
            paid=12, status=S.CANCELLED, ship_within=None, cancelled_by_seller=True
        ),
        "shopper_cancelled": h.sale(paid=13, status=S.CANCELLED, ship_within=None),
        "bad_tracking": h.sale(
            paid=14, status=S.SHIPPED, carrier=Carrier.UPS, tracking="12345"
        ),
        "not_due": h.sale(paid=0.5, status=S.ACCEPTED, ship_within=None),
        "flagged_late": h.sale(paid=5, status=S.PAID, ship_within=None, late=True),
        "changed_mind": h.sale(paid=60),
        # Not sales of the window: paid before it, or never paid.
        "old": h.sale(paid=100),
        "void": h.sale(paid=3, status=S.VOID, ship_within=None),
    }
    h.fault_return(so["returned"])
    h.fault_return(so["changed_mind"], at_fault=False)
    h.fault_return(so["fine"], status="withdrawn")
    h.claim(so["claimed"], filed=20, settled_after=48)
    # A claim filed in the window on an order paid before it: its time counts.
    h.claim(so["old"], filed=30, settled_after=96, qa=True)
    h.review(so["two_stars"], 2)
    h.review(so["hidden_one_star"], 1, hidden=True)
    h.review(so["fine"], 5)
    h.review(so["late"], 4)
    now = timezone.now()
    sent = now - dt.timedelta(days=10)
    h.message(so["fine"], sent=sent, answered=sent + dt.timedelta(hours=2))
    h.message(
        so["fine"], sent=sent + dt.timedelta(hours=1),
        answered=sent + dt.timedelta(hours=2),
    )  # fmt: skip
    h.message(so["late"], sent=sent, answered=sent + dt.timedelta(hours=10))
    h.message(so["returned"], sent=now - dt.timedelta(hours=48), answered=None)
    h.message(so["old"], sent=now - dt.timedelta(days=100), answered=None)
    for key, verdict in [
        ("fine", "passed"), ("late", "failed"), ("returned", "pending"),
        ("claimed", "passed"),
    ]:  # fmt: skip
        TrialSaleReview.objects.create(
            seller_order=so[key], refurbisher=refurbisher, verdict=verdict
        )
    return so


@pytest.fixture
def atelier():
    return RefurbisherFactory(name="Atelier", slug="atelier")


@pytest.mark.django_db
def test_every_figure_matches_the_hand_computed_value(atelier):
    crafted(atelier)
    quiet = RefurbisherFactory(name="Quiet")  # sells, nothing measured yet

    report = seller_metrics_compute()

    m = SellerMetrics.objects.get(refurbisher=atelier, day=timezone.localdate())
    # 12 sales: paid in the window, not void; the 100-day-old one is out.
    assert m.sales == 12
    assert m.window_days == 90
    # Defects: a seller-fault return, a claim, a visible 2-star review (not the
    # changed-mind return, the withdrawn one, or the hidden 1-star review).
    assert m.defect_rate == pytest.approx(3 / 12)
    # Judged on shipping: 8 shipped + 1 flagged unshipped; late: shipped after
    # its ship-by time, and the flagged one. The one still in time is not judged.
    assert m.late_shipment_rate == pytest.approx(2 / 9)
    assert m.cancellation_rate == pytest.approx(1 / 12)
    # 8 shipped, one UPS number that is not a UPS number.
    assert m.valid_tracking_rate == pytest.approx(7 / 8)
    # Shopper messages in the window: 2 h, 1 h, 10 h, and 48 h waiting so far.
    assert m.median_first_answer_hours == pytest.approx((2 + 10) / 2, abs=0.01)
    # Claims filed in the window: accepted after 48 h, decided by QA after 96 h.
    assert m.median_claim_resolution_hours == pytest.approx((48 + 96) / 2)
    assert m.rating_average == pytest.approx((2 + 5 + 4) / 3)
    assert m.rating_count == 3
    # Trial reviews: 2 passed, 1 failed, 1 pending (not decided).
    assert m.trial_pass_rate == pytest.approx(2 / 3)
    # 12 sales reach the 10 needed for defects and cancellations; 9 judged on
    # shipping and 8 shipped do not, so those rates are not judged yet.
    assert m.thresholds_crossed == ["defect_rate", "cancellation_rate"]

    nothing = SellerMetrics.objects.get(refurbisher=quiet)
    assert nothing.sales == 0
    for rate in (
        "defect_rate", "late_shipment_rate", "cancellation_rate",
        "valid_tracking_rate", "median_first_answer_hours",
        "median_claim_resolution_hours", "rating_average", "trial_pass_rate",
    ):  # fmt: skip
        assert getattr(nothing, rate) is None, rate
    assert nothing.thresholds_crossed == []
    assert report.refurbishers == 2
    assert report.written == 2
    assert report.flagged == 1


@pytest.mark.django_db
def test_a_past_day_is_measured_as_it_was(atelier):
    history = History(atelier)
    early = history.sale(paid=40)
    history.sale(paid=20)
    history.review(early, 1, days=10)

    day = timezone.localdate() - dt.timedelta(days=30)
    seller_metrics_compute(day=day)

    m = SellerMetrics.objects.get(refurbisher=atelier, day=day)
    # Thirty days ago only the first sale was paid, and its review not written.
    assert m.sales == 1
    assert m.defect_rate == 0
    assert m.rating_count == 0


@pytest.mark.django_db
def test_a_crossed_limit_flags_the_refurbisher_for_qa_once(atelier):
    crafted(atelier)

    seller_metrics_compute()

    atelier.refresh_from_db()
    assert atelier.needs_qa_decision is True
    assert "order defect rate 25% (limit: under 1%)" in atelier.qa_decision_reason
    assert "seller cancellations 8.3% (limit: under 2.5%)" in (
        atelier.qa_decision_reason
    )
    audit = RefurbisherStatusChange.objects.get(refurbisher=atelier)
    assert audit.actor is None
    assert audit.from_status == audit.to_status == "active"
    assert audit.reason.startswith("Flagged for QA: Seller metrics over the limits")

    # The same day again, then the next day: nothing new, nobody flagged again.
    again = seller_metrics_compute()
    tomorrow = seller_metrics_compute(day=timezone.localdate() + dt.timedelta(1))
    assert again.flagged == tomorrow.flagged == 0
    assert RefurbisherStatusChange.objects.filter(refurbisher=atelier).count() == 1


@pytest.mark.django_db
def test_a_trial_refurbisher_is_flagged_too():
    _, trial = trial_refurbisher_make()
    history = History(trial)
    for days in range(1, 11):
        history.sale(paid=days, status=S.CANCELLED, ship_within=None,
                     cancelled_by_seller=days <= 2)  # fmt: skip

    report = seller_metrics_compute()

    trial.refresh_from_db()
    assert report.flagged == 1
    assert trial.needs_qa_decision is True
    assert "seller cancellations 20%" in trial.qa_decision_reason
    assert trial.status_changes.filter(reason__startswith="Flagged for QA").exists()


@pytest.mark.django_db
def test_one_bad_order_of_a_new_seller_does_not_trip_a_limit(atelier):
    history = History(atelier)
    bad = history.sale(paid=3, ship_within=70, carrier=Carrier.UPS, tracking="X1")
    history.review(bad, 1)

    seller_metrics_compute()

    m = SellerMetrics.objects.get(refurbisher=atelier)
    assert (m.defect_rate, m.late_shipment_rate, m.valid_tracking_rate) == (1, 1, 0)
    assert m.thresholds_crossed == []
    atelier.refresh_from_db()
    assert atelier.needs_qa_decision is False


@pytest.mark.django_db
def test_limits_are_judged_from_the_minimum_number_of_orders(atelier, settings):
    history = History(atelier)
    for days in range(1, 11):
        history.sale(paid=days + 5, ship_within=60 if days == 1 else 10)

    settings.SELLER_METRICS_MIN_ORDERS = 11
    seller_metrics_compute()
    assert SellerMetrics.objects.get(refurbisher=atelier).thresholds_crossed == []

    settings.SELLER_METRICS_MIN_ORDERS = 10
    seller_metrics_compute()
    m = SellerMetrics.objects.get(refurbisher=atelier)
    assert m.late_shipment_rate == pytest.approx(0.1)
    assert m.thresholds_crossed == ["late_shipment_rate"]


@pytest.mark.django_db
def test_the_computation_is_idempotent(atelier):
    crafted(atelier)
    first = seller_metrics_compute()
    row = SellerMetrics.objects.values().get(refurbisher=atelier)

    second = seller_metrics_compute()

    assert first.written == 1
    assert second.written == 0
    assert SellerMetrics.objects.values().get(refurbisher=atelier) == row
    assert SellerMetrics.objects.count() == 1


@pytest.mark.django_db
def test_metrics_are_computed_with_a_fixed_number_of_statements(
    atelier, django_assert_max_num_queries
):
    crafted(atelier)
    for _ in range(5):
        crafted(RefurbisherFactory())
    # The temporary table, the newly crossed limits, the upsert (with their
    # savepoint), then per flagged refurbisher its savepoint, lock, read, save
    # and audit row: per refurbisher crossing a limit, never per order.
    with django_assert_max_num_queries(8 + 6 * 6):
        report = seller_metrics_compute()
    assert report.flagged == 6


@pytest.mark.parametrize(
    ("carrier", "samples"),
    [
        (Carrier.UPS, ["1Z999AA10123456784", "1Z999AA1012345678", "1Z99"]),
        (Carrier.USPS, ["9400111899223197428490", "EA123456789US", "EA123456789FR"]),
        (Carrier.FEDEX, ["123456789012", "123456789012345", "1234567890123"]),
        (Carrier.COLISSIMO, ["6A12345678901", "LA123456789FR", "6A1234567890"]),
        (Carrier.DHL, ["1234567890", "123456789", "12345678901"]),
        (Carrier.CHRONOPOST, ["XY123456789FR", "XY123456789US"]),
        (Carrier.DPD, ["AB12CD", "AB12C", "X" * 41]),
        (Carrier.OTHER, ["ABC123456", "ab"]),
    ],
)
@pytest.mark.django_db
def test_the_sql_tracking_formats_agree_with_orders_tracking(carrier, samples):
    patterns = tracking_sql_patterns()
    pattern = patterns.get(carrier, patterns[""])
    assert carrier in FORMATS or pattern == patterns[""]
    with connection.cursor() as cursor:
        for sample in samples:
            cursor.execute("SELECT %s ~ %s", [sample, pattern])
            in_sql = cursor.fetchone()[0]
            in_python = not tracking_format_error(
                carrier=carrier, carrier_name="Other", number=sample
            )
            assert in_sql == in_python, (carrier, sample)


@pytest.mark.django_db(transaction=True)
def test_the_daily_task_computes_the_metrics_in_the_worker(celery_worker, atelier):
    crafted(atelier)

    result = seller_metrics_task.delay().get(timeout=TASK_TIMEOUT)

    assert result["refurbishers"] == 1
    assert result["flagged"] == 1
    m = SellerMetrics.objects.get(refurbisher=atelier)
    assert m.defect_rate == pytest.approx(3 / 12)
    assert seller_metrics_task.delay().get(timeout=TASK_TIMEOUT)["written"] == 0
