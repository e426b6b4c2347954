"""The seller's payouts: the list, what is coming, the chart, the payout account.

Any member sees them; only an owner may change the Stripe account payouts go
to (staff see it read-only). A payout is looked up within the member's own
refurbisher, so another seller's payout is a 404 that reveals nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST, require_safe

from marketplace.money import format_money
from orders.payment_gateway import payment_gateway
from orders.selectors.payouts import (
    payout_of_refurbisher,
    payouts_by_month,
    payouts_coming,
    payouts_page,
)
from orders.services.payouts import (
    PayoutRefused,
    payout_suspension_hold,
    refurbisher_payout_account_set,
)
from refurbishers.views.access import member_required, seller_render

# The bar chart's drawing box (SVG user units); bars share the width.
CHART_WIDTH = 360
CHART_HEIGHT = 120
CHART_LABELS = 16


def _chart(series: list[tuple[dt.date, Decimal]], currency: str) -> dict:
    """Bars of one currency's monthly payouts, scaled to the tallest month."""
    tallest = max((amount for _, amount in series), default=Decimal("0"))
    slot = CHART_WIDTH / len(series)
    bars = []
    for index, (month, amount) in enumerate(series):
        height = float(amount / tallest) * CHART_HEIGHT if tallest else 0
        bars.append(
            {
                "x": round(index * slot + slot * 0.15, 2),
                "width": round(slot * 0.7, 2),
                "y": round(CHART_HEIGHT - height, 2),
                "height": round(height, 2),
                "label_x": round(index * slot + slot / 2, 2),
                "month": month,
                "amount": amount,
                "shown": format_money(amount, currency),
            }
        )
    return {
        "currency": currency,
        "bars": bars,
        "total": format_money(sum(a for _, a in series), currency),
        "view_box": f"0 0 {CHART_WIDTH} {CHART_HEIGHT + CHART_LABELS + 4}",
        "label_y": CHART_HEIGHT + CHART_LABELS,
    }


def _page(request, *, account_value: str | None = None, error=None, status=200):
    refurbisher = request.refurbisher
    charts = [
        _chart(series, currency)
        for currency, series in payouts_by_month(refurbisher=refurbisher).items()
    ]
    gateway = payment_gateway()
    return seller_render(
        request,
        "seller/payouts.html",
        {
            "page": payouts_page(refurbisher=refurbisher, page=request.GET.get("page")),
            "coming": payouts_coming(refurbisher=refurbisher),
            "charts": charts,
            "moves_money": gateway.moves_money,
            "account_value": refurbisher.stripe_account_id
            if account_value is None
            else account_value,
            "error": error,
            "suspension_hold": payout_suspension_hold(refurbisher),
        },
        current="payouts",
        status=status,
    )


@require_safe
@member_required
def payouts(request):
    return _page(request)


@require_POST
@member_required(owner=True)
def payout_account(request):
    value = request.POST.get("stripe_account_id", "")
    try:
        refurbisher_payout_account_set(
            refurbisher=request.refurbisher, account_id=value, actor=request.user
        )
    except PayoutRefused as refusal:
        return _page(request, account_value=value, error=refusal, status=400)
    if value.strip():
        messages.success(request, "Saved. Payouts now go to this Stripe account.")
    else:
        messages.success(
            request, "Account removed. Payouts wait until you connect one again."
        )
    return redirect("seller:payouts")


@require_safe
@member_required
def payout_detail(request, payout_id: int):
    payout = payout_of_refurbisher(refurbisher=request.refurbisher, payout_id=payout_id)
    if payout is None:
        raise Http404("No such payout.")
    lines = list(payout.lines.all())
    amounts = [line.amount for line in lines]
    return seller_render(
        request,
        "seller/payout_detail.html",
        {
            "payout": payout,
            "lines": lines,
            "sales_total": sum((a for a in amounts if a >= 0), Decimal("0")),
            "deducted_total": sum((a for a in amounts if a < 0), Decimal("0")),
        },
        current="payouts",
    )
