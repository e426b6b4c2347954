"""Reads of warranty claims for the shopper's, the seller's and QA's pages.

Each costs a fixed number of queries whatever the number of claims, photos or
status changes. Who may see a claim is the caller's check (the order page's
rule for the shopper, the membership for the seller); these functions scope
by the order or the refurbisher they are given.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext

from orders.models import (
    OPEN_CLAIM_STATUSES,
    ClaimPhoto,
    ClaimStatus,
    ClaimStatusChange,
    Order,
    Warranty,
    WarrantyClaim,
)
from refurbishers.models import Refurbisher

Status = ClaimStatus
PAGE_SIZE = 25
# The seller's list: what each filter shows.
SHOW = {
    "waiting": Q(status=Status.OPEN),
    "remarket": Q(status=Status.ESCALATED),
    "all": Q(),
}


def warranty_in_order(*, order: Order, warranty_id: int) -> Warranty | None:
    """One warranty of an order's devices, with its unit, line and seller."""
    return (
        Warranty.objects.filter(pk=warranty_id, line__seller_order__order=order)
        .select_related("unit", "line__seller_order__refurbisher")
        .first()
    )


def warranty_running(warranty: Warranty, now: dt.datetime | None = None) -> bool:
    """Whether a claim may be filed under the warranty now (until it ends)."""
    now = now or timezone.now()
    return warranty.starts_at <= now < warranty.ends_at


def open_claim_of_warranty(*, warranty: Warranty) -> WarrantyClaim | None:
    """The warranty's claim still in progress (at most one), or None."""
    return warranty.claims.filter(status__in=OPEN_CLAIM_STATUSES).first()


def _detail(queryset: QuerySet[WarrantyClaim]) -> QuerySet[WarrantyClaim]:
    """A claim with everything its page shows: three queries."""
    return queryset.select_related(
        "seller_order__order",
        "refurbisher",
        "warranty__line",
        "warranty__unit",
        "refund",
        "decided_by",
    ).prefetch_related(
        Prefetch("photos", queryset=ClaimPhoto.objects.order_by("pk")),
        Prefetch(
            "status_changes",
            queryset=ClaimStatusChange.objects.select_related("actor").order_by(
                "created_at", "pk"
            ),
            to_attr="history",
        ),
    )


def claim_in_order(*, order: Order, claim_id: int) -> WarrantyClaim | None:
    """One claim on a device of the order, with photos and history, or None."""
    return _detail(
        WarrantyClaim.objects.filter(pk=claim_id, seller_order__order=order)
    ).first()


def claim_of_refurbisher(
    *, refurbisher: Refurbisher, claim_id: int
) -> WarrantyClaim | None:
    """One of the refurbisher's claims, with photos and history, or None."""
    return _detail(
        WarrantyClaim.objects.filter(pk=claim_id, refurbisher=refurbisher)
    ).first()


def claim_photo(*, photo_id: int) -> ClaimPhoto | None:
    """A claim photo with what deciding who may see it needs: one query."""
    return (
        ClaimPhoto.objects.filter(pk=photo_id)
        .select_related("claim__seller_order__order")
        .first()
    )


@dataclass(frozen=True)
class ClaimCounts:
    waiting: int
    overdue: int
    remarket: int
    all: int


def claim_counts(
    *, refurbisher: Refurbisher, now: dt.datetime | None = None
) -> ClaimCounts:
    """How many of the refurbisher's claims wait for it, are late, are with
    ReMarket, and in all: one query."""
    now = now or timezone.now()
    counts = WarrantyClaim.objects.filter(refurbisher=refurbisher).aggregate(
        waiting=Count("pk", filter=Q(status=Status.OPEN)),
        overdue=Count("pk", filter=Q(status=Status.OPEN, answer_due_at__lte=now)),
        remarket=Count("pk", filter=Q(status=Status.ESCALATED)),
        all=Count("pk"),
    )
    return ClaimCounts(**counts)


def claims_of_refurbisher(*, refurbisher: Refurbisher, show: str) -> QuerySet:
    """The refurbisher's claims for one filter: those waiting for an answer
    first, the soonest due first; then the others, newest first."""
    waiting_first = Case(
        When(status=Status.OPEN, then=0), default=1, output_field=IntegerField()
    )
    due_first = Case(When(status=Status.OPEN, then="answer_due_at"), default=None)
    return (
        WarrantyClaim.objects.filter(SHOW.get(show, Q()), refurbisher=refurbisher)
        .select_related("seller_order__order", "warranty__line", "warranty__unit")
        .order_by(waiting_first, due_first, "-created_at", "-pk")
    )


def claims_of_refurbisher_page(
    *,
    refurbisher: Refurbisher,
    show: str,
    page: str | None,
    now: dt.datetime | None = None,
) -> Page:
    """One page of the refurbisher's claims (two queries), each with
    ``due_in`` (see ``due_in``) for those waiting for an answer."""
    now = now or timezone.now()
    result = Paginator(
        claims_of_refurbisher(refurbisher=refurbisher, show=show), PAGE_SIZE
    ).get_page(page)
    for claim in result.object_list:
        claim.due_in = due_in(claim, now) if claim.status == Status.OPEN else ""
    return result


def due_hours(claim: WarrantyClaim, now: dt.datetime | None = None) -> int:
    """Whole hours left to answer, rounded up; 0 or less when overdue."""
    left = claim.answer_due_at - (now or timezone.now())
    if left <= dt.timedelta(0):
        return 0
    return math.ceil(left.total_seconds() / 3600)


def due_in(claim: WarrantyClaim, now: dt.datetime | None = None) -> str:
    """The time left to answer in words: "due in 5 hours", "due in 3 days";
    "" once overdue. Hours up to two days, where they matter most."""
    hours = due_hours(claim, now)
    if hours <= 0:
        return ""
    if hours <= 48:
        return f"due in {hours} hour{'s' if hours > 1 else ''}"
    return f"due in {hours // 24} days"


def claim_timeline(claim: WarrantyClaim) -> list[dict]:
    """The claim's steps with their dates, for both sides' pages.

    Filed, the answer's due time (while waiting) or when it came, then when
    the shopper accepted or sent it to ReMarket, and ReMarket's decision.
    Steps not reached yet are listed undated so people see what comes next.
    """
    steps = [{"label": gettext("Filed"), "at": claim.created_at, "done": True}]
    if claim.answered_at:
        steps.append(
            {"label": gettext("Seller answered"), "at": claim.answered_at, "done": True}
        )
    elif claim.status == Status.OPEN:
        steps.append(
            {
                "label": gettext("Seller's answer due"),
                "at": claim.answer_due_at,
                "done": False,
                "due": True,
            }
        )
    else:
        steps.append(
            {"label": gettext("No answer from the seller"), "at": None, "done": True}
        )
    if claim.accepted_at:
        label = (
            gettext("Closed by the shopper")
            if claim.seller_remedy == "decline"
            else gettext("Solution accepted")
        )
        steps.append({"label": label, "at": claim.accepted_at, "done": True})
    elif claim.escalated_at:
        steps.append(
            {
                "label": gettext("Sent to ReMarket"),
                "at": claim.escalated_at,
                "done": True,
            }
        )
        steps.append(
            {
                "label": gettext("Decided by ReMarket"),
                "at": claim.decided_at,
                "done": claim.decided_at is not None,
            }
        )
    else:
        steps.append(
            {"label": gettext("Solution accepted or sent to ReMarket"), "at": None,
             "done": False}
        )  # fmt: skip
    current = next((i for i, s in enumerate(steps) if not s["done"]), None)
    for index, step in enumerate(steps):
        step["current"] = index == current
    return steps
