"""The seller's choice on a checked import: apply its valid rows, all in one
transaction or none, or discard it.

The apply re-reads the stored file and checks every row again against the
data as it is then, inside one transaction with the refurbisher's matching
listings locked; it applies the rows that passed the check, or nothing.
Writes are set-based (``writes``), then one ``listings_changed`` for every
listing touched. Its progress goes through a connection of its own
(``progress``), so the progress bar moves while the data transaction is
still open and is not rolled back with it.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from listings import csv_format as fmt
from listings.exceptions import ListingError
from listings.models import Listing, ListingImport, ListingImportStatus, Offer
from listings.services.catalog import listings_changed
from listings.services.history import listing_changes_record_alike
from listings.services.listing_imports.plan import (
    CREATE,
    ERRORS_KEPT,
    UPDATE,
    Progress,
    RowPlan,
)
from listings.services.listing_imports.progress import SideProgress
from listings.services.listing_imports.reading import (
    context_read,
    rows_plan,
    table_read,
)
from listings.services.listing_imports.runs import INLINE_MAX_ROWS, enqueue, fail
from listings.services.listing_imports.writes import creates_write, updates_write
from marketplace.bulk_copy import tables_analyze
from refurbishers.models import Refurbisher

logger = logging.getLogger(__name__)

WRITE_BATCH = 2000
ANALYZE_AFTER_CREATES = 1000
# Advisory lock space of import applies (two-key form: its own key space).
APPLY_LOCK_CLASS = 7301


class _Refused(Exception):
    """The file no longer applies as checked: nothing is written, the import
    says why."""

    def __init__(self, message: str, errors: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors


def listing_import_apply_request(*, listing_import: ListingImport) -> ListingImport:
    """The seller chose to apply the valid rows: at once for a small file, else
    in Celery. Refused (ListingError) unless the import is checked and
    applicable."""
    listing_import = listing_import_apply_start(listing_import=listing_import)
    if listing_import.rows_total < INLINE_MAX_ROWS:
        return listing_import_apply(import_id=listing_import.pk)
    enqueue("listing_import_apply", listing_import.pk)
    return listing_import


@transaction.atomic
def listing_import_apply_start(*, listing_import: ListingImport) -> ListingImport:
    """Mark a checked import as being applied (locked, so it starts once)."""
    listing_import = ListingImport.objects.select_for_update().get(pk=listing_import.pk)
    if listing_import.status != ListingImportStatus.CHECKED:
        raise ListingError(
            gettext("This import is not waiting to be applied: it is %(status)s.")
            % {"status": listing_import.get_status_display().lower()}
        )
    if not listing_import.rows_valid:
        raise ListingError(
            gettext("No row passed the check: there is nothing to apply.")
        )
    if not listing_import_can_apply(listing_import):
        raise ListingError(
            gettext(
                "Too many rows have problems to apply this file: fix them "
                "and upload it again."
            )
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
        table = table_read(listing_import)
    except fmt.CsvFileError as error:  # the stored file was read once already
        return fail(listing_import, str(error))
    progress = SideProgress(import_id)
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
        return fail(listing_import, refusal.message, errors=refusal.errors)
    except (IntegrityError, ListingError) as error:
        logger.info("Import %s not applied: %s", import_id, error)
        return fail(
            listing_import,
            gettext(
                "Nothing was applied: the listings changed while the file was "
                "being applied (another import, the dashboard or the API). Upload "
                "the file again to check it against them."
            ),
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
            gettext(
                "Only an import waiting to be applied can be discarded: this "
                "one is %(status)s."
            )
            % {"status": listing_import.get_status_display().lower()}
        )
    listing_import.status = ListingImportStatus.DISCARDED
    listing_import.save(update_fields=["status"])
    return listing_import


def _apply_in_transaction(
    listing_import: ListingImport, table: fmt.CsvTable, progress: Progress
) -> None:
    refurbisher = Refurbisher.objects.get(pk=listing_import.refurbisher_id)
    context = context_read(refurbisher, table, lock=True)
    plan = rows_plan(table, context)
    # The seller chose the rows that passed the check; the others stay out,
    # even if they would pass now.
    left_out = {error["row"] for error in listing_import.errors}
    broken = sorted(plan.invalid_rows - left_out)
    if broken:
        rows = ", ".join(str(n) for n in broken[:10]) + (
            "…" if len(broken) > 10 else ""
        )
        raise _Refused(
            ngettext(
                "Nothing was applied: %(count)s row that passed the check no "
                "longer passes (row %(rows)s). Fix the file and upload it again.",
                "Nothing was applied: %(count)s rows that passed the check no "
                "longer pass (row %(rows)s). Fix the file and upload it again.",
                len(broken),
            )
            % {"count": len(broken), "rows": rows},
            errors=[e for e in plan.errors if e["row"] in broken][:ERRORS_KEPT],
        )
    chosen = [row for row in plan.rows if row.row not in left_out]
    created = plan.count(CREATE, chosen)
    if created != listing_import.listings_created:
        raise _Refused(
            gettext(
                "Nothing was applied: since the check, the file would create "
                "%(created)s listings instead of %(listings_created)s "
                "(listings with its SKUs were added or deleted meanwhile). "
                "Upload the file again to check it against your listings as "
                "they are now."
            )
            % {"created": created, "listings_created": listing_import.listings_created}
        )
    touched: list[int] = []
    priced = False
    for start in range(0, len(chosen), WRITE_BATCH):
        batch = chosen[start : start + WRITE_BATCH]
        made = creates_write(refurbisher, [r for r in batch if r.action == CREATE])
        updates = [r for r in batch if r.action == UPDATE]
        updates_write(refurbisher, updates)
        _changes_record(listing_import, created=made, updates=updates)
        touched += made + [r.listing_id for r in updates]
        priced = priced or any(r.prices for r in updates)
        progress(_rows_done(table, batch[-1].row))
    if created >= ANALYZE_AFTER_CREATES:
        # Planner statistics from before thousands of new rows make the
        # refresh below a nested loop over every offer (minutes, not
        # seconds); ANALYZE in the transaction counts its own new rows.
        tables_analyze(Listing, Offer)
    if touched:
        listings_changed(listing_ids=touched, prices_changed=priced)
    ListingImport.objects.filter(pk=listing_import.pk).update(
        status=ListingImportStatus.APPLIED,
        rows_done=len(table.rows),
        listings_created=created,
        listings_updated=plan.count(UPDATE, chosen),
        failure="",
        applied_at=timezone.now(),
    )


def _changes_record(
    listing_import: ListingImport, *, created: list[int], updates: list[RowPlan]
) -> None:
    """Name the import's uploader in the history of each listing it wrote."""
    name = listing_import.filename
    listing_changes_record_alike(
        actor_id=listing_import.created_by_id,
        listing_ids=created,
        reason=f"Created by the import of {name}",
    )
    listing_changes_record_alike(
        actor_id=listing_import.created_by_id,
        listing_ids=[r.listing_id for r in updates],
        reason=f"Updated by the import of {name}",
    )


def _rows_done(table: fmt.CsvTable, row_number: int) -> int:
    # Rows are numbered as in the file (blank rows skipped): count up to it.
    return sum(1 for number, _ in table.rows if number <= row_number)
