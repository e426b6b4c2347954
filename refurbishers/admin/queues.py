"""QA's queues on the admin index and the changelist filter they link to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from refurbishers.models import Refurbisher, RefurbisherStatus

Status = RefurbisherStatus
TRIAL_ENDING_DAYS = 7


def trial_ending_q(now=None) -> Q:
    """Trials that end within a week (or already ended and wait to graduate)."""
    soon = (now or timezone.now()) + timedelta(days=TRIAL_ENDING_DAYS)
    return Q(status=Status.TRIAL, trial_ends_at__lt=soon)


class TrialEndingFilter(admin.SimpleListFilter):
    title = gettext_lazy("trial ending")
    parameter_name = "trial_ending"

    def lookups(self, request, model_admin):
        return [(str(TRIAL_ENDING_DAYS), f"Within {TRIAL_ENDING_DAYS} days")]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() == str(TRIAL_ENDING_DAYS):
            return queryset.filter(trial_ending_q())
        return queryset


@dataclass(frozen=True)
class Queue:
    label: str
    count: int
    url: str


# Each queue: its label, the condition it counts, the changelist's query string.
QUEUES = [
    ("submitted", gettext_lazy("Applications waiting"), "status__exact=submitted"),
    ("in_review", gettext_lazy("Applications in review"), "status__exact=in_review"),
    # Trials at their end or with a failed sale, and sellers past a metrics limit.
    (
        "needs_decision",
        gettext_lazy("Refurbishers needing a QA decision"),
        "needs_qa_decision__exact=1",
    ),
    (
        "trial_ending",
        format_lazy(
            gettext_lazy("Trials ending within {days} days"), days=TRIAL_ENDING_DAYS
        ),
        f"trial_ending={TRIAL_ENDING_DAYS}",
    ),
    ("suspended", gettext_lazy("Suspended refurbishers"), "status__exact=suspended"),
]


def qa_queues() -> list[Queue]:
    """QA's work queues with their counts, in one query."""
    conditions = {
        "submitted": Q(status=Status.SUBMITTED),
        "in_review": Q(status=Status.IN_REVIEW),
        "needs_decision": Q(needs_qa_decision=True),
        "trial_ending": trial_ending_q(),
        "suspended": Q(status=Status.SUSPENDED),
    }
    counts = Refurbisher.objects.aggregate(
        **{key: Count("pk", filter=condition) for key, condition in conditions.items()}
    )
    changelist = reverse("admin:refurbishers_refurbisher_changelist")
    return [
        Queue(label=label, count=counts[key], url=f"{changelist}?{query}")
        for key, label, query in QUEUES
    ]
