"""The seller dashboard's overview: status, the trial's progress and notices.

A fixed number of queries whatever the history: the membership with its
refurbisher (in ``member_required``), today's sale day, the trial's sales
count and, when suspended, the latest suspension; one more for the sales charts
(``orders.selectors.sales_charts``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_safe

from orders.selectors.messages import messages_waiting
from orders.selectors.sales_charts import overview_charts
from orders.selectors.seller_actions import seller_actions
from quality.selectors import trial_sale_counts
from quality.selectors_metrics import metrics_warning
from refurbishers.models import (
    Refurbisher,
    RefurbisherStatus,
    RefurbisherStatusChange,
)
from refurbishers.selectors import TrialProgress, trial_progress
from seller_dashboard.views.access import member_required, seller_render

Status = RefurbisherStatus

STATUS_WORDS = {
    Status.TRIAL: (
        gettext_lazy("On trial"),
        gettext_lazy(
            "You sell with a daily limit while our quality team checks every sale. "
            "When the trial ends well, the limit lifts by itself."
        ),
    ),
    Status.ACTIVE: (
        gettext_lazy("Active"),
        gettext_lazy("You sell on ReMarket without daily limits."),
    ),
    Status.SUSPENDED: (
        gettext_lazy("Suspended"),
        gettext_lazy(
            "Your listings are off the site. Your open orders stay visible here "
            "and you still ship them."
        ),
    ),
}


@dataclass
class Notice:
    tone: str  # "warn" or "info"
    title: str
    text: str


@dataclass
class Overview:
    status: str
    status_title: str
    status_text: str
    trial: TrialProgress | None
    days_elapsed: int
    trial_sales_waiting: int
    trial_sales_passed: int
    trial_sales_failed: int
    notices: list[Notice]


def _notices(refurbisher: Refurbisher) -> list[Notice]:
    notices = []
    if refurbisher.status in (Status.SUSPENDED, Status.CHANGES_REQUESTED):
        # The reason QA gave when the refurbisher entered its current status.
        change = (
            RefurbisherStatusChange.objects.filter(
                refurbisher=refurbisher, to_status=refurbisher.status
            )
            .only("reason", "created_at")
            .first()
        )
        reason = change.reason if change else ""
        if refurbisher.status == Status.SUSPENDED:
            notices.append(Notice("warn", gettext("Your shop is suspended"), reason))
        else:
            notices.append(Notice("warn", gettext("QA asks for changes"), reason))
    if refurbisher.status == Status.TRIAL and refurbisher.needs_qa_decision:
        notices.append(
            Notice(
                "info",
                gettext("QA is reviewing the end of your trial"),
                gettext(
                    "Your trial has reached its end. Our quality team decides whether "
                    "to lift the limits or extend the trial; you keep selling within "
                    "the daily limit meanwhile."
                ),
            )
        )
    return notices


def seller_overview(refurbisher: Refurbisher) -> Overview:
    """Everything the overview shows, for the signed-in member's refurbisher."""
    title, text = STATUS_WORDS.get(
        refurbisher.status, (refurbisher.get_status_display(), "")
    )
    trial = trial_progress(refurbisher)
    sales = trial_sale_counts(refurbisher) if trial is not None else None
    return Overview(
        status=refurbisher.status,
        status_title=title,
        status_text=text,
        trial=trial,
        days_elapsed=max(0, trial.days_total - trial.days_left) if trial else 0,
        trial_sales_waiting=sales.waiting if sales else 0,
        trial_sales_passed=sales.passed if sales else 0,
        trial_sales_failed=sales.failed if sales else 0,
        notices=_notices(refurbisher),
    )


@require_safe
@member_required
def overview(request):
    return seller_render(
        request,
        "seller/overview.html",
        {
            "overview": seller_overview(request.refurbisher),
            "messages_waiting": messages_waiting(refurbisher=request.refurbisher),
            "actions": seller_actions(refurbisher=request.refurbisher),
            "metrics_warning": metrics_warning(request.refurbisher),
            "sales_charts": overview_charts(refurbisher=request.refurbisher),
        },
        current="overview",
    )
