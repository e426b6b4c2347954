"""Template tags of QA's admin index: the after-sale queues (claims, refunds,
payments that did not match, disputes, payouts held)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import template
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from orders.models import (
    CLOSED_DISPUTE_STATUSES,
    ClaimStatus,
    PaymentDispute,
    PaymentMismatch,
    Payout,
    PayoutAccountChange,
    Refund,
    RefundStatus,
    WarrantyClaim,
)
from orders.selectors.payouts import HELD_FOR_SUSPENSION

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
    """Escalated claims, refunds not through, payments that did not match,
    open disputes and held payouts, for staff who may see them.

    One query per queue a person may see.
    """
    queues = []
    if user.has_perm("orders.view_warrantyclaim"):
        escalated = WarrantyClaim.objects.filter(status=ClaimStatus.ESCALATED).count()
        queues.append(
            Queue(
                gettext("Warranty claims for ReMarket to decide"),
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
                gettext("Refunds still being retried"),
                counts["stuck"],
                f"{changelist}?status__exact={RefundStatus.PENDING}",
            ),
            Queue(
                gettext("Refunds that failed"),
                counts["failed"],
                f"{changelist}?status__exact={RefundStatus.FAILED}",
            ),
        ]
    if user.has_perm("orders.view_paymentmismatch"):
        to_review = PaymentMismatch.objects.filter(reviewed_at__isnull=True).count()
        queues.append(
            Queue(
                gettext("Payments not matching their order (refunded), to review"),
                to_review,
                reverse("admin:orders_paymentmismatch_changelist") + "?reviewed=no",
            )
        )
    if user.has_perm("orders.view_paymentdispute"):
        disputes = PaymentDispute.objects.exclude(
            status__in=CLOSED_DISPUTE_STATUSES
        ).count()
        queues.append(
            Queue(
                gettext("Payment disputes open"),
                disputes,
                reverse("admin:orders_paymentdispute_changelist") + "?open=yes",
            )
        )
    if user.has_perm("orders.view_payout"):
        held = Payout.objects.filter(HELD_FOR_SUSPENSION).count()
        queues.append(
            Queue(
                gettext("Payouts held: seller suspended"),
                held,
                reverse("admin:orders_payout_changelist") + "?held=suspended",
            )
        )
    if user.has_perm("orders.view_payoutaccountchange"):
        held = PayoutAccountChange.objects.filter(
            released_at__isnull=True, held_until__gt=timezone.now()
        ).count()
        queues.append(
            Queue(
                gettext("Payouts held after a payout account change"),
                held,
                reverse("admin:orders_payoutaccountchange_changelist") + "?hold=held",
            )
        )
    return queues
