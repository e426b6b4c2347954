"""The seller's warranty claims: the list, one claim, and the answer.

Any member of the refurbisher (owner or staff) may answer. A claim is looked
up within the member's own refurbisher, so another seller's claim is a 404
that reveals nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from orders.models import ClaimRemedy, ClaimStatus, WarrantyClaim
from orders.selectors.claims import (
    SHOW,
    claim_counts,
    claim_of_refurbisher,
    claim_timeline,
    claims_of_refurbisher_page,
    due_in,
)
from orders.services.claims import TEXT_MAX_CHARS, ClaimRefused, claim_answer
from seller_dashboard.views.access import member_required, seller_render

FILTERS = [
    ("waiting", gettext_lazy("Waiting for you")),
    ("remarket", gettext_lazy("With ReMarket")),
    ("all", gettext_lazy("All")),
]


@require_safe
@member_required
def claims(request):
    counts = claim_counts(refurbisher=request.refurbisher)
    show = request.GET.get("show", "")
    if show not in SHOW:
        # Open on the claims that need the seller, when there are any.
        show = "waiting" if counts.waiting else "all"
    page = claims_of_refurbisher_page(
        refurbisher=request.refurbisher, show=show, page=request.GET.get("page")
    )
    filters = [
        {"value": value, "label": label, "count": getattr(counts, value),
         "current": value == show}
        for value, label in FILTERS
    ]  # fmt: skip
    return seller_render(
        request,
        "seller/claims.html",
        {
            "page": page,
            "filters": filters,
            "show": show,
            "counts": counts,
            "answer_days": settings.CLAIM_ANSWER_BUSINESS_DAYS,
        },
        current="claims",
    )


def _claim(request, claim_id: int) -> WarrantyClaim:
    claim = claim_of_refurbisher(refurbisher=request.refurbisher, claim_id=claim_id)
    if claim is None:
        raise Http404("No such claim.")
    return claim


def _detail_page(request, claim, *, answer=None, error=None, status=200):
    return seller_render(
        request,
        "seller/claim_detail.html",
        {
            "claim": claim,
            "order": claim.seller_order.order,
            "line": claim.warranty.line,
            "unit": claim.warranty.unit,
            "warranty": claim.warranty,
            "timeline": claim_timeline(claim),
            "due_in": due_in(claim) if claim.status == ClaimStatus.OPEN else "",
            "remedies": ClaimRemedy.choices,
            "answer": answer or {"remedy": "", "message": "", "refund_amount": ""},
            "error": error,
            "text_max": TEXT_MAX_CHARS,
            "answer_days": settings.CLAIM_ANSWER_BUSINESS_DAYS,
        },
        current="claims",
        status=status,
    )


@require_safe
@member_required
def claim(request, claim_id: int):
    return _detail_page(request, _claim(request, claim_id))


@require_POST
@member_required
def claim_answer_view(request, claim_id: int):
    claim = _claim(request, claim_id)
    answer = {
        "remedy": request.POST.get("remedy", ""),
        "message": request.POST.get("message", ""),
        "refund_amount": request.POST.get("refund_amount", ""),
    }
    try:
        claim_answer(
            claim=claim,
            actor=request.user,
            remedy=answer["remedy"],
            message=answer["message"],
            refund_amount=answer["refund_amount"],
        )
    except ClaimRefused as refused:
        # Bad input is the seller's to fix (400); a claim past answering is
        # a conflict with its state (409).
        status = 400 if refused.field else 409
        return _detail_page(request, claim, answer=answer, error=refused, status=status)
    messages.success(request, gettext("Answer sent. The shopper has it by email."))
    return redirect("seller:claim", claim.pk)
