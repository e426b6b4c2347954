"""Template tags of QA's admin pages: the trial-sale queues on the admin index."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.urls import reverse
from django.utils.translation import gettext

from quality.models import TrialSaleVerdict
from quality.selectors import trial_review_queue_counts

register = template.Library()


@dataclass(frozen=True)
class Queue:
    label: str
    count: int
    url: str


@register.simple_tag
def trial_review_queues_for(user) -> list[Queue]:
    """The trial-sale queues with counts (one query) for staff who may see them."""
    if not user.has_perm("quality.view_trialsalereview"):
        return []
    counts = trial_review_queue_counts()
    changelist = reverse("admin:quality_trialsalereview_changelist")
    return [
        Queue(
            gettext("Trial sales waiting for QA"),
            counts.waiting,
            f"{changelist}?queue={TrialSaleVerdict.PENDING}",
        ),
        Queue(
            gettext("Trial sales to follow up"),
            counts.follow_up,
            f"{changelist}?queue={TrialSaleVerdict.FOLLOW_UP}",
        ),
    ]
