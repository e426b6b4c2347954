"""The kernel's status helper (marketplace.status), on a real status table: the
refurbisher's, whose moves and audit rows it checks and writes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from marketplace.status import actor_or_none, locked
from refurbishers.exceptions import StatusChangeNotAllowed
from refurbishers.models import Refurbisher, RefurbisherStatus, RefurbisherStatusChange
from refurbishers.services.status import REFURBISHER_STATUS
from tests.support.refurbisher_builders import applicant_make, qa_user_make

pytestmark = pytest.mark.django_db
Status = RefurbisherStatus


@pytest.fixture
def submitted():
    """A refurbisher whose application was sent to QA (status submitted)."""
    _, refurbisher = applicant_make(submit=True)
    assert refurbisher.status == Status.SUBMITTED
    return refurbisher


def test_a_move_not_allowed_is_refused_with_its_message_and_writes_nothing(
    submitted, django_assert_num_queries
):
    history = RefurbisherStatusChange.objects.filter(refurbisher=submitted).count()
    qa = qa_user_make()
    with transaction.atomic():
        refurbisher = locked(submitted)
        with (
            django_assert_num_queries(0),
            pytest.raises(StatusChangeNotAllowed) as refused,
        ):
            REFURBISHER_STATUS.move(
                refurbisher, Status.ACTIVE, actor=qa, reason="Too soon"
            )
    assert refused.value.message == (
        "A refurbisher that is submitted cannot be moved to active."
    )
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert (
        RefurbisherStatusChange.objects.filter(refurbisher=submitted).count() == history
    )


def test_check_refuses_the_same_way_and_allows_names_the_table(submitted):
    with pytest.raises(StatusChangeNotAllowed, match="cannot be moved to rejected"):
        REFURBISHER_STATUS.check(Refurbisher(status=Status.ACTIVE), Status.REJECTED)
    REFURBISHER_STATUS.check(submitted, Status.IN_REVIEW)  # allowed: no error
    assert REFURBISHER_STATUS.allows(Status.TRIAL, Status.SUSPENDED)
    assert not REFURBISHER_STATUS.allows(Status.REJECTED, Status.SUBMITTED)


def test_an_allowed_move_writes_one_audit_row_with_actor_and_reason(
    submitted, django_assert_num_queries
):
    qa = qa_user_make()
    before = set(RefurbisherStatusChange.objects.values_list("pk", flat=True))
    with transaction.atomic():
        refurbisher = locked(submitted)
        refurbisher.qa_decision_reason = "Saved with the move"
        refurbisher.name = "Not saved: not among the fields"
        # The row's UPDATE and the audit row's INSERT, nothing else.
        with django_assert_num_queries(2):
            change = REFURBISHER_STATUS.move(
                refurbisher, Status.IN_REVIEW, actor=qa, reason="Taking a look",
                fields=("qa_decision_reason",),
            )  # fmt: skip
    written = RefurbisherStatusChange.objects.exclude(pk__in=before)
    assert list(written) == [change]
    assert (change.refurbisher_id, change.from_status, change.to_status) == (
        submitted.pk, Status.SUBMITTED, Status.IN_REVIEW,
    )  # fmt: skip
    assert (change.actor, change.reason) == (qa, "Taking a look")
    fresh = Refurbisher.objects.get(pk=submitted.pk)
    assert fresh.status == Status.IN_REVIEW
    assert fresh.qa_decision_reason == "Saved with the move"
    assert fresh.name == submitted.name


def test_the_system_or_an_anonymous_user_is_recorded_as_no_actor(submitted):
    assert actor_or_none(None) is None
    assert actor_or_none(AnonymousUser()) is None
    change = REFURBISHER_STATUS.record(
        submitted, actor=AnonymousUser(), reason="A note of the system"
    )
    assert change.actor is None
    # A row beside the moves keeps the status on both sides.
    assert (change.from_status, change.to_status) == (
        Status.SUBMITTED, Status.SUBMITTED,
    )  # fmt: skip


def test_locked_reads_the_row_again_under_a_row_lock(submitted):
    stale = Refurbisher.objects.get(pk=submitted.pk)
    Refurbisher.objects.filter(pk=submitted.pk).update(name="Renamed meanwhile")
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        fresh = locked(stale)
        by_pk = locked(Refurbisher(pk=submitted.pk), of=("self",))
    assert fresh.name == by_pk.name == "Renamed meanwhile"
    assert len(queries) == 2
    assert all("FOR UPDATE" in query["sql"] for query in queries)
