"""The shopper's warranty claims: file one, follow it, accept or ask ReMarket.

A claim is seen by whoever may see its order (``_visible_order``: the
signed-in owner, or a browser granted the order by its access token); anyone
else gets a 404, as for a claim that does not exist. Photos are never public
media: ``photo`` streams them to the order's shopper, the seller's team and
QA staff allowed to view claim photos.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from orders.models import ClaimProblem, ClaimRemedy, ClaimStatus, Order, WarrantyClaim
from orders.selectors.claims import (
    claim_in_order,
    claim_photo,
    claim_timeline,
    open_claim_of_warranty,
    warranty_in_order,
    warranty_running,
)
from orders.selectors.orders import order_visible_to
from orders.services.claims import (
    DESCRIPTION_MIN_CHARS,
    PHOTOS_MAX,
    TEXT_MAX_CHARS,
    ClaimRefused,
    claim_accept,
    claim_escalate,
    claim_file,
    photo_max_megabytes,
)
from orders.services.warranty import COVERS, EXCLUDES
from orders.views.orders import _visible_order, order_access_granted
from refurbishers.models import Membership

PHOTO_PERMISSION = "orders.view_claimphoto"


def _claim(request, reference: str, claim_id: int) -> tuple[Order, WarrantyClaim]:
    order = _visible_order(request, reference)
    claim = claim_in_order(order=order, claim_id=claim_id)
    if claim is None:
        raise Http404("No such claim.")
    return order, claim


def _claim_url(order: Order, claim: WarrantyClaim) -> str:
    return reverse("order-claim", args=[order.reference, claim.pk])


@require_http_methods(["GET", "HEAD", "POST"])
def claim_new(request, reference: str, warranty_id: int):
    """The form to report a problem with one device under its warranty."""
    order = _visible_order(request, reference)
    warranty = warranty_in_order(order=order, warranty_id=warranty_id)
    if warranty is None:
        raise Http404("No such warranty in this order.")
    typed = {"problem": "", "description": ""}
    error = None
    status = 200
    if request.method == "POST":
        typed = {
            "problem": request.POST.get("problem", ""),
            "description": request.POST.get("description", ""),
        }
        try:
            claim = claim_file(
                warranty=warranty,
                problem=typed["problem"],
                description=typed["description"],
                photos=request.FILES.getlist("photos"),
                actor=request.user,
            )
        except ClaimRefused as refused:
            error, status = refused, 400
        else:
            seller = warranty.line.seller_order.refurbisher.name
            messages.success(
                request,
                gettext(
                    "Thank you: your claim is filed. %(seller)s has been told; its "
                    "answer is due by the date below."
                )
                % {"seller": seller},
            )
            return redirect(_claim_url(order, claim))
    return render(
        request,
        "orders/claim_new.html",
        {
            "order": order,
            "warranty": warranty,
            "line": warranty.line,
            "refurbisher": warranty.line.seller_order.refurbisher,
            "problems": ClaimProblem.choices,
            "typed": typed,
            "error": error,
            "open_claim": open_claim_of_warranty(warranty=warranty),
            "running": warranty_running(warranty),
            "answer_days": settings.CLAIM_ANSWER_BUSINESS_DAYS,
            "description_min": DESCRIPTION_MIN_CHARS,
            "text_max": TEXT_MAX_CHARS,
            "photos_max": PHOTOS_MAX,
            "photo_max_mb": photo_max_megabytes(),
            "covers": COVERS,
            "excludes": EXCLUDES,
        },
        status=status,
    )


def _detail(request, order, claim, *, error=None, reason="", status=200):
    return render(
        request,
        "orders/claim_detail.html",
        {
            "order": order,
            "claim": claim,
            "line": claim.warranty.line,
            "unit": claim.warranty.unit,
            "warranty": claim.warranty,
            "refurbisher": claim.refurbisher,
            "timeline": claim_timeline(claim),
            # The seller missed its time: the shopper need not wait for the job.
            "overdue": claim.status == ClaimStatus.OPEN
            and claim.answer_due_at <= timezone.now(),
            "error": error,
            "reason": reason,
            "text_max": TEXT_MAX_CHARS,
        },
        status=status,
    )


@require_safe
def claim_detail(request, reference: str, claim_id: int):
    order, claim = _claim(request, reference, claim_id)
    return _detail(request, order, claim)


@require_POST
def claim_accept_view(request, reference: str, claim_id: int):
    order, claim = _claim(request, reference, claim_id)
    try:
        claim_accept(claim=claim, actor=request.user)
    except ClaimRefused as refused:
        return _detail(request, order, claim, error=refused, status=409)
    messages.success(
        request,
        gettext("Thank you: the claim is closed.")
        if claim.seller_remedy == ClaimRemedy.DECLINE
        else gettext(
            "Thank you: you accepted the seller's answer. They have been told."
        ),
    )
    return redirect(_claim_url(order, claim))


@require_POST
def claim_escalate_view(request, reference: str, claim_id: int):
    order, claim = _claim(request, reference, claim_id)
    reason = request.POST.get("reason", "")
    try:
        claim_escalate(claim=claim, actor=request.user, reason=reason)
    except ClaimRefused as refused:
        status = refused.status
        return _detail(
            request, order, claim, error=refused, reason=reason, status=status
        )
    messages.success(
        request,
        gettext(
            "ReMarket's quality team now decides this claim. We will email you "
            "and the seller the decision."
        ),
    )
    return redirect(_claim_url(order, claim))


def _may_see_photo(request, photo) -> bool:
    order = photo.claim.seller_order.order
    if order_visible_to(
        order=order, user=request.user, granted=order_access_granted(request)
    ):
        return True
    user = request.user
    if not user.is_authenticated:
        return False
    if user.is_staff and user.has_perm(PHOTO_PERMISSION):
        return True
    return Membership.objects.filter(
        user=user, refurbisher_id=photo.claim.refurbisher_id
    ).exists()


@require_safe
def photo(request, photo_id: int):
    """Stream a claim photo to the shopper, the seller's team or QA; 404 to
    anyone else (the same answer as for an id that does not exist)."""
    found = claim_photo(photo_id=photo_id)
    if found is None or not _may_see_photo(request, found):
        raise Http404("No such photo.")
    try:
        handle = found.image.open("rb")
    except FileNotFoundError as error:
        raise Http404("No such photo.") from error
    response = FileResponse(handle, content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
