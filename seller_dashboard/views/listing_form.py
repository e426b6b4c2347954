"""Create and edit a listing, its photos, delete or archive it.

The rules are the listing services' (``listing_create``, ``listing_update``,
``listing_delete``, ``listing_photos_add``); these views only turn a refusal
into a form error that keeps what was typed.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from listings.exceptions import ListingError
from listings.models import ListingStatus
from listings.selectors.seller_listings import HIDDEN_REASONS, seller_listing
from listings.services import (
    listing_create,
    listing_delete,
    listing_status_set,
    listing_update,
)
from listings.services.photos import (
    MAX_PHOTOS,
    listing_photo_remove,
    listing_photos_add,
    photos_check,
)
from marketplace.errors import refusal_to_form
from marketplace.markets import MARKETS
from seller_dashboard.forms_listings import ListingForm
from seller_dashboard.views.access import member_required, seller_render


def _listing_or_404(request: HttpRequest, listing_id: int):
    listing = seller_listing(refurbisher=request.refurbisher, listing_id=listing_id)
    if listing is None:
        raise Http404("No such listing.")
    return listing


def _photos_checked(form: ListingForm, existing: int) -> bool:
    try:
        photos_check(form.cleaned_data.get("photos") or [], existing=existing)
    except ListingError as error:
        form.add_error("photos", error.message)
        return False
    return True


def _render(request, form, listing=None, status=200) -> HttpResponse:
    refurbisher = request.refurbisher
    return seller_render(
        request,
        "seller/listing_form.html",
        {
            "form": form,
            "listing": listing,
            "hidden_reason": HIDDEN_REASONS.get(listing.hidden_reason)
            if listing
            else None,
            "ships_from": MARKETS[refurbisher.country],
            "max_photos": MAX_PHOTOS,
        },
        current="listings",
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def listing_new(request: HttpRequest) -> HttpResponse:
    refurbisher = request.refurbisher
    if request.method != "POST":
        form = ListingForm(refurbisher=refurbisher)
        return _render(request, form)
    if "find_variant" in request.POST:
        # Without JS, "Find" re-draws the form with the matching devices and
        # everything typed so far (files cannot be kept by a browser).
        form = ListingForm(refurbisher=refurbisher, initial=request.POST.dict())
        return _render(request, form)
    form = ListingForm(request.POST, request.FILES, refurbisher=refurbisher)
    if form.is_valid() and _photos_checked(form, existing=0):
        data = form.cleaned_data
        prices = {code: p for code, p in form.prices().items() if p is not None}
        try:
            listing = listing_create(
                refurbisher=refurbisher,
                variant=data["variant"],
                sku=data["sku"],
                grade=data["grade"],
                battery_min_pct=data["battery_min_pct"],
                stock=data["stock"],
                warranty_months=data["warranty_months"],
                prices=prices,
                dispatch_days=data["dispatch_days"],
                status=data["status"],
                actor=request.user,
            )
            listing_photos_add(
                listing=listing, uploads=data["photos"], actor=request.user
            )
        except ListingError as error:
            refusal_to_form(form, error)
        else:
            messages.success(
                request, gettext("Listing %(sku)s created.") % {"sku": listing.sku}
            )
            return redirect("seller:listing-edit", listing.pk)
    return _render(request, form, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def listing_edit(request: HttpRequest, listing_id: int) -> HttpResponse:
    refurbisher = request.refurbisher
    listing = _listing_or_404(request, listing_id)
    if request.method != "POST":
        return _render(
            request, ListingForm(refurbisher=refurbisher, listing=listing), listing
        )
    form = ListingForm(
        request.POST, request.FILES, refurbisher=refurbisher, listing=listing
    )
    existing = len(listing.photos.all())
    if form.is_valid() and _photos_checked(form, existing=existing):
        data = form.cleaned_data
        try:
            listing_update(
                listing=listing,
                grade=data["grade"],
                battery_min_pct=data["battery_min_pct"],
                stock=data["stock"],
                warranty_months=data["warranty_months"],
                dispatch_days=data["dispatch_days"],
                status=data["status"],
                prices=form.prices(),
                actor=request.user,
            )
            listing_photos_add(
                listing=listing, uploads=data["photos"], actor=request.user
            )
        except ListingError as error:
            refusal_to_form(form, error)
        else:
            messages.success(
                request, gettext("Listing %(sku)s saved.") % {"sku": listing.sku}
            )
            return redirect("seller:listing-edit", listing.pk)
    return _render(request, form, listing, status=400)


@require_POST
@member_required
def listing_archive(request: HttpRequest, listing_id: int) -> HttpResponse:
    listing = _listing_or_404(request, listing_id)
    listing_status_set(
        listing=listing, status=ListingStatus.ARCHIVED, actor=request.user
    )
    messages.success(
        request,
        gettext("%(sku)s is archived: it is off the site and kept on record.")
        % {"sku": listing.sku},
    )
    return redirect("seller:listing-edit", listing.pk)


@require_POST
@member_required
def listing_delete_view(request: HttpRequest, listing_id: int) -> HttpResponse:
    listing = _listing_or_404(request, listing_id)
    try:
        listing_delete(listing=listing)
    except ListingError as error:
        messages.error(request, error.message)
        return redirect("seller:listing-edit", listing.pk)
    messages.success(request, gettext("%(sku)s is deleted.") % {"sku": listing.sku})
    return redirect("seller:listings")


@require_POST
@member_required
def listing_photo_remove_view(
    request: HttpRequest, listing_id: int, photo_id: int
) -> HttpResponse:
    listing = _listing_or_404(request, listing_id)
    if not listing_photo_remove(listing=listing, photo_id=photo_id, actor=request.user):
        raise Http404("No such photo.")
    messages.success(request, gettext("Photo removed."))
    return redirect(reverse("seller:listing-edit", args=[listing.pk]) + "#photos")


@require_safe
@member_required
def listing_photo_file(
    request: HttpRequest, listing_id: int, photo_id: int, size: str
) -> FileResponse:
    """A photo's thumbnail (``thumb``, the original until it is made) or its
    original (``full``), for the seller's own listing only."""
    listing = _listing_or_404(request, listing_id)
    photo = next((p for p in listing.photos.all() if p.pk == photo_id), None)
    if photo is None:
        raise Http404("No such photo.")
    use_thumb = size == "thumb" and photo.thumbnail
    file = photo.thumbnail if use_thumb else photo.image
    try:
        handle = file.open("rb")
    except FileNotFoundError as error:
        raise Http404("No such photo.") from error
    response = FileResponse(
        handle, content_type="image/webp" if use_thumb else photo.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
