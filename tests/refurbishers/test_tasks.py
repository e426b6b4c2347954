"""The trial's Celery tasks, in a real worker, and the decision they call."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from listings.models import Offer
from refurbishers.models import (
    Refurbisher,
    RefurbisherStatus,
    SaleDay,
    SaleSlot,
    SaleSlotStatus,
)
from refurbishers.services import (
    sale_slot_confirm,
    sale_slot_reserve,
    trial_end,
)
from refurbishers.services.sales import local_date
from refurbishers.services.trial import trial_review, trials_review
from refurbishers.tasks import sale_slots_expire, trial_caps_refresh
from refurbishers.tasks import trials_review as trials_review_task
from tests.factories import make_listing
from tests.refurbishers.builders import qa_user_make, trial_refurbisher_make

TASK_TIMEOUT = 30


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _purchasable(listing) -> set[bool]:
    return set(listing.offers.values_list("is_purchasable", flat=True))


def _trial_ended(**kwargs):
    """A trial refurbisher whose 1-day trial ended an hour ago."""
    owner, refurbisher = trial_refurbisher_make(trial_days=1, **kwargs)
    # Started a day and an hour ago: the clock is the one thing tests move.
    Refurbisher.objects.filter(pk=refurbisher.pk).update(
        trial_started_at=timezone.now() - timedelta(days=1, hours=1),
        trial_ends_at=timezone.now() - timedelta(hours=1),
    )
    refurbisher.refresh_from_db()
    return owner, refurbisher


def _confirmed_sale(refurbisher, reference: str, at: dt.datetime | None = None):
    sale_slot_reserve(refurbisher=refurbisher, reference=reference, at=at)
    return sale_slot_confirm(reference=reference)


# --- The schedule -----------------------------------------------------------------


def test_beat_runs_each_trial_task():
    schedule = {
        e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["refurbishers.tasks.sale_slots_expire"] == 60.0
    assert schedule["refurbishers.tasks.trial_caps_refresh"] == 60.0
    daily = schedule["refurbishers.tasks.trials_review"]
    assert (daily.hour, daily.minute) == ({6}, {0})
    assert schedule["listings.tasks.shop_pages_warm"] == 30.0  # kept


# --- In a real worker -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_worker_releases_an_expired_reservation(celery_worker):
    _, refurbisher = trial_refurbisher_make(daily_sales_cap=2)
    now = timezone.now()
    sale_slot_reserve(
        refurbisher=refurbisher, reference="stale", hold=timedelta(minutes=30),
        at=now - timedelta(hours=1),
    )  # fmt: skip
    sale_slot_reserve(refurbisher=refurbisher, reference="fresh")

    assert sale_slots_expire.delay().get(timeout=TASK_TIMEOUT) == 1

    statuses = dict(SaleSlot.objects.values_list("reference", "status"))
    assert statuses == {
        "stale": SaleSlotStatus.RELEASED,
        "fresh": SaleSlotStatus.RESERVED,
    }
    # An hour ago is the day before near the seller's midnight: each slot
    # counts on its own day, and only the fresh one still holds a place.
    reserved = dict(
        SaleDay.objects.filter(refurbisher=refurbisher).values_list(
            "local_date", "reserved"
        )
    )
    assert reserved[local_date(refurbisher, now)] == 1
    assert sum(reserved.values()) == 1


@pytest.mark.django_db(transaction=True)
def test_the_worker_hides_a_capped_trial_and_brings_yesterdays_back(celery_worker):
    """Yesterday's full day is over where the seller works; today's is not."""
    _, capped_yesterday = trial_refurbisher_make(
        daily_sales_cap=1, country="US", time_zone="America/New_York"
    )
    _, capped_today = trial_refurbisher_make(
        daily_sales_cap=1, country="US", time_zone="America/New_York"
    )
    back = make_listing(refurbisher=capped_yesterday)
    hidden = make_listing(refurbisher=capped_today)
    zone = zoneinfo.ZoneInfo("America/New_York")
    yesterday_noon = dt.datetime.combine(
        local_date(capped_yesterday) - timedelta(days=1), dt.time(12), tzinfo=zone
    )
    _confirmed_sale(capped_yesterday, "yesterday", at=yesterday_noon)
    _confirmed_sale(capped_today, "today")
    assert SaleDay.objects.get(refurbisher=capped_yesterday).confirmed == 1
    assert _purchasable(hidden) == {False}
    # The offers as they stood before the seller's midnight (and a stale copy
    # of today's): the task must put both right.
    Offer.objects.filter(listing=back).update(is_purchasable=False)
    Offer.objects.filter(listing=hidden).update(is_purchasable=True)

    assert trial_caps_refresh.delay().get(timeout=TASK_TIMEOUT) == 2

    assert _purchasable(back) == {True}
    assert _purchasable(hidden) == {False}


@pytest.mark.django_db(transaction=True)
def test_the_worker_graduates_a_clean_trial_and_flags_one_with_a_sale(celery_worker):
    _, clean = _trial_ended()
    _, with_sale = _trial_ended()
    _confirmed_sale(with_sale, "unreviewed")
    _, running = trial_refurbisher_make()

    outcome = trials_review_task.delay().get(timeout=TASK_TIMEOUT)

    assert outcome == {"graduated": 1, "flagged": 1}
    clean.refresh_from_db()
    assert clean.status == RefurbisherStatus.ACTIVE
    change = clean.status_changes.first()
    assert (change.actor, change.from_status, change.to_status) == (
        None,
        RefurbisherStatus.TRIAL,
        RefurbisherStatus.ACTIVE,
    )
    assert "every trial sale" in change.reason
    with_sale.refresh_from_db()
    assert with_sale.status == RefurbisherStatus.TRIAL
    assert with_sale.needs_qa_decision
    assert "not reviewed" in with_sale.qa_decision_reason
    running.refresh_from_db()
    assert (running.status, running.needs_qa_decision) == (
        RefurbisherStatus.TRIAL,
        False,
    )
    # Run again (beat and a retry): nothing is decided twice.
    assert trials_review_task.delay().get(timeout=TASK_TIMEOUT) == {
        "graduated": 0,
        "flagged": 0,
    }
    assert with_sale.status_changes.filter(reason__startswith="Flagged").count() == 1


# --- The decision, in process -------------------------------------------------------


@pytest.mark.django_db
def test_a_finished_trial_with_no_failed_or_unreviewed_sale_graduates_and_is_told(
    django_capture_on_commit_callbacks,
):
    owner, refurbisher = _trial_ended()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert trial_review(refurbisher=refurbisher) == "graduated"

    refurbisher.refresh_from_db()
    assert refurbisher.status == RefurbisherStatus.ACTIVE
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([owner.email], "ReMarket: Your trial is over: you now sell without limits")
    ]


@pytest.mark.django_db
def test_a_finished_trial_with_an_unreviewed_sale_waits_for_qa(
    django_capture_on_commit_callbacks,
):
    _, refurbisher = _trial_ended()
    listing = make_listing(refurbisher=refurbisher)
    _confirmed_sale(refurbisher, "order:1")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert trial_review(refurbisher=refurbisher) == "flagged"

    refurbisher.refresh_from_db()
    assert refurbisher.status == RefurbisherStatus.TRIAL
    assert refurbisher.needs_qa_decision
    change = refurbisher.status_changes.first()
    assert (change.actor, change.from_status, change.to_status) == (
        None,
        RefurbisherStatus.TRIAL,
        RefurbisherStatus.TRIAL,
    )
    assert change.reason.startswith("Flagged for QA: ")
    assert mail.outbox == []  # QA decides; the seller still sells under its cap
    assert _purchasable(listing) == {True}
    assert trial_review(refurbisher=refurbisher) == "not_due"


@pytest.mark.django_db
def test_a_trial_still_running_or_already_ended_is_not_reviewed():
    _, running = trial_refurbisher_make()
    _, graduated = _trial_ended()
    trial_end(refurbisher=graduated, actor=qa_user_make(), reason="Early.")

    assert trial_review(refurbisher=running) == "not_due"
    assert trial_review(refurbisher=graduated) == "not_due"
    running.refresh_from_db()
    assert (running.status, running.needs_qa_decision) == ("trial", False)


@pytest.mark.django_db
def test_the_review_goes_through_every_due_trial_in_batches():
    ended = [_trial_ended()[1] for _ in range(5)]
    _confirmed_sale(ended[2], "order:1")

    assert trials_review(batch_size=2) == {"graduated": 4, "flagged": 1}

    statuses = sorted(
        Refurbisher.objects.filter(pk__in=[r.pk for r in ended]).values_list(
            "status", flat=True
        )
    )
    assert statuses == ["active"] * 4 + ["trial"]
