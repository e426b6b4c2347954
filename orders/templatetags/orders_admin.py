"""Template tags of QA's admin index: the after-sale queues (claims, refunds)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import template
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from orders.models import (
    ClaimStatus,
    PayoutAccountChange,
    Refund,
    RefundStatus,
    WarrantyClaim,
)

register = template.Library()

# A refund still pending this long after it was decided did not go through on
# its first try: QA should know before the shopper asks.
REFUND_STUCK_AFTER = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class Queue:
    label: str
    count: int
    url: str


@register.simple_tag
def after_sale_queues_for(user) -> list[Queue]:
    """Escalated claims and refunds not through, for staff who may see them.

    One query per queue a person may see.
    """
    queues = []
    if user.has_perm("orders.view_warrantyclaim"):
        escalated = WarrantyClaim.objects.filter(status=ClaimStatus.ESCALATED).count()
        queues.append(
            Queue(
                "Warranty claims for ReMarket to decide",
                escalated,
                reverse("admin:orders_warrantyclaim_changelist")
                + f"?status={ClaimStatus.ESCALATED}",
            )
        )
    if user.has_perm("orders.view_refund"):
        stuck_before = timezone.now() - REFUND_STUCK_AFTER
        counts = Refund.objects.aggregate(
            failed=Count("pk", filter=Q(status=RefundStatus.FAILED)),
            stuck=Count(
                "pk",
                filter=Q(status=RefundStatus.PENDING, created_at__lt=stuck_before),
            ),
        )
        changelist = reverse("admin:orders_refund_changelist")
        queues += [
            Queue(
                "Refunds still being retried",
                counts["stuck"],
                f"{changelist}?status__exact={RefundStatus.PENDING}",
            ),
            Queue(
                "Refunds that failed",
                counts["failed"],
                f"{changelist}?status__exact={RefundStatus.FAILED}",
            ),
        ]
    if user.has_perm("orders.view_payoutaccountchange"):
        held = PayoutAccountChange.objects.filter(
            released_at__isnull=True, held_until__gt=timezone.now()
        ).count()
        queues.append(
            Queue(
                "Payouts held after a payout account change",
                held,
                reverse("admin:orders_payoutaccountchange_changelist") + "?hold=held",
            )
        )
    return queues
