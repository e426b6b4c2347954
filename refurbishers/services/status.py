"""Every refurbisher status change, each a service that checks the move and audits it.

Lock order: the refurbisher row first (``select_for_update``), then its
listings' offers (refreshed by listings when it hears ``selling_changed``),
so two QA actions on one refurbisher queue up instead of interleaving.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from marketplace.status import StatusMachine, locked
from refurbishers.events import selling_changed
from refurbishers.exceptions import ApplicationIncomplete, StatusChangeNotAllowed
from refurbishers.models import (
    ALLOWED_MOVES,
    DEFAULT_DAILY_SALES_CAP,
    DEFAULT_TRIAL_DAYS,
    Criterion,
    CriterionReview,
    Refurbisher,
    RefurbisherStatus,
    RefurbisherStatusChange,
)
from refurbishers.notifications import status_change_notify

Status = RefurbisherStatus
MAX_TRIAL_DAYS = 365
MAX_DAILY_SALES_CAP = 1000


def _refused(from_status: str, to_status: str) -> StatusChangeNotAllowed:
    return StatusChangeNotAllowed(
        gettext("A refurbisher that is %(status)s cannot be moved to %(new_status)s.")
        % {
            "status": Status(from_status).label.lower(),
            "new_status": Status(to_status).label.lower(),
        }
    )


REFURBISHER_STATUS: StatusMachine[Refurbisher] = StatusMachine(
    moves=ALLOWED_MOVES,
    refusal=_refused,
    audit_model=RefurbisherStatusChange,
    audit_parent=lambda refurbisher: {"refurbisher": refurbisher},
)


def _status_move(
    refurbisher: Refurbisher,
    to_status: str,
    *,
    actor: AbstractBaseUser | None,
    reason: str,
    fields: tuple[str, ...] = (),
) -> Refurbisher:
    """Check, apply and audit one move on a locked refurbisher; refresh, notify."""
    change = REFURBISHER_STATUS.move(
        refurbisher, to_status, actor=actor, reason=reason, fields=fields
    )
    # Listings follow the status at once: off the site when not selling.
    selling_changed.send(sender=Refurbisher, refurbisher_ids=[refurbisher.pk])
    status_change_notify(change_id=change.pk)
    return refurbisher


def _required(text: str, refusal: str) -> str:
    """``refusal`` is the whole sentence shown when ``text`` is empty."""
    text = (text or "").strip()
    if not text:
        raise ApplicationIncomplete(refusal, field="reason")
    return text


@transaction.atomic
def refurbisher_status_change(
    *, refurbisher: Refurbisher, to_status: str, actor, reason: str = ""
) -> Refurbisher:
    """Move a refurbisher to ``to_status`` if its current status permits it.

    A move with rules of its own goes through its service, so no path skips
    them: approval needs every criterion passed, a suspension remembers where
    reinstating returns to, a rejection and a request for changes need words.
    """
    if to_status not in Status.values:
        raise StatusChangeNotAllowed(
            gettext("%(to_status)s is not a refurbisher status.")
            % {"to_status": repr(to_status)}
        )
    refurbisher = locked(refurbisher)
    REFURBISHER_STATUS.check(refurbisher, to_status)
    from_status = refurbisher.status
    if from_status == Status.SUSPENDED:
        back_to = refurbisher.status_before_suspension or Status.ACTIVE
        if to_status != back_to:
            raise StatusChangeNotAllowed(
                gettext(
                    "This refurbisher was suspended while %(status)s: reinstating "
                    "returns it to %(status)s."
                )
                % {"status": Status(back_to).label.lower()}
            )
        return refurbisher_reinstate(
            refurbisher=refurbisher, actor=actor, reason=reason
        )
    special = {
        Status.SUBMITTED: lambda: application_submit(
            refurbisher=refurbisher, actor=actor
        ),
        Status.CHANGES_REQUESTED: lambda: application_changes_request(
            refurbisher=refurbisher, actor=actor, message=reason
        ),
        Status.REJECTED: lambda: application_reject(
            refurbisher=refurbisher, actor=actor, reason=reason
        ),
        Status.TRIAL: lambda: application_approve(refurbisher=refurbisher, actor=actor),
        Status.ACTIVE: lambda: trial_end(
            refurbisher=refurbisher, actor=actor, reason=reason
        ),
        Status.SUSPENDED: lambda: refurbisher_suspend(
            refurbisher=refurbisher, actor=actor, reason=reason
        ),
    }
    if to_status in special:
        return special[to_status]()
    return _status_move(refurbisher, to_status, actor=actor, reason=reason)


@transaction.atomic
def application_submit(*, refurbisher: Refurbisher, actor) -> Refurbisher:
    """Send a draft (or a corrected) application to QA."""
    from refurbishers.selectors import application_missing

    refurbisher = locked(refurbisher)
    missing = application_missing(refurbisher)
    if missing:
        raise ApplicationIncomplete(
            gettext("Still missing: %(items)s.") % {"items": ", ".join(missing)}
        )
    application = refurbisher.application
    application.submitted_at = timezone.now()
    application.save(update_fields=["submitted_at", "updated_at"])
    return _status_move(
        refurbisher, Status.SUBMITTED, actor=actor, reason="Application sent"
    )


@transaction.atomic
def application_review_start(*, refurbisher: Refurbisher, actor) -> Refurbisher:
    """QA takes a submitted application into review."""
    return _status_move(locked(refurbisher), Status.IN_REVIEW, actor=actor, reason="")


@transaction.atomic
def criterion_review_set(
    *, refurbisher: Refurbisher, criterion: str, passed: bool, note: str, actor
) -> CriterionReview:
    """Record QA's verdict on one criterion (a submitted application enters review)."""
    if criterion not in Criterion.values:
        raise ApplicationIncomplete(
            gettext("%(criterion)s is not a vetting criterion.")
            % {"criterion": repr(criterion)}
        )
    refurbisher = locked(refurbisher)
    if refurbisher.status == Status.SUBMITTED:
        _status_move(refurbisher, Status.IN_REVIEW, actor=actor, reason="")
    if refurbisher.status != Status.IN_REVIEW:
        raise StatusChangeNotAllowed(
            gettext("Criteria are reviewed while the application is in review.")
        )
    if not passed and not (note or "").strip():
        raise ApplicationIncomplete(
            gettext("Say why the criterion failed."), field="note"
        )
    review, _ = CriterionReview.objects.update_or_create(
        application=refurbisher.application,
        criterion=criterion,
        defaults={
            "passed": passed,
            "note": (note or "").strip(),
            "reviewer": actor,
            "reviewed_at": timezone.now(),
        },
    )
    return review


