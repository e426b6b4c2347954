"""The seller's returns: the list (what needs action, what is on its way back)
and one return's page, where the seller authorises it and marks it received.

Any member of the refurbisher (owner or staff) may act. A return is looked up
within the member's own refurbisher, so another seller's return is a 404 that
reveals nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST, require_safe

from marketplace.markets import MARKETS
from marketplace.money import format_money
from orders.models import ReturnRequest, ReturnStatus
from orders.selectors.returns import (
    DEFAULT_FILTER,
    FILTERS,
    FILTERS_BY_KEY,
    return_counts,
    return_of_refurbisher,
    return_timeline,
    returns_page,
)
from orders.services.returns import (
    INSTRUCTIONS_MAX_CHARS,
    ReturnRefused,
    return_authorise,
    return_mark_received,
    return_refund_amount,
    return_tracking_url,
)
from seller_dashboard.views.access import member_required, seller_render

# The seller nav has one entry for claims and returns.
NAV_KEY = "claims"


@require_safe
@member_required
def returns(request):
    show = request.GET.get("show", "")
    if show not in FILTERS_BY_KEY:
        show = DEFAULT_FILTER
    counts = return_counts(refurbisher=request.refurbisher)
    page = returns_page(
        refurbisher=request.refurbisher, show=show, page=request.GET.get("page")
    )
    filters = [
        {
            "key": f.key,
            "label": f.label,
            "count": counts[f.key],
            "current": f.key == show,
        }
        for f in FILTERS
    ]
    return seller_render(
        request, "seller/returns.html",
        {
            "page": page, "filters": filters, "show": show,
            "refund_days": settings.RETURN_REFUND_DAYS,
        },
        current=NAV_KEY,
    )  # fmt: skip


def _return(request, pk: int) -> ReturnRequest:
    found = return_of_refurbisher(refurbisher=request.refurbisher, pk=pk)
    if found is None:
        raise Http404("No such return.")
    return found


def _return_address(refurbisher) -> str:
    """Where returns go: the application's return address, else the company's."""
    application = getattr(refurbisher, "application", None)
    return (
        getattr(application, "return_address", "") or refurbisher.address or ""
    ).strip()


def default_instructions(return_request: ReturnRequest, refurbisher) -> str:
    """Instructions the seller starts from, with its return address filled in."""
    address = _return_address(refurbisher) or gettext("[your return address]")
    company = refurbisher.legal_name or refurbisher.name
    order = return_request.seller_order.order
    return gettext(
        "Please pack the %(title)s well (in its original box "
        "if you still have it), with its accessories, and put a note inside with "
        "your order number %(reference)s. Sign out of your accounts and "
        "remove any lock on the device first.\n\n"
        "Send it to:\n%(company)s\n%(address)s\n\n"
        "Keep the carrier's receipt and enter the tracking number on your return "
        "page: we refund you as soon as the parcel arrives."
    ) % {
        "title": return_request.line.title,
        "reference": order.reference,
        "company": company,
        "address": address,
    }


def _detail_page(request, found, *, instructions=None, error=None, status=200):
    amount = None
    if found.status in (ReturnStatus.AUTHORISED, ReturnStatus.SENT_BACK):
        amount = return_refund_amount(found)
    return seller_render(
        request,
        "seller/return_detail.html",
        {
            "return_request": found,
            "order": found.seller_order.order,
            "line": found.line,
            "timeline": return_timeline(found),
            "tracking_url": return_tracking_url(found),
            "instructions": instructions
            if instructions is not None
            else default_instructions(found, request.refurbisher),
            "instructions_max": INSTRUCTIONS_MAX_CHARS,
            "refund_amount": amount,
            "error": error,
            "refund_days": settings.RETURN_REFUND_DAYS,
        },
        current=NAV_KEY,
        status=status,
    )


@require_safe
@member_required
def return_detail(request, pk: int):
    return _detail_page(request, _return(request, pk))


@require_POST
@member_required
def return_authorise_view(request, pk: int):
    found = _return(request, pk)
    instructions = request.POST.get("instructions", "")
    try:
        return_authorise(
            return_request=found, actor=request.user, instructions=instructions
        )
    except ReturnRefused as refusal:
        return _detail_page(
            request, _return(request, pk), instructions=instructions,
            error=refusal, status=400 if refusal.field else 409,
        )  # fmt: skip
    messages.success(
        request, gettext("Instructions sent. The shopper has them by email.")
    )
    return redirect("seller:return", pk)


@require_POST
@member_required
def return_received_view(request, pk: int):
    found = _return(request, pk)
    try:
        received = return_mark_received(return_request=found, actor=request.user)
    except ReturnRefused as refusal:
        return _detail_page(request, _return(request, pk), error=refusal, status=409)
    refund = received.refund
    if refund is not None:
        market = MARKETS[received.seller_order.order.market]
        shown = format_money(refund.amount, refund.currency, market)
        messages.success(
            request,
            gettext("Marked received. The shopper is refunded %(amount)s.")
            % {"amount": shown},
        )
    else:
        messages.success(
            request, gettext("Marked received. Nothing was left to refund.")
        )
    return redirect("seller:return", pk)
