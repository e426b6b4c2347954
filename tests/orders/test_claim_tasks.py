"""Claim reminders and escalation in a real Celery worker, idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from orders.models import ClaimStatus, ClaimStatusChange, WarrantyClaim
from orders.services.claims import claim_answer
from orders.tasks.claims import claims_remind_and_escalate
from tests.support.claim_builders import delivered, file, seller_make, warranty_of

pytestmark = pytest.mark.django_db(transaction=True)
Status = ClaimStatus


def _due_in(claim: WarrantyClaim, delta: dt.timedelta) -> None:
    WarrantyClaim.objects.filter(pk=claim.pk).update(
        answer_due_at=timezone.now() + delta
    )


def _changes(claim: WarrantyClaim) -> list[tuple[str, str]]:
    return list(
        ClaimStatusChange.objects.filter(claim=claim)
        .order_by("pk")
        .values_list("from_status", "to_status")
    )


def test_the_worker_reminds_once_escalates_the_overdue_and_a_rerun_changes_nothing(
    celery_worker,
):
    owner, refurbisher = seller_make("Europe/Paris")
    soon = file(warranty_of(delivered(refurbisher)))
    _due_in(soon, dt.timedelta(hours=3))
    overdue = file(warranty_of(delivered(refurbisher)))
    WarrantyClaim.objects.filter(pk=overdue.pk).update(
        answer_due_at=dt.datetime(2025, 3, 3, 16, 0, tzinfo=dt.UTC)
    )
    not_yet = file(warranty_of(delivered(refurbisher)))  # due in two business days
    answered = file(warranty_of(delivered(refurbisher)))
    claim_answer(claim=answered, actor=owner, remedy="repair", message="")
    _due_in(answered, -dt.timedelta(hours=5))

    result = claims_remind_and_escalate.delay().get(timeout=60)
    assert result == {"reminded": 1, "escalated": 1}

    for claim in (soon, overdue, not_yet, answered):
        claim.refresh_from_db()
    assert soon.status == Status.OPEN and soon.reminded_at is not None
    reminded_at = soon.reminded_at
    assert _changes(soon) == [("", "open"), ("open", "open")]
    assert overdue.status == Status.ESCALATED and overdue.escalated_at is not None
    change = ClaimStatusChange.objects.filter(claim=overdue).last()
    assert (change.from_status, change.to_status) == ("open", "escalated")
    assert change.actor is None
    assert change.reason == (
        "The seller did not answer by 03 Mar 2025, 17:00 (Europe/Paris)"
    )
    assert overdue.escalation_reason == change.reason
    assert not_yet.status == Status.OPEN and not_yet.reminded_at is None
    assert answered.status == Status.ANSWERED

    # Running again finds nothing left to do and writes nothing.
    rows = ClaimStatusChange.objects.count()
    assert claims_remind_and_escalate.delay().get(timeout=60) == {
        "reminded": 0,
        "escalated": 0,
    }
    assert ClaimStatusChange.objects.count() == rows
    soon.refresh_from_db()
    assert soon.reminded_at == reminded_at


def test_a_reminded_claim_still_unanswered_at_its_deadline_is_escalated(
    celery_worker,
):
    _, refurbisher = seller_make("America/Los_Angeles")
    claim = file(warranty_of(delivered(refurbisher)))
    _due_in(claim, dt.timedelta(hours=2))
    assert claims_remind_and_escalate.delay().get(timeout=60)["reminded"] == 1
    _due_in(claim, -dt.timedelta(minutes=1))
    assert claims_remind_and_escalate.delay().get(timeout=60) == {
        "reminded": 0,
        "escalated": 1,
    }
    claim.refresh_from_db()
    assert claim.status == Status.ESCALATED
    assert "(America/Los_Angeles)" in claim.escalation_reason
    assert _changes(claim) == [("", "open"), ("open", "open"), ("open", "escalated")]