@transaction.atomic
def application_changes_request(*, refurbisher: Refurbisher, actor, message: str):
    """Send the application back to the applicant with QA's message."""
    message = _required(
        message, gettext("Please give a message saying what to change.")
    )
    refurbisher = locked(refurbisher)
    application = refurbisher.application
    application.qa_message = message
    application.save(update_fields=["qa_message", "updated_at"])
    return _status_move(
        refurbisher, Status.CHANGES_REQUESTED, actor=actor, reason=message
    )


@transaction.atomic
def application_reject(*, refurbisher: Refurbisher, actor, reason: str):
    """Turn the application down for good, with the reason the applicant sees."""
    reason = _required(reason, gettext("Please give the reason for the rejection."))
    refurbisher = locked(refurbisher)
    application = refurbisher.application
    application.rejection_reason = reason
    application.save(update_fields=["rejection_reason", "updated_at"])
    return _status_move(refurbisher, Status.REJECTED, actor=actor, reason=reason)


def _check_trial_limits(days: int, cap: int) -> None:
    if not 1 <= days <= MAX_TRIAL_DAYS:
        raise ApplicationIncomplete(
            gettext("A trial lasts 1 to %(max_trial_days)s days.")
            % {"max_trial_days": MAX_TRIAL_DAYS},
            field="trial_days",
        )
    if not 1 <= cap <= MAX_DAILY_SALES_CAP:
        raise ApplicationIncomplete(
            gettext("The daily cap is 1 to %(max_daily_sales_cap)s sales.")
            % {"max_daily_sales_cap": MAX_DAILY_SALES_CAP},
            field="daily_sales_cap",
        )


