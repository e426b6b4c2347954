"""The seller's payouts: the list, what is coming, the chart, the payout account.

Any member sees them; only an owner may change the Stripe account payouts go
to (staff see it read-only), with their password and a second-factor code
typed again; payouts to a new account are held for a while, and the page
says until when. A payout is looked up within the member's own refurbisher,
so another seller's payout is a 404 that reveals nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from marketplace.accounts.access import second_factor_url
from marketplace.accounts.limits import (
    sign_in_failed,
    sign_in_is_locked,
    sign_in_locked_response,
)
from marketplace.accounts.second_factor import second_factor_enabled
from marketplace.money import format_money
from orders.payment_gateway import payment_gateway
from orders.selectors.payouts import (
    payout_of_refurbisher,
    payouts_by_month,
    payouts_coming,
    payouts_page,
)
from orders.services.payout_account import (
    PayoutRefused,
    payout_account_hold,
    refurbisher_payout_account_set,
)
from orders.services.payouts import payout_suspension_hold
from seller_dashboard.views.access import member_required, seller_render

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
            "account_hold": payout_account_hold(refurbisher_id=refurbisher.pk),
            "second_factor_on": second_factor_enabled(request.user),
            "hold_hours": settings.PAYOUT_ACCOUNT_HOLD_HOURS,
            "second_factor_url": second_factor_url(
                request.user, reverse("seller:payouts")
            ),
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
    username = request.user.get_username()
    # A wrong password here counts like one at sign-in, and locks the same way.
    if sign_in_is_locked(request, username=username):
        return sign_in_locked_response(request, None, {"username": username})
    try:
        change = refurbisher_payout_account_set(
            refurbisher=request.refurbisher,
            account_id=value,
            actor=request.user,
            password=request.POST.get("password", ""),
            code=request.POST.get("code", ""),
        )
    except PayoutRefused as refusal:
        if refusal.field == "password" and sign_in_failed(request, username=username):
            return sign_in_locked_response(request, None, {"username": username})
        return _page(request, account_value=value, error=refusal, status=400)
    if change is None:
        messages.info(request, _("Nothing changed: payouts already go there."))
    elif change.held_until is not None:
        messages.success(
            request,
            _(
                "Saved. Payouts go to this Stripe account from %(until)s UTC; "
                "until then they wait. Every owner was emailed."
            )
            % {"until": f"{change.held_until:%Y-%m-%d %H:%M}"},
        )
    else:
        messages.success(
            request,
            _("Account removed. Payouts wait until you connect one again."),
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
