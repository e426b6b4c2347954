"""The daily review of trials that reached their end: graduate or ask QA.

A trial whose every sale QA reviewed and passed graduates by itself:
``trial_end`` makes the refurbisher active and emails its owners. Quality
answers that question through ``refurbishers.events.trial_may_graduate`` (it
registers ``quality.selectors.trial_sales_all_passed`` as a check). Any other
finished trial is flagged for a QA decision in the admin (extend, end, or
suspend), once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from refurbishers.events import trial_may_graduate
from refurbishers.models import Refurbisher, RefurbisherStatus
from refurbishers.services.status import trial_end, trial_flag_for_qa

# Refurbishers read per query; each is decided in its own transaction, so a
# long run holds no lock for more than one refurbisher at a time.
TRIAL_REVIEW_BATCH = 100
GRADUATED = "graduated"
FLAGGED = "flagged"
NOT_DUE = "not_due"


@dataclass
class TrialsReviewReport:
    graduated: int = 0
    flagged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {GRADUATED: self.graduated, FLAGGED: self.flagged}


def _due(at: dt.datetime):
    """Trials that ended by ``at`` and still wait for a decision."""
    return Refurbisher.objects.filter(
        status=RefurbisherStatus.TRIAL,
        trial_ends_at__lte=at,
        needs_qa_decision=False,
    )


@transaction.atomic
def trial_review(*, refurbisher: Refurbisher, at: dt.datetime | None = None) -> str:
    """Graduate a finished trial whose every sale passed QA, or flag it for QA.

    Locks the refurbisher row first, so two runs (beat and a manual run, or a
    retried task) decide once: the second finds it active or already flagged
    and returns ``"not_due"``.
    """
    at = at or timezone.now()
    refurbisher = Refurbisher.objects.select_for_update().get(pk=refurbisher.pk)
    if not _due(at).filter(pk=refurbisher.pk).exists():
        return NOT_DUE
    if trial_may_graduate(refurbisher):
        trial_end(
            refurbisher=refurbisher,
            actor=None,
            reason="Trial completed: every trial sale was reviewed by QA and passed.",
        )
        return GRADUATED
    trial_flag_for_qa(
        refurbisher=refurbisher,
        reason="The trial has ended with trial sales that QA has not reviewed "
        "or that failed the review: extend the trial, end it, or suspend.",
    )
    return FLAGGED


def trials_review(
    *, at: dt.datetime | None = None, batch_size: int = TRIAL_REVIEW_BATCH
) -> dict[str, int]:
    """Review every trial that has ended, in batches; return what was decided."""
    at = at or timezone.now()
    report = TrialsReviewReport()
    last_pk = 0
    while True:
        # Keyset pages by pk: a refurbisher that raised cannot be read again
        # and again in a loop.
        batch = list(_due(at).filter(pk__gt=last_pk).order_by("pk")[:batch_size])
        for refurbisher in batch:
            outcome = trial_review(refurbisher=refurbisher, at=at)
            report.graduated += outcome == GRADUATED
            report.flagged += outcome == FLAGGED
        if len(batch) < batch_size:
            return report.as_dict()
        last_pk = batch[-1].pk