@transaction.atomic
def application_approve(
    *,
    refurbisher: Refurbisher,
    actor,
    trial_days: int = DEFAULT_TRIAL_DAYS,
    daily_sales_cap: int = DEFAULT_DAILY_SALES_CAP,
) -> Refurbisher:
    """Approve an application whose every criterion passed: the trial starts now."""
    _check_trial_limits(trial_days, daily_sales_cap)
    refurbisher = locked(refurbisher)
    if not REFURBISHER_STATUS.allows(refurbisher.status, Status.TRIAL):
        raise StatusChangeNotAllowed(
            gettext(
                "Only an application in review can be approved; this one is %(status)s."
            )
            % {"status": Status(refurbisher.status).label.lower()}
        )
    verdicts = dict(
        refurbisher.application.criterion_reviews.values_list("criterion", "passed")
    )
    not_passed = [c.label for c in Criterion if verdicts.get(c.value) is not True]
    if not_passed:
        raise ApplicationIncomplete(
            gettext("Approval needs every criterion passed; not yet: %(criteria)s.")
            % {"criteria": ", ".join(str(label) for label in not_passed)}
        )
    now = timezone.now()
    refurbisher.trial_started_at = now
    refurbisher.trial_ends_at = now + timedelta(days=trial_days)
    refurbisher.daily_sales_cap = daily_sales_cap
    refurbisher.selling_since = now.date()
    return _status_move(
        refurbisher,
        Status.TRIAL,
        actor=actor,
        reason=f"Approved: trial of {trial_days} days, {daily_sales_cap} sales a day",
        fields=(
            "trial_started_at",
            "trial_ends_at",
            "daily_sales_cap",
            "selling_since",
        ),
    )


@transaction.atomic
def refurbisher_suspend(*, refurbisher: Refurbisher, actor, reason: str) -> Refurbisher:
    """Take a selling refurbisher off the site at once; its orders stay visible."""
    reason = _required(reason, gettext("Please give the reason for the suspension."))
    refurbisher = locked(refurbisher)
    refurbisher.status_before_suspension = refurbisher.status
    # Suspending is QA's decision on a flag: it leaves the queue.
    refurbisher.needs_qa_decision = False
    return _status_move(
        refurbisher, Status.SUSPENDED, actor=actor, reason=reason,
        fields=("status_before_suspension", "needs_qa_decision"),
    )  # fmt: skip


@transaction.atomic
def qa_decision_keep(*, refurbisher: Refurbisher, actor, reason: str) -> Refurbisher:
    """QA keeps a flagged refurbisher selling as it is: the flag is cleared.

    The flag's reason stays in the status history (the audit row of the flag);
    this adds QA's answer to it. A later crossing flags it again.
    """
    reason = _required(reason, gettext("Please give why it keeps selling."))
    refurbisher = locked(refurbisher)
    if not refurbisher.needs_qa_decision:
        raise StatusChangeNotAllowed(
            gettext("%(name)s is not waiting for QA.") % {"name": refurbisher.name}
        )
    refurbisher.needs_qa_decision = False
    refurbisher.qa_decision_reason = ""
    refurbisher.save(update_fields=["needs_qa_decision", "qa_decision_reason"])
    REFURBISHER_STATUS.record(
        refurbisher, actor=actor, reason=f"QA decided it keeps selling: {reason}"
    )
    return refurbisher


@transaction.atomic
def refurbisher_reinstate(
    *, refurbisher: Refurbisher, actor, reason: str
) -> Refurbisher:
    """Let a suspended refurbisher sell again, in the status it had before."""
    reason = _required(reason, gettext("Please give the reason for reinstating."))
    refurbisher = locked(refurbisher)
    if refurbisher.status != Status.SUSPENDED:
        raise StatusChangeNotAllowed(
            gettext("Only a suspended refurbisher can be reinstated.")
        )
    back_to = refurbisher.status_before_suspension or Status.ACTIVE
    refurbisher.status_before_suspension = ""
    return _status_move(
        refurbisher, back_to, actor=actor, reason=reason,
        fields=("status_before_suspension",),
    )  # fmt: skip


def _trial_locked(refurbisher: Refurbisher) -> Refurbisher:
    refurbisher = locked(refurbisher)
    if refurbisher.status != Status.TRIAL:
        raise StatusChangeNotAllowed(gettext("This refurbisher is not on trial."))
    return refurbisher


