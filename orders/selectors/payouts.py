"""Reads of a refurbisher's payouts: the list, one payout, what is coming, by month.

Each in a fixed number of queries whatever the number of payouts, lines,
seller orders or refunds. The amounts of what is coming are computed with the
same functions as the payout run (``orders.services.payouts``), so the page
shows what the run will pay.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from orders.models import (
    OPEN_RETURN_STATUSES,
    Payout,
    PayoutLine,
    PayoutLineKind,
    PayoutStatus,
    Refund,
    RefundReason,
    RefundStatus,
    ReturnRequest,
    SellerOrder,
    SellerOrderStatus,
)
from orders.services.payouts import refund_deduction, refunds_to_deduct, sale_amount
from refurbishers.models import Refurbisher, RefurbisherStatus

PAGE_SIZE = 25
# Pending payouts of suspended refurbishers: held until reinstatement
# (orders.services.payouts.payout_suspension_hold), QA's queue.
HELD_FOR_SUSPENSION = Q(
    status=PayoutStatus.PENDING, refurbisher__status=RefurbisherStatus.SUSPENDED
)
# Rows of "coming" shown; the totals count them all.
COMING_ROWS = 100
CHART_MONTHS = 12


def payouts_page(*, refurbisher: Refurbisher, page: str | None) -> Page:
    """One page of the refurbisher's payouts, newest first, with line counts.

    Two queries: the count and the page.
    """
    payouts = (
        Payout.objects.filter(refurbisher=refurbisher)
        .annotate(
            sales=Count("lines", filter=Q(lines__kind=PayoutLineKind.SALE)),
            refunds=Count("lines", filter=Q(lines__kind=PayoutLineKind.REFUND)),
        )
        .order_by("-created_at", "-pk")
    )
    return Paginator(payouts, PAGE_SIZE).get_page(page)


def payout_of_refurbisher(*, refurbisher: Refurbisher, payout_id: int) -> Payout | None:
    """The refurbisher's payout with its lines (order, refund), or None: two queries."""
    lines = PayoutLine.objects.select_related("seller_order__order", "refund").order_by(
        "kind", "seller_order_id", "pk"
    )
    return (
        Payout.objects.filter(refurbisher=refurbisher, pk=payout_id)
        .prefetch_related(Prefetch("lines", queryset=lines))
        .first()
    )


@dataclass
class ComingSale:
    """A delivered seller order not paid out yet, and when it will be."""

    seller_order: SellerOrder
    amount: Decimal
    refunded: Decimal
    on_hold: bool  # a return is open
    ready: bool  # window closed: in the next payout run

    @property
    def state(self) -> str:
        if self.on_hold:
            return "on_hold"
        return "ready" if self.ready else "soon"


@dataclass
class Coming:
    """What the next payout runs will hold, with totals per currency."""

    sales: list[ComingSale] = field(default_factory=list)
    more: int = 0  # sales not listed (beyond COMING_ROWS)
    deductions: list[tuple[Refund, Decimal]] = field(default_factory=list)
    # currency -> {"ready", "soon", "on_hold", "deductions"} -> amount
    totals: dict[str, dict[str, Decimal]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.sales and not self.deductions


def payouts_coming(
    *, refurbisher: Refurbisher, at: dt.datetime | None = None
) -> Coming:
    """Sales delivered and not paid out, and refunds still to deduct: 3 queries.

    A sale is ``ready`` once its return window closed (the next run pays it),
    ``on_hold`` while a return is open, else coming on its ``payable_at``.
    Its amount is the sale less the refunds that went through on it.
    """
    at = at or timezone.now()
    succeeded = (
        Refund.objects.filter(status=RefundStatus.SUCCEEDED)
        .exclude(reason=RefundReason.GOODWILL)  # ReMarket bears those
        .order_by("pk")
    )
    seller_orders = (
        SellerOrder.objects.filter(
            refurbisher=refurbisher, status=SellerOrderStatus.DELIVERED
        )
        .exclude(payout_lines__kind=PayoutLineKind.SALE)
        .annotate(
            return_open=Exists(
                ReturnRequest.objects.filter(
                    seller_order=OuterRef("pk"), status__in=OPEN_RETURN_STATUSES
                )
            )
        )
        .select_related("order")
        .prefetch_related(Prefetch("refunds", queryset=succeeded, to_attr="done"))
        .order_by("payable_at", "pk")
    )
    coming = Coming()
    totals: dict[str, dict[str, Decimal]] = defaultdict(
        lambda: defaultdict(lambda: Decimal("0"))
    )
    for seller_order in seller_orders:
        amount = sale_amount(seller_order) + sum(
            (
                refund_deduction(refund=refund, seller_order=seller_order)
                for refund in seller_order.done
            ),
            Decimal("0"),
        )
        sale = ComingSale(
            seller_order=seller_order,
            amount=amount,
            refunded=sum((r.amount for r in seller_order.done), Decimal("0")),
            on_hold=seller_order.return_open,
            ready=seller_order.payable_at is not None and seller_order.payable_at <= at,
        )
        totals[seller_order.currency][sale.state] += amount
        if len(coming.sales) < COMING_ROWS:
            coming.sales.append(sale)
        else:
            coming.more += 1
    deductible = (
        refunds_to_deduct()
        .filter(seller_order__refurbisher=refurbisher)
        .select_related("seller_order__order")
        .order_by("pk")
    )
    for refund in deductible:
        amount = refund_deduction(refund=refund, seller_order=refund.seller_order)
        coming.deductions.append((refund, amount))
        totals[refund.seller_order.currency]["deductions"] += amount
    coming.totals = {
        currency: {
            name: by_state[name] for name in ("ready", "soon", "on_hold", "deductions")
        }
        for currency, by_state in sorted(totals.items())
    }
    return coming


def payouts_by_month(
    *, refurbisher: Refurbisher, at: dt.datetime | None = None
) -> dict[str, list[tuple[dt.date, Decimal]]]:
    """Paid payouts per calendar month (UTC), the last 12 months: one query.

    Per currency, every month of the span in order, zero where nothing was paid.
    """
    at = at or timezone.now()
    first = _months_back(at.date().replace(day=1), CHART_MONTHS - 1)
    rows = (
        Payout.objects.filter(
            refurbisher=refurbisher,
            status=PayoutStatus.PAID,
            paid_at__date__gte=first,
        )
        .annotate(month=TruncMonth("paid_at", tzinfo=dt.UTC))
        .values("currency", "month")
        .annotate(total=Sum("amount"))
        .order_by("currency", "month")
    )
    paid: dict[str, dict[dt.date, Decimal]] = defaultdict(dict)
    for row in rows:
        paid[row["currency"]][row["month"].date()] = row["total"]
    months = [_months_back(first, -offset) for offset in range(CHART_MONTHS)]
    return {
        currency: [(month, by_month.get(month, Decimal("0"))) for month in months]
        for currency, by_month in sorted(paid.items())
    }


def _months_back(month: dt.date, count: int) -> dt.date:
    """The first day of the month ``count`` months before (negative: after)."""
    index = month.year * 12 + month.month - 1 - count
    return dt.date(index // 12, index % 12 + 1, 1)
