"""The refurbisher status machine: every move, the approval rule, suspension."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from refurbishers.exceptions import ApplicationIncomplete, StatusChangeNotAllowed
from refurbishers.models import (
    ALLOWED_MOVES,
    ApplicationDocument,
    Criterion,
    RefurbisherStatus,
    RefurbisherStatusChange,
)
from refurbishers.services import (
    application_approve,
    application_changes_request,
    application_company_update,
    application_document_add,
    application_operations_update,
    application_reject,
    criterion_review_set,
    refurbisher_reinstate,
    refurbisher_status_change,
    refurbisher_suspend,
    trial_end,
)
from tests.support.factories import make_listing
from tests.support.refurbisher_builders import (
    applicant_make,
    criteria_pass,
    pdf_upload,
    qa_user_make,
    trial_refurbisher_make,
)

pytestmark = pytest.mark.django_db

Status = RefurbisherStatus
ALLOWED = sorted(
    (from_status, to_status)
    for from_status, targets in ALLOWED_MOVES.items()
    for to_status in targets
)
FORBIDDEN = sorted(
    (from_status, to_status)
    for from_status in Status.values
    for to_status in Status.values
    if to_status not in ALLOWED_MOVES[from_status]
)
# Moves whose service writes its own words in the audit row instead of QA's.
OWN_REASON = {Status.SUBMITTED: "Application sent", Status.TRIAL: "Approved: "}


def _reach(status: str, qa, *, suspended_from: str = Status.TRIAL):
    """(owner, refurbisher) in ``status``, got there through the services."""
    if status == Status.DRAFT:
        return applicant_make()
    if status in (Status.TRIAL, Status.ACTIVE, Status.SUSPENDED):
        owner, refurbisher = trial_refurbisher_make()
        if Status.ACTIVE in (status, suspended_from) and status != Status.TRIAL:
            trial_end(refurbisher=refurbisher, actor=qa, reason="Ready.")
        if status == Status.SUSPENDED:
            refurbisher_suspend(refurbisher=refurbisher, actor=qa, reason="Checks.")
        refurbisher.refresh_from_db()
        return owner, refurbisher
    owner, refurbisher = applicant_make(submit=True)
    if status != Status.SUBMITTED:
        criteria_pass(refurbisher, qa)  # the first verdict takes it into review
    if status == Status.CHANGES_REQUESTED:
        application_changes_request(
            refurbisher=refurbisher, actor=qa, message="Add your ISO certificate."
        )
    if status == Status.REJECTED:
        application_reject(refurbisher=refurbisher, actor=qa, reason="Not a business.")
    refurbisher.refresh_from_db()
    assert refurbisher.status == status
    return owner, refurbisher


@pytest.fixture
def qa():
    return qa_user_make()


def test_the_tables_cover_every_pair_of_statuses():
    assert len(ALLOWED) + len(FORBIDDEN) == len(Status.values) ** 2
    assert len(ALLOWED) == 13


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_an_allowed_move_changes_the_status_and_writes_one_audit_row(
    qa, from_status, to_status
):
    owner, refurbisher = _reach(from_status, qa, suspended_from=to_status)
    actor = owner if to_status == Status.SUBMITTED else qa
    before = set(refurbisher.status_changes.values_list("pk", flat=True))

    refurbisher_status_change(
        refurbisher=refurbisher, to_status=to_status, actor=actor,
        reason="Decided in the test.",
    )  # fmt: skip

    refurbisher.refresh_from_db()
    assert refurbisher.status == to_status
    new = refurbisher.status_changes.exclude(pk__in=before)
    assert new.count() == 1
    change = new.get()
    assert (change.actor, change.from_status, change.to_status) == (
        actor,
        from_status,
        to_status,
    )
    assert change.created_at is not None
    expected = OWN_REASON.get(to_status, "Decided in the test.")
    if from_status == Status.SUSPENDED:
        expected = "Decided in the test."
    assert change.reason.startswith(expected)


@pytest.mark.parametrize(("from_status", "to_status"), FORBIDDEN)
def test_a_forbidden_move_is_refused_with_a_readable_message_and_no_audit_row(
    qa, from_status, to_status
):
    _, refurbisher = _reach(from_status, qa)
    audit_rows = RefurbisherStatusChange.objects.count()

    with pytest.raises(StatusChangeNotAllowed) as refused:
        refurbisher_status_change(
            refurbisher=refurbisher, to_status=to_status, actor=qa, reason="No."
        )

    assert refused.value.message == (
        f"A refurbisher that is {Status(from_status).label.lower()} cannot be "
        f"moved to {Status(to_status).label.lower()}."
    )
    refurbisher.refresh_from_db()
    assert refurbisher.status == from_status
    assert RefurbisherStatusChange.objects.count() == audit_rows


def test_an_unknown_status_is_refused(qa):
    _, refurbisher = _reach(Status.TRIAL, qa)
    with pytest.raises(StatusChangeNotAllowed, match="not a refurbisher status"):
        refurbisher_status_change(
            refurbisher=refurbisher, to_status="closed", actor=qa, reason="No."
        )


# --- Approval -------------------------------------------------------------------


def _in_review_with(qa, verdicts: dict[str, bool]):
    _, refurbisher = applicant_make(submit=True)
    for criterion, passed in verdicts.items():
        criterion_review_set(
            refurbisher=refurbisher, criterion=criterion, passed=passed,
            note="" if passed else "No erasure certificate.", actor=qa,
        )  # fmt: skip
    refurbisher.refresh_from_db()
    return refurbisher


def test_approval_is_refused_while_one_criterion_failed(qa):
    verdicts = {c: c != Criterion.ERASURE for c in Criterion.values}
    refurbisher = _in_review_with(qa, verdicts)
    audit_rows = refurbisher.status_changes.count()

    with pytest.raises(ApplicationIncomplete) as refused:
        application_approve(refurbisher=refurbisher, actor=qa)

    assert refused.value.message == (
        "Approval needs every criterion passed; not yet: Data erasure."
    )
    refurbisher.refresh_from_db()
    assert refurbisher.status == Status.IN_REVIEW
    assert refurbisher.trial_started_at is None
    assert refurbisher.status_changes.count() == audit_rows


def test_approval_is_refused_while_one_criterion_has_no_verdict(qa):
    verdicts = {c: True for c in Criterion.values if c != Criterion.LEGITIMACY}
    refurbisher = _in_review_with(qa, verdicts)

    with pytest.raises(ApplicationIncomplete, match="not yet: Business legitimacy"):
        application_approve(refurbisher=refurbisher, actor=qa)
    refurbisher.refresh_from_db()
    assert refurbisher.status == Status.IN_REVIEW


def test_the_generic_status_change_cannot_skip_the_approval_rule(qa):
    verdicts = {c: True for c in Criterion.values if c != Criterion.WARRANTY}
    refurbisher = _in_review_with(qa, verdicts)

    with pytest.raises(ApplicationIncomplete, match="Warranty capability"):
        refurbisher_status_change(
            refurbisher=refurbisher, to_status=Status.TRIAL, actor=qa, reason="Go."
        )
    refurbisher.refresh_from_db()
    assert refurbisher.status == Status.IN_REVIEW


def test_approval_starts_the_trial_with_its_dates_and_cap(qa):
    refurbisher = _in_review_with(qa, dict.fromkeys(Criterion.values, True))
    before = timezone.now()

    application_approve(refurbisher=refurbisher, actor=qa)

    refurbisher.refresh_from_db()
    assert refurbisher.status == Status.TRIAL
    assert before <= refurbisher.trial_started_at <= timezone.now()
    assert refurbisher.trial_ends_at - refurbisher.trial_started_at == timedelta(
        days=40
    )
    assert refurbisher.daily_sales_cap == 5
    assert refurbisher.selling_since == refurbisher.trial_started_at.date()
    change = refurbisher.status_changes.first()
    assert (change.actor, change.from_status, change.to_status) == (
        qa,
        Status.IN_REVIEW,
        Status.TRIAL,
    )
    assert change.reason == "Approved: trial of 40 days, 5 sales a day"


def test_qa_can_approve_with_its_own_trial_length_and_cap(qa):
    refurbisher = _in_review_with(qa, dict.fromkeys(Criterion.values, True))

    application_approve(
        refurbisher=refurbisher, actor=qa, trial_days=60, daily_sales_cap=2
    )

    refurbisher.refresh_from_db()
    assert refurbisher.trial_days_total == 60
    assert refurbisher.daily_sales_cap == 2


@pytest.mark.parametrize(("days", "cap"), [(0, 5), (40, 0), (366, 5)])
def test_approval_refuses_trial_limits_out_of_range(qa, days, cap):
    refurbisher = _in_review_with(qa, dict.fromkeys(Criterion.values, True))
    with pytest.raises(ApplicationIncomplete):
        application_approve(
            refurbisher=refurbisher, actor=qa, trial_days=days, daily_sales_cap=cap
        )
    refurbisher.refresh_from_db()
    assert refurbisher.status == Status.IN_REVIEW


# --- Suspension -----------------------------------------------------------------


def _purchasable(listing) -> set[bool]:
    return set(listing.offers.values_list("is_purchasable", flat=True))


@pytest.mark.parametrize("selling_status", [Status.TRIAL, Status.ACTIVE])
def test_suspension_takes_listings_off_at_once_and_reinstating_brings_them_back(
    qa, selling_status
):
    _, refurbisher = _reach(selling_status, qa)
    listing = make_listing(refurbisher=refurbisher)
    assert _purchasable(listing) == {True}

    refurbisher_suspend(refurbisher=refurbisher, actor=qa, reason="Fake IMEIs.")

    refurbisher.refresh_from_db()
    assert refurbisher.status == Status.SUSPENDED
    assert refurbisher.status_before_suspension == selling_status
    assert _purchasable(listing) == {False}

    refurbisher_reinstate(refurbisher=refurbisher, actor=qa, reason="Explained.")

    refurbisher.refresh_from_db()
    assert refurbisher.status == selling_status
    assert refurbisher.status_before_suspension == ""
    assert _purchasable(listing) == {True}
    moves = list(
        refurbisher.status_changes.order_by("-created_at", "-pk").values_list(
            "from_status", "to_status", "reason"
        )[:2]
    )
    assert moves == [
        (Status.SUSPENDED, selling_status, "Explained."),
        (selling_status, Status.SUSPENDED, "Fake IMEIs."),
    ]


def test_a_suspension_returns_only_to_the_status_it_came_from(qa):
    _, refurbisher = _reach(Status.SUSPENDED, qa, suspended_from=Status.ACTIVE)

    with pytest.raises(StatusChangeNotAllowed, match="returns it to active"):
        refurbisher_status_change(
            refurbisher=refurbisher, to_status=Status.TRIAL, actor=qa, reason="Try."
        )
    refurbisher.refresh_from_db()
    assert refurbisher.status == Status.SUSPENDED


def test_a_suspension_needs_a_reason(qa):
    _, refurbisher = _reach(Status.ACTIVE, qa)
    with pytest.raises(ApplicationIncomplete, match="reason for the suspension"):
        refurbisher_suspend(refurbisher=refurbisher, actor=qa, reason="  ")
    refurbisher.refresh_from_db()
    assert refurbisher.status == Status.ACTIVE


def test_only_a_suspended_refurbisher_can_be_reinstated(qa):
    _, refurbisher = _reach(Status.ACTIVE, qa)
    with pytest.raises(StatusChangeNotAllowed, match="Only a suspended"):
        refurbisher_reinstate(refurbisher=refurbisher, actor=qa, reason="Why not.")


# --- The application after submission --------------------------------------------


@pytest.mark.parametrize(
    "status", [Status.SUBMITTED, Status.IN_REVIEW, Status.REJECTED, Status.TRIAL]
)
def test_the_application_cannot_be_edited_after_submission(qa, status):
    owner, refurbisher = _reach(status, qa)
    edits = [
        lambda: application_company_update(
            refurbisher=refurbisher, company={"legal_name": "Other SAS"}
        ),
        lambda: application_operations_update(
            refurbisher=refurbisher, operations={"warranty_months": 24}
        ),
        lambda: application_document_add(
            refurbisher=refurbisher, kind=ApplicationDocument.Kind.CERTIFICATE,
            upload=pdf_upload(), user=owner,
        ),
    ]  # fmt: skip
    for edit in edits:
        with pytest.raises(StatusChangeNotAllowed, match="can be edited while"):
            edit()
    refurbisher.refresh_from_db()
    assert refurbisher.legal_name == "Atelier Renov SAS"
    assert refurbisher.application.warranty_months == 12
    assert refurbisher.application.documents.count() == 2


def test_the_application_can_be_edited_again_when_qa_requests_changes(qa):
    _, refurbisher = _reach(Status.CHANGES_REQUESTED, qa)

    application_operations_update(
        refurbisher=refurbisher, operations={"warranty_months": 24}
    )

    refurbisher.refresh_from_db()
    assert refurbisher.application.warranty_months == 24
    assert refurbisher.application.qa_message == "Add your ISO certificate."


# --- Emails ---------------------------------------------------------------------


def test_the_owner_is_emailed_when_the_transaction_commits(
    qa, django_capture_on_commit_callbacks
):
    owner, refurbisher = _reach(Status.IN_REVIEW, qa)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks() as callbacks:
        application_approve(refurbisher=refurbisher, actor=qa)
        assert mail.outbox == []  # nothing leaves before the commit

    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [owner.email]
    assert message.subject == "ReMarket: Welcome to ReMarket: your trial starts today"


@pytest.mark.parametrize(
    ("from_status", "act", "subject"),
    [
        (Status.TRIAL, "suspend", "Your shop on ReMarket is suspended"),
        (Status.TRIAL, "end", "Your trial is over: you now sell without limits"),
        (Status.IN_REVIEW, "reject", "Your application was not accepted"),
        (Status.IN_REVIEW, "changes", "Your application needs changes"),
    ],
)
def test_each_decision_emails_the_owner(
    qa, django_capture_on_commit_callbacks, from_status, act, subject
):
    owner, refurbisher = _reach(from_status, qa)
    mail.outbox.clear()
    actions = {
        "suspend": lambda: refurbisher_suspend(
            refurbisher=refurbisher, actor=qa, reason="Checks."
        ),
        "end": lambda: trial_end(refurbisher=refurbisher, actor=qa, reason="Early."),
        "reject": lambda: application_reject(
            refurbisher=refurbisher, actor=qa, reason="No repair bench."
        ),
        "changes": lambda: application_changes_request(
            refurbisher=refurbisher, actor=qa, message="Send the insurance."
        ),
    }

    with django_capture_on_commit_callbacks(execute=True):
        actions[act]()

    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([owner.email], f"ReMarket: {subject}")
    ]


def test_a_refused_move_sends_no_email(qa, django_capture_on_commit_callbacks):
    _, refurbisher = _reach(Status.REJECTED, qa)
    mail.outbox.clear()

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(StatusChangeNotAllowed),
    ):
        refurbisher_status_change(
            refurbisher=refurbisher, to_status=Status.TRIAL, actor=qa, reason="."
        )

    assert mail.outbox == []


def test_approving_an_application_not_in_review_says_so_first():
    from refurbishers.exceptions import StatusChangeNotAllowed
    from refurbishers.services import application_approve
    from tests.support.refurbisher_builders import applicant_make, qa_user_make

    _, draft = applicant_make()
    with pytest.raises(StatusChangeNotAllowed, match="Only an application in review"):
        application_approve(refurbisher=draft, actor=qa_user_make())
    draft.refresh_from_db()
    assert draft.status == "draft"
