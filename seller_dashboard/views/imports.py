"""The seller's CSV imports and export of listings.

An upload is checked first (a dry run the page reports row by row); the
seller then applies the valid rows or discards the file. Large files are
checked and applied in Celery while the page shows a progress bar. Imports
are looked up within the member's own refurbisher: another seller's import
is a 404.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from listings import csv_format as fmt
from listings.exceptions import ListingError
from listings.models import ListingImportStatus
from listings.selectors.listing_exports import (
    catalog_variant_rows,
    listings_export_markets,
    listings_export_rows,
    template_variants,
    variant_label,
)
from listings.selectors.listing_imports import (
    listing_import_of_refurbisher,
    listing_imports_page,
)
from listings.services.listing_imports import (
    ERRORS_KEPT,
    INLINE_MAX_ROWS,
    listing_import_apply_request,
    listing_import_can_apply,
    listing_import_discard,
    listing_import_upload,
)
from marketplace.markets import MARKETS
from seller_dashboard.forms_imports import ListingImportForm
from seller_dashboard.views.access import member_required, seller_render

WORKING = (ListingImportStatus.CHECKING, ListingImportStatus.APPLYING)


def _markets(refurbisher) -> list[str]:
    return fmt.market_codes(refurbisher.ships_to) or [refurbisher.country]


def _listings_url() -> str | None:
    """The listings table, once the dashboard has it."""
    try:
        return reverse("seller:listings")
    except NoReverseMatch:
        return None


@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def imports(request):
    """The format, the upload form and past imports; POST uploads a file."""
    status = 200
    if request.method == "POST":
        form = ListingImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                listing_import = listing_import_upload(
                    refurbisher=request.refurbisher,
                    user=request.user,
                    upload=form.cleaned_data["file"],
                )
            except ListingError as refusal:
                form.add_error("file", refusal.message)
                status = 400
            else:
                return redirect("seller:import", import_id=listing_import.pk)
        else:
            status = 400
    else:
        form = ListingImportForm()
    markets = _markets(request.refurbisher)
    return seller_render(
        request,
        "seller/imports.html",
        {
            "form": form,
            "page": listing_imports_page(
                refurbisher=request.refurbisher, page=request.GET.get("page")
            ),
            "columns": fmt.column_docs(markets),
            "markets": [MARKETS[code] for code in markets],
            "inline_max_rows": INLINE_MAX_ROWS,
        },
        current="listings",
        status=status,
    )


def _import_or_404(request, import_id: int):
    listing_import = listing_import_of_refurbisher(
        refurbisher=request.refurbisher, import_id=import_id
    )
    if listing_import is None:
        raise Http404("No such import.")
    return listing_import


@require_safe
@member_required
def import_detail(request, import_id: int):
    listing_import = _import_or_404(request, import_id)
    unchanged = max(
        listing_import.rows_valid
        - listing_import.listings_created
        - listing_import.listings_updated,
        0,
    )
    return seller_render(
        request,
        "seller/import_detail.html",
        {
            "import": listing_import,
            "working": listing_import.status in WORKING,
            "can_apply": listing_import.status == ListingImportStatus.CHECKED
            and listing_import.rows_valid > 0
            and listing_import_can_apply(listing_import),
            "unchanged": unchanged,
            "errors_kept": ERRORS_KEPT,
            "listings_url": _listings_url(),
        },
        current="listings",
    )


@require_safe
@member_required
def import_progress(request, import_id: int):
    """What the progress bar polls: a few figures as JSON."""
    listing_import = _import_or_404(request, import_id)
    return JsonResponse(
        {
            "status": listing_import.status,
            "status_label": listing_import.get_status_display(),
            "rows_done": listing_import.rows_done,
            "rows_total": listing_import.rows_total,
            "percent": listing_import.progress_percent,
            "working": listing_import.status in WORKING,
        },
        headers={"Cache-Control": "no-store"},
    )


@require_POST
@member_required
def import_apply(request, import_id: int):
    listing_import = _import_or_404(request, import_id)
    try:
        listing_import = listing_import_apply_request(listing_import=listing_import)
    except ListingError as refusal:
        messages.error(request, refusal.message)
    else:
        if listing_import.status == ListingImportStatus.APPLIED:
            messages.success(
                request,
                gettext("Applied: %(created)s listings created, %(updated)s updated.")
                % {
                    "created": listing_import.listings_created,
                    "updated": listing_import.listings_updated,
                },
            )
    return redirect("seller:import", import_id=import_id)


@require_POST
@member_required
def import_discard(request, import_id: int):
    listing_import = _import_or_404(request, import_id)
    try:
        listing_import_discard(listing_import=listing_import)
    except ListingError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, gettext("Discarded: nothing was changed."))
    return redirect("seller:imports")


def _csv_response(lines, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@member_required
def import_problems(request, import_id: int):
    """The check's report as a CSV, to work through beside the file."""
    listing_import = _import_or_404(request, import_id)
    rows = (
        [error["row"], error["column"], error["message"]]
        for error in listing_import.errors
    )
    return _csv_response(
        fmt.csv_lines(["row", "column", "problem"], rows),
        f"remarket-import-{listing_import.pk}-problems.csv",
    )


@require_safe
@member_required
def import_template(request):
    """The header and two example rows with real catalog variants."""
    refurbisher = request.refurbisher
    markets = _markets(refurbisher)
    rows = []
    for number, variant in enumerate(template_variants(), start=1):
        row = [
            f"EXAMPLE-{number:03d}", variant.pk, variant_label(variant),
            "A" if number == 1 else "B", 85 if number == 1 else 80, 3,
            12, refurbisher.dispatch_days, "draft",
        ]  # fmt: skip
        for index in range(len(markets)):
            if number == 2 and index > 0:
                row += ["", ""]  # not sold there
            else:
                price = Decimal("459.00") if number == 1 else Decimal("389.00")
                shipping = Decimal("0.00") if index == 0 else Decimal("9.90")
                row += [fmt.amount_text(price), fmt.amount_text(shipping)]
        rows.append(row)
    return _csv_response(
        fmt.csv_lines(fmt.header_for(markets), rows), "remarket-listings-template.csv"
    )


@require_safe
@member_required
def catalog_variants(request):
    """Every catalog variant with the id the variant column takes."""
    header = ["variant", "category", "brand", "model", "storage_gb", "colour",
              "connectivity"]  # fmt: skip
    return _csv_response(
        fmt.csv_lines(header, catalog_variant_rows()), "remarket-catalog-variants.csv"
    )


@require_safe
@member_required
def listings_export(request):
    """All the refurbisher's listings in the import's format, streamed."""
    refurbisher = request.refurbisher
    markets = listings_export_markets(refurbisher=refurbisher)
    rows = listings_export_rows(refurbisher=refurbisher, markets=markets)
    day = timezone.localdate().isoformat()
    return _csv_response(
        fmt.csv_lines(fmt.header_for(markets), rows),
        f"remarket-listings-{refurbisher.slug}-{day}.csv",
    )
