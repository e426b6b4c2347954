"""Events between apps: every event a lower app declares is heard by the app above
it and listed in the README, and the question refurbishers asks is answered.

What each event does is tested where it matters (see the README's "Events
between apps"): a stock or price change asks for a rank recompute
(tests/quality/test_ranking.py), a paid trial sale opens its QA review
(tests/quality/test_trial_reviews.py, TestOpening), a suspension or a full
sale day takes offers off the site (tests/refurbishers/test_admin.py,
test_sales.py, test_tasks.py), a passed trial graduates
(tests/quality/test_trial_reviews.py, TestGraduation).
"""

from __future__ import annotations

import importlib
import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.dispatch import Signal
from django.utils import timezone

from quality.selectors import trial_sales_all_passed
from refurbishers import events as refurbisher_events
from refurbishers.models import Refurbisher, RefurbisherStatus
from refurbishers.services.trial import FLAGGED, GRADUATED, trial_review
from tests.support.refurbisher_builders import trial_refurbisher_make

README = Path(__file__).resolve().parent.parent / "README.md"


def declared_events() -> dict[str, Signal]:
    """Every signal in an app's ``events`` module, by its dotted name."""
    found = {}
    for config in apps.get_app_configs():
        name = f"{config.name}.events"
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        for attribute, value in vars(module).items():
            if isinstance(value, Signal):
                found[f"{name}.{attribute}"] = value
    return found


def test_every_declared_event_is_heard():
    events = declared_events()

    assert set(events) >= {
        "listings.events.offers_changed",
        "orders.events.seller_order_paid",
        "refurbishers.events.selling_changed",
    }
    unheard = [name for name, signal in events.items() if not signal.has_listeners()]
    assert unheard == []


def test_every_event_is_listed_in_the_readme():
    text = README.read_text()
    section = text[text.index("### Events between apps") :]
    section = section[: section.index("\n## ")]

    missing = [name for name in declared_events() if f"`{name}`" not in section]
    assert missing == []
    assert "`refurbishers.events.trial_may_graduate`" in section


def test_quality_answers_whether_a_trial_may_graduate():
    assert trial_sales_all_passed in refurbisher_events._trial_graduation_checks


@pytest.mark.django_db
def test_a_finished_trial_graduates_only_with_quality_s_answer(monkeypatch):
    """With no check registered a trial never graduates by itself: QA decides."""

    def finished_trial() -> Refurbisher:
        _, refurbisher = trial_refurbisher_make()  # no sale: nothing left to pass
        Refurbisher.objects.filter(pk=refurbisher.pk).update(
            trial_started_at=timezone.now() - timedelta(days=40),
            trial_ends_at=timezone.now() - timedelta(hours=1),
        )
        return refurbisher

    answered, unanswered = finished_trial(), finished_trial()
    assert trial_review(refurbisher=answered) == GRADUATED

    monkeypatch.setattr(refurbisher_events, "_trial_graduation_checks", [])
    assert trial_review(refurbisher=unanswered) == FLAGGED
    assert Refurbisher.objects.values_list("status", "needs_qa_decision").get(
        pk=unanswered.pk
    ) == (RefurbisherStatus.TRIAL, True)
