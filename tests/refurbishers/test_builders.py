"""The onboarding builders go through the real services (a smoke test of both)."""

import pytest

from refurbishers.models import RefurbisherStatus
from tests.support.refurbisher_builders import applicant_make, trial_refurbisher_make

pytestmark = pytest.mark.django_db


def test_an_applicant_with_a_complete_application_can_submit_it():
    owner, refurbisher = applicant_make(submit=True)
    assert refurbisher.status == RefurbisherStatus.SUBMITTED
    assert refurbisher.memberships.get().user == owner
    assert refurbisher.application.documents.count() == 2


def test_an_approved_refurbisher_is_on_trial_with_its_limits():
    _, refurbisher = trial_refurbisher_make(daily_sales_cap=3, trial_days=10)
    assert refurbisher.status == RefurbisherStatus.TRIAL
    assert refurbisher.daily_sales_cap == 3
    assert refurbisher.trial_days_total == 10
    moves = list(
        refurbisher.status_changes.order_by("created_at", "pk").values_list(
            "from_status", "to_status"
        )
    )
    assert moves == [
        ("draft", "submitted"), ("submitted", "in_review"), ("in_review", "trial"),
    ]  # fmt: skip
