"""The seller's reviews: every shopper review of its orders, and its one answer.

Reviews are the signed-in member's refurbisher's only; another seller's
review is a 404, the same as one that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_safe

from quality.forms import AnswerForm
from quality.selectors import (
    SELLER_REVIEW_FILTERS,
    review_for_refurbisher,
    reviews_for_seller,
    reviews_summary,
)
from quality.services.reviews import ReviewRefused, review_answer
from seller_dashboard.views.access import member_required, seller_render


@require_safe
@member_required
def reviews(request):
    show = request.GET.get("show")
    show = show if show in SELLER_REVIEW_FILTERS else ""
    return seller_render(
        request,
        "seller/reviews.html",
        {
            "page": reviews_for_seller(
                refurbisher=request.refurbisher,
                show=show,
                page=request.GET.get("page"),
            ),
            "summary": reviews_summary(refurbisher=request.refurbisher),
            "show": show,
            "filters": [("", gettext("All"))]
            + [(key, label) for key, (label, _) in SELLER_REVIEW_FILTERS.items()],
        },
        current="reviews",
    )


@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def review_answer_view(request, review_id: int):
    """Answer one review publicly, once; a refusal keeps what was typed."""
    review = review_for_refurbisher(
        refurbisher=request.refurbisher, review_id=review_id
    )
    if review is None:
        raise Http404("No such review.")
    status = 200
    if request.method == "POST":
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                review_answer(
                    review=review,
                    actor=request.user,
                    answer=form.cleaned_data["answer"],
                )
            except ReviewRefused as refusal:
                field = refusal.field if refusal.field in form.fields else None
                form.add_error(field, refusal.message)
                status = 400 if field else 409
            else:
                messages.success(
                    request, gettext("Your answer is published under the review.")
                )
                return redirect(f"{reverse('seller:reviews')}#review-{review.pk}")
        else:
            status = 400
    else:
        form = AnswerForm()
    return seller_render(
        request,
        "seller/reviews_answer.html",
        {"review": review, "form": form},
        current="reviews",
        status=status,
    )
