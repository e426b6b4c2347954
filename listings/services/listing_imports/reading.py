"""Read an import: its stored file, the data its rows are checked against,
and the plan of every row.

The check and the apply both read through here, so the apply sees the rows
exactly as the check did, against the data as it is then.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext

from listings import csv_format as fmt
from listings.models import Listing, ListingImport, Offer, Variant
from listings.services.listing_imports.plan import (
    Context,
    ImportPlan,
    Progress,
)
from listings.services.listing_imports.rules import row_check
from refurbishers.models import Refurbisher

MAX_ROWS = 50_000
PROGRESS_EVERY = 1000


def table_read(listing_import: ListingImport) -> fmt.CsvTable:
    """The stored file's rows; CsvFileError if it cannot be imported."""
    with listing_import.file.open("rb") as stored:
        data = stored.read()
    table = fmt.csv_read(data, max_rows=MAX_ROWS)
    if not table.rows:
        raise fmt.CsvFileError(gettext("The file has no rows below its first row."))
    return table


def context_read(
    refurbisher: Refurbisher, table: fmt.CsvTable, *, lock: bool
) -> Context:
    """The variants, listings and offers the rows name; with ``lock``, the
    refurbisher's listings of these SKUs locked for the apply."""
    sku_at, variant_at = table.columns.index(fmt.SKU), table.columns.index(fmt.VARIANT)
    skus, variant_ids = set(), set()
    for _, cells in table.rows:
        if sku_at < len(cells) and cells[sku_at]:
            skus.add(cells[sku_at])
        if variant_at < len(cells) and cells[variant_at].isdigit():
            variant_ids.add(int(cells[variant_at]))
    variants = Variant.objects.select_related("device_model").in_bulk(variant_ids)
    listings = Listing.objects.filter(refurbisher=refurbisher, sku__in=skus)
    if lock:
        # Lock order: listings by id, as every listing write does.
        listings = listings.order_by("pk").select_for_update(of=("self",))
    by_sku = {listing.sku: listing for listing in listings}
    offers: dict[int, dict[str, Offer]] = defaultdict(dict)
    for offer in Offer.objects.filter(
        listing_id__in=[listing.pk for listing in by_sku.values()]
    ).only("id", "listing_id", "market", "price_amount", "shipping_amount"):
        offers[offer.listing_id][offer.market] = offer
    return Context(refurbisher, variants, by_sku, offers)


def rows_plan(
    table: fmt.CsvTable, context: Context, *, progress: Progress | None = None
) -> ImportPlan:
    """Check every row: the plan of those that pass, the problems of the rest."""
    sku_at = table.columns.index(fmt.SKU)
    rows_of_sku: dict[str, list[int]] = defaultdict(list)
    for number, cells in table.rows:
        if sku_at < len(cells) and cells[sku_at]:
            rows_of_sku[cells[sku_at]].append(number)
    plan = ImportPlan(rows=[], errors=[], invalid_rows=set())
    for done, (number, cells) in enumerate(table.rows, start=1):
        row_plan, errors = row_check(number, cells, table, context, rows_of_sku)
        if errors:
            plan.invalid_rows.add(number)
            plan.errors += [
                {"row": number, "column": column, "message": message}
                for column, message in errors
            ]
        else:
            plan.rows.append(row_plan)
        if progress and done % PROGRESS_EVERY == 0:
            progress(done)
    return plan
