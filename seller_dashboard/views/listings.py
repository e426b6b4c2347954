"""The seller's listings table: search, filters, sort, pages, inline edit of
stock and prices, bulk pause, resume and repricing.

Every listing read here is the signed-in member's refurbisher's; another
refurbisher's listing is a 404, the same as one that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from listings.exceptions import ListingError
from listings.models import Category, Grade, ListingStatus
from listings.selectors.seller_listings import (
    HIDDEN_REASONS,
    PAGE_SIZES,
    SORTS,
    STOCK_FILTERS,
    listing_filters_from,
    listings_summary,
    seller_listing,
    seller_listings,
    variant_label,
    variant_matches,
)
from listings.services import listing_update
from listings.services.bulk_actions import (
    BulkActionRefused,
    listings_bulk_price_change,
    listings_bulk_status_set,
)
from marketplace.markets import MARKETS
from marketplace.money import format_money
from seller_dashboard.forms_listings import BulkActionForm, QuickEditForm
from seller_dashboard.views.access import member_required, seller_render

LISTINGS_URL = "/seller/listings/"
IMPORTS_URL = "/seller/imports/"


def _existing(path: str) -> str | None:
    """``path`` if a page answers there (the CSV pages may not exist yet)."""
    try:
        resolve(path)
    except Resolver404:
        return None
    return path


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back(request: HttpRequest) -> str:
    """Where a form posted from the table returns: the table as it was
    (filters, sort, page), never another site."""
    target = request.POST.get("next") or LISTINGS_URL
    if target.startswith(LISTINGS_URL) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return LISTINGS_URL


def _sort_links(current: str) -> dict[str, dict]:
    """Each sortable column: the sort it links to and its aria-sort state."""
    links = {}
    for key in SORTS:
        if current == key:
            links[key] = {"value": f"-{key}", "aria": "ascending"}
        elif current == f"-{key}":
            links[key] = {"value": key, "aria": "descending"}
        else:
            first = f"-{key}" if key in ("updated", "stock", "price") else key
            links[key] = {"value": first, "aria": ""}
    return links


def _rows(page, bulk_selected: set[int]) -> list[dict]:
    return [
        {
            "listing": listing,
            "form": QuickEditForm(listing=listing),
            "hidden_reason": HIDDEN_REASONS.get(listing.hidden_reason),
            "selected": listing.pk in bulk_selected,
        }
        for listing in page.object_list
    ]


@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def listings(request: HttpRequest) -> HttpResponse:
    """The table (GET); a bulk action posts here and comes back to it."""
    refurbisher = request.refurbisher
    markets = [code for code in MARKETS if code in refurbisher.ships_to]
    filters = listing_filters_from(request.GET, markets=markets)
    per_page = request.GET.get("per_page", "")
    per_page = int(per_page) if per_page.isdigit() else PAGE_SIZES[0]

    status = 200
    bulk_form = BulkActionForm(refurbisher=refurbisher)
    bulk_errors: list = []
    bulk_selected: set[int] = set()
    if request.method == "POST":
        bulk_form = BulkActionForm(request.POST, refurbisher=refurbisher)
        if bulk_form.is_valid():
            try:
                done = _bulk_apply(refurbisher, bulk_form.cleaned_data, request.user)
            except BulkActionRefused as refusal:
                bulk_errors = refusal.rows
                bulk_form.add_error(None, refusal.message)
            else:
                messages.success(request, done)
                return redirect(request.get_full_path())
        status = 400
        bulk_selected = {
            int(i) for i in request.POST.getlist("selected") if str(i).isdigit()
        }

    page = seller_listings(
        refurbisher=refurbisher,
        filters=filters,
        page=request.GET.get("page"),
        per_page=per_page,
    )
    if request.GET.get("select") == "page" and not bulk_selected:
        # "All" without JS: the page comes back with every row ticked.
        bulk_selected = {listing.pk for listing in page.object_list}
    return seller_render(
        request,
        "seller/listings.html",
        {
            "page": page,
            "rows": _rows(page, bulk_selected),
            "filters": filters,
            "summary": listings_summary(refurbisher=refurbisher),
            "categories": Category.objects.only("pk", "name"),
            "statuses": ListingStatus.choices,
            "grades": Grade.choices,
            "markets": [MARKETS[code] for code in markets],
            "stock_filters": [(k, label) for k, (label, _) in STOCK_FILTERS.items()],
            "sorts": _sort_links(filters.sort),
            "per_page": per_page,
            "page_sizes": PAGE_SIZES,
            "bulk_form": bulk_form,
            "bulk_errors": bulk_errors,
            "imports_url": _existing(IMPORTS_URL),
        },
        current="listings",
        status=status,
    )


def _bulk_apply(refurbisher, data: dict, actor) -> str:
    ids, action = data["selected"], data["action"]
    if action in ("pause", "resume"):
        result = listings_bulk_status_set(
            refurbisher=refurbisher,
            listing_ids=ids,
            status=ListingStatus.PAUSED if action == "pause" else ListingStatus.ACTIVE,
            actor=actor,
        )
        verb = "paused" if action == "pause" else "resumed"  # a key, not shown
    else:
        result = listings_bulk_price_change(
            refurbisher=refurbisher,
            listing_ids=ids,
            market=data.get("market") or None,
            percent=data["value"] if action == "percent" else None,
            amount=data["value"] if action == "set" else None,
            actor=actor,
        )
        verb = "repriced"
    count = result.changed
    if not count:
        if verb == "paused":
            return gettext(
                "Nothing to change: the selected listings were already paused."
            )
        if verb == "resumed":
            return gettext(
                "Nothing to change: the selected listings were already resumed."
            )
        return gettext(
            "Nothing to change: the selected listings were already repriced."
        )
    if verb == "paused":
        text = ngettext(
            "%(count)d listing paused.", "%(count)d listings paused.", count
        )
    elif verb == "resumed":
        text = ngettext(
            "%(count)d listing resumed.", "%(count)d listings resumed.", count
        )
    else:
        text = ngettext(
            "%(count)d listing repriced.", "%(count)d listings repriced.", count
        )
    return text % {"count": count}


@require_POST
@member_required
def listing_quick_edit(request: HttpRequest, listing_id: int) -> HttpResponse:
    """Save one row's stock and prices. With JS the answer is JSON for the
    row; without, a redirect back to the table, or the row's form with its
    errors and what was typed."""
    listing = seller_listing(refurbisher=request.refurbisher, listing_id=listing_id)
    if listing is None:
        raise Http404("No such listing.")
    form = QuickEditForm(request.POST, listing=listing)
    if form.is_valid():
        try:
            listing_update(
                listing=listing,
                stock=form.cleaned_data["stock"],
                prices=form.changed_prices() or None,
                actor=request.user,
            )
        except ListingError as error:
            field = error.field if error.field in form.fields else None
            if error.field == "prices" and len(form.markets) == 1:
                field = f"price_{form.markets[0]}"
            form.add_error(field, error.message)
    if form.is_valid():
        saved = seller_listing(refurbisher=request.refurbisher, listing_id=listing_id)
        message = gettext("%(sku)s saved.") % {"sku": saved.sku}
        if _wants_json(request):
            return JsonResponse(
                {
                    "ok": True,
                    "message": message,
                    "stock": saved.stock,
                    "prices": {
                        offer.market: format_money(
                            offer.price_amount, offer.currency, MARKETS[offer.market]
                        )
                        for offer in saved.offers.all()
                    },
                    "hidden_reason": HIDDEN_REASONS.get(saved.hidden_reason),
                }
            )
        messages.success(request, message)
        return redirect(f"{_back(request)}#listing-{listing.pk}")
    if _wants_json(request):
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        return JsonResponse(
            {"ok": False, "message": _first_error(form), "errors": errors}, status=400
        )
    return seller_render(
        request,
        "seller/listing_quick.html",
        {"listing": listing, "form": form, "next": _back(request)},
        current="listings",
        status=400,
    )


def _first_error(form) -> str:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        label = label or (
            name.replace("_", " ").capitalize() if name != "__all__" else ""
        )
        if label:
            return gettext("%(field)s: %(error)s") % {
                "field": label,
                "error": errors[0],
            }
        return errors[0]
    return gettext("Check the row.")


@require_safe
@member_required
def variant_search(request: HttpRequest) -> JsonResponse:
    """A few catalog variants matching ``q``, for the listing form's picker."""
    q = request.GET.get("q", "").strip()[:100]
    results = [
        {"id": variant.pk, "label": variant_label(variant)}
        for variant in (variant_matches(q=q) if len(q) >= 2 else [])
    ]
    return JsonResponse({"results": results})
