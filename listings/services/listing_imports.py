"""CSV imports of listings: the dry run that checks every row, then the apply.

The check writes nothing but the import's own row (counts, errors, progress).
The apply re-reads the stored file and checks every row again against the
data as it is then, inside one transaction with the refurbisher's matching
listings locked; it applies the rows that passed the check, or nothing. Its
progress goes through a connection of its own, so the progress bar moves
while the data transaction is still open and is not rolled back with it.

The listing rules are ``check_listing_facts`` and ``check_market_prices``,
called per row on unsaved values, exactly as the dashboard and API use them.
Writes are set-based: bulk inserts and one UPDATE per batch, then one
``offers_refresh`` for every listing touched.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    connection,
    connections,
    transaction,
)
from django.utils import timezone

from listings import csv_format as fmt
from listings.demo.bulk import ids_reserve, rows_copy, tables_analyze
from listings.exceptions import ListingError
from listings.models import (
    BATTERY_MIN_PCT,
    Listing,
    ListingImport,
    ListingImportStatus,
    ListingStatus,
    Offer,
    Variant,
)
from listings.services.catalog import catalog_version_bump, offers_refresh
from listings.services.listing import (
    MarketPrice,
    check_listing_facts,
    check_market_prices,
)
from marketplace.markets import MARKETS
from refurbishers.models import Refurbisher

logger = logging.getLogger(__name__)

# Below this many rows the page checks and applies at once; above, Celery.
INLINE_MAX_ROWS = 500
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
# The report keeps this many problems; a file with more cannot be applied.
ERRORS_KEPT = 1000
PROGRESS_EVERY = 1000
WRITE_BATCH = 2000
ANALYZE_AFTER_CREATES = 1000
# Advisory lock space of import applies (two-key form: its own key space).
APPLY_LOCK_CLASS = 7301

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
FACT_FIELDS = (
    fmt.GRADE, fmt.BATTERY, fmt.STOCK, fmt.WARRANTY, fmt.DISPATCH, fmt.STATUS,
)  # fmt: skip
# Values check_listing_facts accepts, put in place of a refused one so the
# next check reports the row's next problem too.
_FACTS_THAT_PASS = {
    "sku": "SKU", fmt.GRADE: "A", fmt.BATTERY: BATTERY_MIN_PCT, fmt.STOCK: 0,
    fmt.WARRANTY: 12, fmt.DISPATCH: 1, fmt.STATUS: ListingStatus.ACTIVE,
}  # fmt: skip
DEFAULT_WARRANTY_MONTHS = Listing._meta.get_field("warranty_months").default

Progress = Callable[[int], None]


@dataclass
class RowPlan:
    """What one valid row does: the listing's facts and its offers' changes."""

    row: int
    sku: str
    action: str
    variant: Variant
    facts: dict[str, object]
    listing_id: int | None = None
    # Market -> new price (added or changed) or None (no longer sold there).
    prices: dict[str, MarketPrice | None] = field(default_factory=dict)


@dataclass
class ImportPlan:
    rows: list[RowPlan]
    errors: list[dict]
    invalid_rows: set[int]

    def count(self, action: str, rows: Iterable[RowPlan] | None = None) -> int:
        return sum(
            1 for r in (self.rows if rows is None else rows) if r.action == action
        )


@dataclass
class _Context:
    """What the rows are checked against, read in three queries."""

    refurbisher: Refurbisher
    variants: dict[int, Variant]
    listings: dict[str, Listing]
    offers: dict[int, dict[str, Offer]]


class _Refused(Exception):
    def __init__(self, message: str, errors: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors


# --- Entry points -------------------------------------------------------------


def listing_import_upload(
    *, refurbisher: Refurbisher, user, upload: UploadedFile
) -> ListingImport:
    """Store the file and start its check: at once for a small file, else in Celery."""
    if upload.size and upload.size > MAX_FILE_BYTES:
        raise ListingError(
            f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: "
            "split it in several files.",
            field="file",
        )
    data = upload.read()
    listing_import = ListingImport(
        refurbisher=refurbisher,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        filename=(upload.name or "listings.csv")[-200:],
        rows_total=max(data.count(b"\n"), 1),
    )
    listing_import.file.save("listings.csv", ContentFile(data), save=True)
    if listing_import.rows_total < INLINE_MAX_ROWS:
        return listing_import_check(import_id=listing_import.pk)
    _enqueue("listing_import_check", listing_import.pk)
    return listing_import


def listing_import_check(*, import_id: int) -> ListingImport:
    """The dry run: check every row, count what would change, change nothing.

    A second call (a task delivered twice) finds the import checked and does
    nothing.
    """
    listing_import = ListingImport.objects.select_related("refurbisher").get(
        pk=import_id
    )
    if listing_import.status != ListingImportStatus.CHECKING:
        return listing_import
    try:
        table = _table_of(listing_import)
    except fmt.CsvFileError as error:
        return _fail(listing_import, str(error))
    ListingImport.objects.filter(pk=import_id).update(
        rows_total=len(table.rows), rows_done=0
    )

    def progress(done: int) -> None:
        ListingImport.objects.filter(pk=import_id).update(rows_done=done)

    context = _context(listing_import.refurbisher, table, lock=False)
    plan = _plan(table, context, progress=progress)
    ListingImport.objects.filter(
        pk=import_id, status=ListingImportStatus.CHECKING
    ).update(
        status=ListingImportStatus.CHECKED,
        rows_total=len(table.rows),
        rows_done=len(table.rows),
        rows_valid=len(plan.rows),
        rows_invalid=len(plan.invalid_rows),
        errors=plan.errors[:ERRORS_KEPT],
        # Until applied, these say what applying would do.
        listings_created=plan.count(CREATE),
        listings_updated=plan.count(UPDATE),
        failure="",
        checked_at=timezone.now(),
    )
    listing_import.refresh_from_db()
    return listing_import


def listing_import_apply_request(*, listing_import: ListingImport) -> ListingImport:
    """The seller chose to apply the valid rows: at once for a small file, else
    in Celery. Refused (ListingError) unless the import is checked and
    applicable."""
    listing_import = listing_import_apply_start(listing_import=listing_import)
    if listing_import.rows_total < INLINE_MAX_ROWS:
        return listing_import_apply(import_id=listing_import.pk)
    _enqueue("listing_import_apply", listing_import.pk)
    return listing_import


@transaction.atomic
def listing_import_apply_start(*, listing_import: ListingImport) -> ListingImport:
    """Mark a checked import as being applied (locked, so it starts once)."""
    listing_import = ListingImport.objects.select_for_update().get(pk=listing_import.pk)
    if listing_import.status != ListingImportStatus.CHECKED:
        raise ListingError(
            "This import is not waiting to be applied: it is "
            f"{listing_import.get_status_display().lower()}."
        )
    if not listing_import.rows_valid:
        raise ListingError("No row passed the check: there is nothing to apply.")
    if not listing_import_can_apply(listing_import):
        raise ListingError(
            "Too many rows have problems to apply this file: fix them and upload "
            "it again."
        )
    listing_import.status = ListingImportStatus.APPLYING
    listing_import.rows_done = 0
    listing_import.save(update_fields=["status", "rows_done"])
    return listing_import


def listing_import_can_apply(listing_import: ListingImport) -> bool:
    """Whether the report names every row with a problem (it keeps
    ERRORS_KEPT problems), so the apply knows which rows to leave out."""
    named = {error["row"] for error in listing_import.errors}
    return len(named) >= listing_import.rows_invalid


def listing_import_apply(*, import_id: int) -> ListingImport:
    """Apply the rows that passed the check, all in one transaction, or none.

    Every row is checked again against the data as it is now, with the
    refurbisher's listings of these SKUs locked. If a row that passed no
    longer does, or a SKU was created or removed since the check, nothing is
    applied and the import says why. Runs only on an import being applied,
    so a second delivery of the task does nothing.
    """
    listing_import = ListingImport.objects.get(pk=import_id)
    if listing_import.status != ListingImportStatus.APPLYING:
        return listing_import
    try:
        table = _table_of(listing_import)
    except fmt.CsvFileError as error:  # the stored file was read once already
        return _fail(listing_import, str(error))
    progress = _SideProgress(import_id)
    try:
        with transaction.atomic(durable=True):
            # Two deliveries of the task take turns; the second then finds
            # the import applied. (Not a row lock on the import: the progress
            # connection writes that row while this transaction is open.)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)",
                    [APPLY_LOCK_CLASS, import_id],
                )
            if not ListingImport.objects.filter(
                pk=import_id, status=ListingImportStatus.APPLYING
            ).exists():
                return ListingImport.objects.get(pk=import_id)
            _apply_in_transaction(listing_import, table, progress)
    except _Refused as refusal:
        return _fail(listing_import, refusal.message, errors=refusal.errors)
    except (IntegrityError, ListingError) as error:
        logger.info("Import %s not applied: %s", import_id, error)
        return _fail(
            listing_import,
            "Nothing was applied: the listings changed while the file was being "
            "applied (another import, the dashboard or the API). Upload the "
            "file again to check it against them.",
        )
    finally:
        progress.close()
    listing_import.refresh_from_db()
    return listing_import


@transaction.atomic
def listing_import_discard(*, listing_import: ListingImport) -> ListingImport:
    """Put a checked import aside without applying it."""
    listing_import = ListingImport.objects.select_for_update().get(pk=listing_import.pk)
    if listing_import.status != ListingImportStatus.CHECKED:
        raise ListingError(
            "Only an import waiting to be applied can be discarded: this one is "
            f"{listing_import.get_status_display().lower()}."
        )
    listing_import.status = ListingImportStatus.DISCARDED
    listing_import.save(update_fields=["status"])
    return listing_import


# --- Reading and checking -------------------------------------------------------


def _table_of(listing_import: ListingImport) -> fmt.CsvTable:
    with listing_import.file.open("rb") as stored:
        data = stored.read()
    table = fmt.csv_read(data)
    if not table.rows:
        raise fmt.CsvFileError("The file has no rows below its first row.")
    if len(table.rows) > MAX_ROWS:
        raise fmt.CsvFileError(
            f"The file has {len(table.rows):,} rows; an import takes at most "
            f"{MAX_ROWS:,}: split it in several files."
        )
    return table


def _context(refurbisher: Refurbisher, table: fmt.CsvTable, *, lock: bool) -> _Context:
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
    return _Context(refurbisher, variants, by_sku, offers)


def _plan(
    table: fmt.CsvTable, context: _Context, *, progress: Progress | None = None
) -> ImportPlan:
    sku_at = table.columns.index(fmt.SKU)
    rows_of_sku: dict[str, list[int]] = defaultdict(list)
    for number, cells in table.rows:
        if sku_at < len(cells) and cells[sku_at]:
            rows_of_sku[cells[sku_at]].append(number)
    plan = ImportPlan(rows=[], errors=[], invalid_rows=set())
    for done, (number, cells) in enumerate(table.rows, start=1):
        row_plan, errors = _row_plan(number, cells, table, context, rows_of_sku)
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


def _row_plan(
    number: int,
    cells: list[str],
    table: fmt.CsvTable,
    context: _Context,
    rows_of_sku: dict[str, list[int]],
) -> tuple[RowPlan | None, list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []
    if len(cells) > len(table.columns) and any(cells[len(table.columns) :]):
        errors.append(
            ("", f"This row has {len(cells)} cells where the first row names "
                 f"{len(table.columns)} columns: a stray separator?")
        )  # fmt: skip
    values = dict(zip(table.columns, cells, strict=False))

    def cell(name: str) -> str:
        return values.get(name, "")

    sku = cell(fmt.SKU)
    if not sku:
        errors.append((fmt.SKU, "The SKU is missing."))
    elif len(rows_of_sku[sku]) > 1:
        others = ", ".join(str(n) for n in rows_of_sku[sku] if n != number)
        errors.append((fmt.SKU, f"SKU {sku} is also on row {others}: one row per SKU."))
    existing = context.listings.get(sku)

    variant = None
    text = cell(fmt.VARIANT)
    if not text:
        errors.append((fmt.VARIANT, "The variant id is missing."))
    elif not text.isdigit():
        errors.append(
            (fmt.VARIANT, f"{text!r} is not a variant id: write the number from "
                          "the catalog list.")
        )  # fmt: skip
    else:
        variant = context.variants.get(int(text))
        if variant is None:
            errors.append((fmt.VARIANT, f"No catalog variant has id {text}."))
        elif existing is not None and existing.variant_id != variant.pk:
            errors.append(
                (fmt.VARIANT, f"Your listing {sku} is variant {existing.variant_id}: "
                              "a listing keeps its variant. Use a new SKU.")
            )  # fmt: skip

    facts, facts_read = _facts_read(values, existing, context.refurbisher, errors)
    if facts_read and sku:
        errors += _facts_check(sku, facts)

    prices, price_changes = _prices_read(
        table.markets, values, context.offers.get(existing.pk, {}) if existing else {},
        errors,
    )  # fmt: skip
    if fmt.WARRANTY in facts:
        said = {column for column, _ in errors}
        errors += [
            (column, message)
            for column, message in _prices_check(
                context.refurbisher,
                int(facts[fmt.WARRANTY]),
                prices,
                table.markets,
                unchanged=frozenset(prices) - set(price_changes),
            )
            if column not in said  # one problem per cell is enough
        ]
    if errors:
        return None, errors

    if existing is None:
        action = CREATE
    elif price_changes or any(
        getattr(existing, name) != value for name, value in facts.items()
    ):
        action = UPDATE
    else:
        action = UNCHANGED
    return RowPlan(
        row=number, sku=sku, action=action, variant=variant, facts=facts,
        listing_id=existing.pk if existing else None,
        prices=prices if existing is None else price_changes,
    ), []  # fmt: skip


def _facts_read(
    values: dict[str, str],
    existing: Listing | None,
    refurbisher: Refurbisher,
    errors: list[tuple[str, str]],
) -> tuple[dict[str, object], bool]:
    """Each fact from its cell, or kept (an existing listing) or defaulted."""
    defaults = {
        fmt.BATTERY: BATTERY_MIN_PCT,
        fmt.WARRANTY: DEFAULT_WARRANTY_MONTHS,
        fmt.DISPATCH: refurbisher.dispatch_days,
        fmt.STATUS: ListingStatus.ACTIVE,
    }
    readers = {
        fmt.GRADE: fmt.grade_code, fmt.STATUS: fmt.status_code,
        fmt.BATTERY: fmt.whole_number, fmt.STOCK: fmt.whole_number,
        fmt.WARRANTY: fmt.whole_number, fmt.DISPATCH: fmt.whole_number,
    }  # fmt: skip
    facts: dict[str, object] = {}
    all_read = True
    for name in FACT_FIELDS:
        text = values.get(name, "")
        if not text:
            if name in (fmt.GRADE, fmt.STOCK):
                errors.append((name, f"The {name.replace('_', ' ')} is missing."))
                all_read = False
            else:
                facts[name] = getattr(existing, name) if existing else defaults[name]
            continue
        try:
            facts[name] = readers[name](text)
        except fmt.CellError as error:
            errors.append((name, str(error)))
            all_read = False
    return facts, all_read


def _facts_check(sku: str, facts: dict[str, object]) -> list[tuple[str, str]]:
    """check_listing_facts, again after each refusal, to report every fact."""
    errors = []
    candidate = {"sku": sku, **facts}
    for _ in range(len(candidate)):
        try:
            check_listing_facts(Listing(**candidate))
            break
        except ListingError as error:
            column = error.field if error.field in candidate else ""
            errors.append((column, error.message))
            if not column:
                break
            candidate[column] = _FACTS_THAT_PASS[column]
    return errors


def _prices_read(
    markets: list[str],
    values: dict[str, str],
    current: dict[str, Offer],
    errors: list[tuple[str, str]],
) -> tuple[dict[str, MarketPrice], dict[str, MarketPrice | None]]:
    """The prices the listing would have, and the changes to its offers."""
    prices = {
        code: MarketPrice(offer.price_amount, offer.shipping_amount)
        for code, offer in current.items()
    }
    changes: dict[str, MarketPrice | None] = {}
    for code in markets:
        price_text = values.get(fmt.price_column(code), "")
        shipping_text = values.get(fmt.shipping_column(code), "")
        if not price_text:
            if shipping_text:
                errors.append(
                    (fmt.shipping_column(code),
                     f"A shipping cost needs a price in {MARKETS[code].name}.")
                )  # fmt: skip
            if code in prices:
                del prices[code]
                changes[code] = None
            continue
        try:
            amount = fmt.amount(price_text)
            shipping = fmt.amount(shipping_text) if shipping_text else Decimal("0.00")
        except fmt.CellError as error:
            column = fmt.price_column(code)
            if shipping_text and price_text and _is_amount(price_text):
                column = fmt.shipping_column(code)
            errors.append((column, str(error)))
            prices.pop(code, None)
            continue
        price = MarketPrice(amount, shipping)
        if prices.get(code) != price:
            changes[code] = price
        prices[code] = price
    return prices, changes


def _is_amount(text: str) -> bool:
    try:
        fmt.amount(text)
    except fmt.CellError:
        return False
    return True


def _prices_check(
    refurbisher: Refurbisher,
    warranty_months: int,
    prices: dict[str, MarketPrice],
    markets: list[str],
    *,
    unchanged: frozenset[str] = frozenset(),
) -> list[tuple[str, str]]:
    """check_market_prices per market, so each problem lands on its column.

    A price the listing already has (``unchanged``) may stay where its seller
    no longer ships, as in the dashboard: an export re-imports cleanly."""
    errors = []
    if not prices:
        try:
            check_market_prices(refurbisher, warranty_months, prices)
        except ListingError as error:
            errors.append((fmt.price_column(markets[0]), error.message))
        return errors
    for code, price in prices.items():
        try:
            check_market_prices(
                refurbisher, warranty_months, {code: price},
                unchanged=unchanged & {code},
            )  # fmt: skip
        except ListingError as error:
            if error.field == "warranty_months":
                column = fmt.WARRANTY
            elif price.amount > 0 and price.shipping < 0:
                column = fmt.shipping_column(code)
            else:
                column = fmt.price_column(code)
            errors.append((column, error.message))
    return errors


# --- Applying ---------------------------------------------------------------


class _SideProgress:
    """Write the apply's progress on a connection of its own (autocommit), so
    the page sees it while the data transaction is open and a rollback keeps
    it. The data transaction touches the import row only after the last of
    these writes, so the two connections never wait on each other."""

    def __init__(self, import_id: int) -> None:
        self.import_id = import_id
        self._side = None

    def __call__(self, done: int) -> None:
        if self._side is None:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
        with self._side.cursor() as cursor:
            cursor.execute(
                "UPDATE listings_listingimport SET rows_done = %s WHERE id = %s",
                [done, self.import_id],
            )

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def _apply_in_transaction(
    listing_import: ListingImport, table: fmt.CsvTable, progress: Progress
) -> None:
    refurbisher = Refurbisher.objects.get(pk=listing_import.refurbisher_id)
    context = _context(refurbisher, table, lock=True)
    plan = _plan(table, context)
    # The seller chose the rows that passed the check; the others stay out,
    # even if they would pass now.
    left_out = {error["row"] for error in listing_import.errors}
    broken = sorted(plan.invalid_rows - left_out)
    if broken:
        rows = ", ".join(str(n) for n in broken[:10]) + (
            "…" if len(broken) > 10 else ""
        )
        raise _Refused(
            f"Nothing was applied: {len(broken)} row{'s' if len(broken) > 1 else ''} "
            f"that passed the check no longer pass{'' if len(broken) > 1 else 'es'} "
            f"(row {rows}). Fix the file and upload it again.",
            errors=[e for e in plan.errors if e["row"] in broken][:ERRORS_KEPT],
        )
    chosen = [row for row in plan.rows if row.row not in left_out]
    created = plan.count(CREATE, chosen)
    if created != listing_import.listings_created:
        raise _Refused(
            f"Nothing was applied: since the check, the file would create "
            f"{created} listings instead of {listing_import.listings_created} "
            "(listings with its SKUs were added or deleted meanwhile). Upload "
            "the file again to check it against your listings as they are now."
        )
    touched: list[int] = []
    priced = False
    for start in range(0, len(chosen), WRITE_BATCH):
        batch = chosen[start : start + WRITE_BATCH]
        touched += _creates_write(refurbisher, [r for r in batch if r.action == CREATE])
        updates = [r for r in batch if r.action == UPDATE]
        _updates_write(refurbisher, updates)
        touched += [r.listing_id for r in updates]
        priced = priced or any(r.prices for r in updates)
        progress(_rows_done(table, batch[-1].row))
    if created >= ANALYZE_AFTER_CREATES:
        # Planner statistics from before thousands of new rows make the
        # refresh below a nested loop over every offer (minutes, not
        # seconds); ANALYZE in the transaction counts its own new rows.
        tables_analyze(Listing, Offer)
    if touched:
        offers_refresh(listing_ids=touched)
        if priced:
            # A price is not one of offers_refresh's copies, but it moves the
            # variant's price floor, which the ranking reads.
            from quality.services.ranking import rank_recompute_soon

            rank_recompute_soon()
        catalog_version_bump()
    ListingImport.objects.filter(pk=listing_import.pk).update(
        status=ListingImportStatus.APPLIED,
        rows_done=len(table.rows),
        listings_created=created,
        listings_updated=plan.count(UPDATE, chosen),
        failure="",
        applied_at=timezone.now(),
    )


def _rows_done(table: fmt.CsvTable, row_number: int) -> int:
    # Rows are numbered as in the file (blank rows skipped): count up to it.
    return sum(1 for number, _ in table.rows if number <= row_number)


# Columns written by COPY for new listings and their offers (no save(), so
# the timestamps and defaults are given here).
_LISTING_COLUMNS = [
    "id", "refurbisher_id", "variant_id", "sku", "grade", "battery_min_pct",
    "stock", "warranty_months", "ships_from", "dispatch_days", "status",
    "rank_score", "created_at", "updated_at",
]  # fmt: skip
_OFFER_COLUMNS = [
    "listing_id", "market", "price_amount", "currency", "shipping_amount",
    "refurbisher_id", "variant_id", "device_model_id", "category_id", "brand_id",
    "grade", "battery_min_pct", "warranty_months", "rank_score", "is_purchasable",
    "created_at",
]  # fmt: skip


def _creates_write(refurbisher: Refurbisher, rows: list[RowPlan]) -> list[int]:
    """Insert new listings and their offers with COPY: several times faster
    than bulk_create at this size (listings.demo.bulk measured it)."""
    if not rows:
        return []
    ids = ids_reserve(Listing, len(rows))
    now = timezone.now()
    rows_copy(
        Listing,
        _LISTING_COLUMNS,
        (
            (pk, refurbisher.pk, row.variant.pk, row.sku, row.facts[fmt.GRADE],
             row.facts[fmt.BATTERY], row.facts[fmt.STOCK], row.facts[fmt.WARRANTY],
             refurbisher.country, row.facts[fmt.DISPATCH], row.facts[fmt.STATUS],
             0.0, now, now)
            for pk, row in zip(ids, rows, strict=True)
        ),
    )  # fmt: skip
    rows_copy(
        Offer,
        _OFFER_COLUMNS,
        (
            (pk, code, price.amount, MARKETS[code].currency, price.shipping,
             refurbisher.pk, row.variant.pk, row.variant.device_model_id,
             row.variant.device_model.category_id, row.variant.device_model.brand_id,
             row.facts[fmt.GRADE], row.facts[fmt.BATTERY], row.facts[fmt.WARRANTY],
             0.0, False, now)
            for pk, row in zip(ids, rows, strict=True)
            for code, price in row.prices.items()
        ),
    )  # fmt: skip
    return ids


def _offer(listing: Listing, row: RowPlan, code: str, price: MarketPrice) -> Offer:
    model = row.variant.device_model
    return Offer(
        listing_id=listing.pk, market=code, price_amount=price.amount,
        currency=MARKETS[code].currency, shipping_amount=price.shipping,
        refurbisher_id=listing.refurbisher_id, variant_id=row.variant.pk,
        device_model_id=model.pk, category_id=model.category_id,
        brand_id=model.brand_id, grade=row.facts[fmt.GRADE],
        battery_min_pct=row.facts[fmt.BATTERY],
        warranty_months=row.facts[fmt.WARRANTY],
    )  # fmt: skip


def _updates_write(refurbisher: Refurbisher, rows: list[RowPlan]) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE listings_listing AS l SET
                grade = v.grade, battery_min_pct = v.battery, stock = v.stock,
                warranty_months = v.warranty, dispatch_days = v.dispatch,
                status = v.status, updated_at = now()
            FROM unnest(%s::bigint[], %s::text[], %s::int[], %s::int[], %s::int[],
                        %s::int[], %s::text[])
                AS v(id, grade, battery, stock, warranty, dispatch, status)
            WHERE l.id = v.id AND l.refurbisher_id = %s
            """,
            [
                [row.listing_id for row in rows],
                # In FACT_FIELDS' order, as the unnest's columns.
                *([row.facts[name] for row in rows] for name in FACT_FIELDS),
                refurbisher.pk,
            ],
        )
    current = {
        (offer.listing_id, offer.market): offer
        for offer in Offer.objects.filter(
            listing_id__in=[row.listing_id for row in rows if row.prices]
        ).only("id", "listing_id", "market")
    }
    added, changed, removed = [], [], []
    for row in rows:
        listing = Listing(pk=row.listing_id, refurbisher=refurbisher)
        for code, price in row.prices.items():
            offer = current.get((row.listing_id, code))
            if price is None:
                if offer is not None:
                    removed.append(offer.pk)
            elif offer is None:
                added.append(_offer(listing, row, code, price))
            else:
                changed.append((offer.pk, price))
    if removed:
        Offer.objects.filter(pk__in=removed).delete()  # order lines keep a copy
    if added:
        Offer.objects.bulk_create(added)
    if changed:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE listings_offer AS o SET
                    price_amount = v.price, shipping_amount = v.shipping
                FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[])
                    AS v(id, price, shipping)
                WHERE o.id = v.id
                """,
                [
                    [pk for pk, _ in changed],
                    [price.amount for _, price in changed],
                    [price.shipping for _, price in changed],
                ],
            )


# --- Small helpers ------------------------------------------------------------


def _fail(
    listing_import: ListingImport, message: str, errors: list[dict] | None = None
) -> ListingImport:
    """Mark the import failed, unless another run finished it meanwhile."""
    changes = {"status": ListingImportStatus.FAILED, "failure": message}
    if errors is not None:
        changes["errors"] = errors
    ListingImport.objects.filter(
        pk=listing_import.pk, status=listing_import.status
    ).update(**changes)
    listing_import.refresh_from_db()
    return listing_import


def _enqueue(task_name: str, import_id: int) -> None:
    from listings import tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.delay(import_id))