@transaction.atomic
def trial_extend(
    *, refurbisher: Refurbisher, actor, days: int, reason: str
) -> Refurbisher:
    """Give a trial more days (QA's answer when a trial needs a longer look)."""
    reason = _required(reason, gettext("Please give the reason for the extension."))
    if not 1 <= days <= MAX_TRIAL_DAYS:
        raise ApplicationIncomplete(
            gettext("Extend by 1 to %(max_trial_days)s days.")
            % {"max_trial_days": MAX_TRIAL_DAYS},
            field="days",
        )
    refurbisher = _trial_locked(refurbisher)
    refurbisher.trial_ends_at = max(
        refurbisher.trial_ends_at, timezone.now()
    ) + timedelta(days=days)
    refurbisher.needs_qa_decision = False
    refurbisher.save(update_fields=["trial_ends_at", "needs_qa_decision"])
    REFURBISHER_STATUS.record(
        refurbisher, actor=actor, reason=f"Trial extended by {days} days: {reason}"
    )
    return refurbisher


@transaction.atomic
def trial_limits_set(
    *,
    refurbisher: Refurbisher,
    actor,
    trial_days: int,
    daily_sales_cap: int,
    reason: str,
) -> Refurbisher:
    """Change a trial's length (from its start) and its daily sales cap."""
    reason = _required(reason, gettext("Please give the reason for the change."))
    _check_trial_limits(trial_days, daily_sales_cap)
    refurbisher = _trial_locked(refurbisher)
    refurbisher.trial_ends_at = refurbisher.trial_started_at + timedelta(
        days=trial_days
    )
    refurbisher.daily_sales_cap = daily_sales_cap
    refurbisher.save(update_fields=["trial_ends_at", "daily_sales_cap"])
    from refurbishers.services.sales import sale_day_cap_update

    sale_day_cap_update(refurbisher=refurbisher)
    REFURBISHER_STATUS.record(
        refurbisher, actor=actor,
        reason=f"Trial set to {trial_days} days and {daily_sales_cap} sales a day: "
        f"{reason}",
    )  # fmt: skip
    selling_changed.send(sender=Refurbisher, refurbisher_ids=[refurbisher.pk])
    return refurbisher


@transaction.atomic
def trial_end(*, refurbisher: Refurbisher, actor, reason: str) -> Refurbisher:
    """Lift the trial limits: the refurbisher sells freely (early, or graduation)."""
    refurbisher = _trial_locked(refurbisher)
    refurbisher.needs_qa_decision = False
    refurbisher.qa_decision_reason = ""
    return _status_move(
        refurbisher, Status.ACTIVE, actor=actor, reason=reason,
        fields=("needs_qa_decision", "qa_decision_reason"),
    )  # fmt: skip


@transaction.atomic
def trial_flag_for_qa(*, refurbisher: Refurbisher, reason: str) -> Refurbisher:
    """Ask QA to decide on a trial that could not end by itself."""
    refurbisher = _trial_locked(refurbisher)
    if not refurbisher.needs_qa_decision:
        refurbisher.needs_qa_decision = True
        refurbisher.qa_decision_reason = reason
        refurbisher.save(update_fields=["needs_qa_decision", "qa_decision_reason"])
        REFURBISHER_STATUS.record(refurbisher, reason=f"Flagged for QA: {reason}")
    return refurbisher


# Refurbishers QA is asked about when their metrics cross a limit (a
# suspended one is already decided).
FLAGGABLE_STATUSES = (Status.TRIAL, Status.ACTIVE)


@transaction.atomic
def refurbisher_flag_for_qa(*, refurbisher_id: int, reason: str) -> bool:
    """Ask QA to decide on a trial or active refurbisher, adding ``reason`` to
    any reason already waiting; the same reason twice flags once.

    Locks the refurbisher row and writes an audit row in its status history.
    Returns whether it was flagged now.
    """
    refurbisher = locked(Refurbisher(pk=refurbisher_id))
    if refurbisher.status not in FLAGGABLE_STATUSES:
        return False
    if refurbisher.needs_qa_decision and reason in refurbisher.qa_decision_reason:
        return False
    refurbisher.qa_decision_reason = (
        f"{refurbisher.qa_decision_reason}\n{reason}"
        if refurbisher.needs_qa_decision and refurbisher.qa_decision_reason
        else reason
    )
    refurbisher.needs_qa_decision = True
    refurbisher.save(update_fields=["needs_qa_decision", "qa_decision_reason"])
    REFURBISHER_STATUS.record(refurbisher, reason=f"Flagged for QA: {reason}")
    return True
