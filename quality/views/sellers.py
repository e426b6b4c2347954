"""The public seller page: who the seller is, its scorecard, its reviews."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from quality.selectors import reviews_public
from quality.selectors_metrics import seller_public


@require_safe
def seller_page(request, slug: str):
    page = seller_public(slug=slug)
    return render(
        request,
        "quality/seller_page.html",
        {"seller": page, "reviews": reviews_public(page.refurbisher)},
    )
