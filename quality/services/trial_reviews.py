"""QA's review of trial sales: opened when a trial sale is paid, then a verdict.

A verdict moves only as ``TRIAL_SALE_VERDICT_MOVES`` permits (pending to
passed, failed or follow-up; follow-up to passed or failed), through
``trial_review_verdict``, which records the reviewer and the time and writes a
``TrialSaleVerdictChange``. A failed trial sale emails the refurbisher's owners
(after commit) and flags its trial for a QA decision.

Lock order: the review row, then the refurbisher row (``trial_flag_for_qa``).
The daily trial review locks the refurbisher and only reads reviews, so the
two cannot wait in a cycle.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from marketplace.errors import BusinessRuleError
from marketplace.status import StatusMachine, actor_or_none, locked
from orders.models import SellerOrder
from quality.models import (
    TRIAL_SALE_VERDICT_MOVES,
    TrialSaleReview,
    TrialSaleVerdict,
    TrialSaleVerdictChange,
)
from quality.notifications import trial_sale_failed_notify
from quality.selectors import CHECKLIST_FIELDS, CHECKLIST_LABELS, trial_review_facts
from refurbishers.models import Refurbisher, RefurbisherStatus
from refurbishers.services import trial_flag_for_qa

Verdict = TrialSaleVerdict
NOTES_MAX_CHARS = 4000
# A verdict with these needs notes saying what went wrong or what to check.
NOTES_REQUIRED = frozenset({Verdict.FAILED, Verdict.FOLLOW_UP})


class TrialReviewRefused(BusinessRuleError):
    """A verdict the rules refuse; ``message`` says why, ``field`` names the
    form field at fault (``verdict``, ``notes`` or a checklist item), if any."""


def _refused(from_verdict: str, to_verdict: str) -> TrialReviewRefused:
    return TrialReviewRefused(
        gettext("This trial sale is %(verdict)s: it cannot be marked %(new_verdict)s.")
        % {
            "verdict": Verdict(from_verdict).label.lower(),
            "new_verdict": Verdict(to_verdict).label.lower(),
        },
        "verdict",
    )


TRIAL_SALE_VERDICT: StatusMachine[TrialSaleReview] = StatusMachine(
    moves=TRIAL_SALE_VERDICT_MOVES,
    refusal=_refused,
    audit_model=TrialSaleVerdictChange,
    audit_parent=lambda review: {"review": review},
    field="verdict",
    audit_fields=("from_verdict", "to_verdict"),
)


@transaction.atomic
def trial_review_open(*, seller_order: SellerOrder) -> TrialSaleReview:
    """Open QA's review of a paid trial sale; a second call returns the same one.

    Called by the payment service for each seller order holding a trial sale
    slot, in the payment's transaction.
    """
    review, created = TrialSaleReview.objects.get_or_create(
        seller_order=seller_order,
        defaults={"refurbisher_id": seller_order.refurbisher_id},
    )
    if created:
        TRIAL_SALE_VERDICT.record(
            review, from_status="", to_status=Verdict.PENDING,
            reason="Trial sale paid: waiting for QA's review",
        )  # fmt: skip
    return review


def _checked_checklist(
    checklist: Mapping[str, bool | None],
) -> dict[str, bool | None]:
    unknown = set(checklist) - set(CHECKLIST_FIELDS)
    if unknown:
        raise TrialReviewRefused(
            gettext("Not on the checklist: %(names)s.")
            % {"names": ", ".join(sorted(unknown))}
        )
    for name, value in checklist.items():
        if value not in (True, False, None):
            raise TrialReviewRefused(
                gettext("%(check)s: answer yes, no or not known.")
                % {"check": CHECKLIST_LABELS[name]},
                name,
            )
    return dict(checklist)


def trial_review_verdict_check(
    *,
    review: TrialSaleReview,
    verdict: str,
    notes: str,
    checklist: Mapping[str, bool | None],
) -> None:
    """Raise ``TrialReviewRefused`` if this verdict cannot be given now.

    The admin form asks it to show refusals beside their field; the service
    asks it again on the locked row.
    """
    if verdict not in Verdict.values or verdict == Verdict.PENDING:
        raise TrialReviewRefused(
            gettext("Choose passed, failed or follow-up."), "verdict"
        )
    TRIAL_SALE_VERDICT.check(review, verdict)
    notes = (notes or "").strip()
    if verdict in NOTES_REQUIRED and not notes:
        if verdict == Verdict.FAILED:
            message = gettext("Please say what went wrong in the notes.")
        else:
            message = gettext("Please say what to check in the notes.")
        raise TrialReviewRefused(message, "notes")
    if len(notes) > NOTES_MAX_CHARS:
        raise TrialReviewRefused(
            gettext("Please keep the notes under %(notes_max_chars)s characters.")
            % {"notes_max_chars": NOTES_MAX_CHARS},
            "notes",
        )
    checklist = _checked_checklist(checklist)
    if verdict == Verdict.PASSED:
        wrong = [name for name, value in checklist.items() if value is False]
        if wrong:
            raise TrialReviewRefused(
                gettext(
                    "A trial sale passes only with no checklist item marked no "
                    "(%(check)s is): fail it or ask for a follow-up."
                )
                % {"check": CHECKLIST_LABELS[wrong[0]].lower()},
                wrong[0],
            )


@transaction.atomic
def trial_review_verdict(
    *,
    review: TrialSaleReview,
    actor: AbstractBaseUser | None,
    verdict: str,
    notes: str = "",
    checklist: Mapping[str, bool | None] | None = None,
) -> TrialSaleReview:
    """Give a trial sale QA's verdict, with the checklist as QA confirmed it.

    ``checklist`` maps checklist fields to True, False or None; items left out
    keep what the data says now (``trial_review_facts``). Locks the review row;
    a failed verdict then locks the refurbisher to flag its trial.
    """
    review = locked(review)
    answers = trial_review_facts(review).as_checklist()
    answers.update(_checked_checklist(checklist or {}))
    trial_review_verdict_check(
        review=review, verdict=verdict, notes=notes, checklist=answers
    )
    notes = (notes or "").strip()
    for name, value in answers.items():
        setattr(review, name, value)
    review.notes = notes
    review.reviewer = actor_or_none(actor)
    review.reviewed_at = timezone.now()
    TRIAL_SALE_VERDICT.move(
        review, verdict, actor=actor, reason=notes,
        fields=("notes", "reviewer", "reviewed_at", *answers),
    )  # fmt: skip
    if verdict == Verdict.FAILED:
        _trial_flag(review, notes)
        trial_sale_failed_notify(review_id=review.pk)
    return review


def _trial_flag(review: TrialSaleReview, notes: str) -> None:
    """Ask QA to decide on the trial of a refurbisher still on trial."""
    refurbisher = Refurbisher.objects.only("status").get(pk=review.refurbisher_id)
    if refurbisher.status != RefurbisherStatus.TRIAL:
        return  # graduated early or suspended: QA already decided on it
    reference = review.seller_order.order.reference
    trial_flag_for_qa(
        refurbisher=refurbisher,
        reason=f"Trial sale {reference} failed QA's review: {notes}",
    )


@transaction.atomic
def trial_review_pass_checked(
    *, review: TrialSaleReview, actor: AbstractBaseUser | None
) -> TrialSaleReview:
    """Pass a trial sale whose facts are all good (QA's bulk "Pass selected").

    Refuses, saying why, a sale whose facts are not all good or not known
    yet: QA then looks at it on its own page.
    """
    review = locked(review)
    facts = trial_review_facts(review)
    if not facts.all_good:
        raise TrialReviewRefused("; ".join(facts.problems()) + ".")
    return trial_review_verdict(
        review=review, actor=actor, verdict=Verdict.PASSED,
        notes="Passed with the facts all good.", checklist=facts.as_checklist(),
    )  # fmt: skip
