"""The dry run of an import: store the uploaded file, check every row, count
what applying would change, and change nothing.

The check writes nothing but the import's own row (counts, problems,
progress).
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext

from listings import csv_format as fmt
from listings.exceptions import ListingError
from listings.models import ListingImport, ListingImportStatus
from listings.services.listing_imports import reading
from listings.services.listing_imports.plan import CREATE, ERRORS_KEPT, UPDATE
from listings.services.listing_imports.reading import (
    context_read,
    rows_plan,
    table_read,
)
from listings.services.listing_imports.runs import INLINE_MAX_ROWS, enqueue, fail
from refurbishers.models import Refurbisher

MAX_FILE_BYTES = 10 * 1024 * 1024


def listing_import_upload(
    *, refurbisher: Refurbisher, user, upload: UploadedFile
) -> ListingImport:
    """Store the file and start its check: at once for a small file, else in Celery."""
    if upload.size and upload.size > MAX_FILE_BYTES:
        raise ListingError(
            gettext("The file is larger than %(limit)s MB: split it in several files.")
            % {"limit": MAX_FILE_BYTES // (1024 * 1024)},
            field="file",
        )
    data = upload.read()
    try:
        # Counted as the check reads them, whatever the line endings (a file
        # of lone \r has no \n at all), without keeping a row.
        rows = fmt.csv_rows_count(data, stop_after=reading.MAX_ROWS)
    except fmt.CsvFileError:
        rows = 1  # the check says what is wrong with it, at once
    if rows > reading.MAX_ROWS:
        refusal = fmt.too_many_rows(reading.MAX_ROWS)
        raise ListingError(str(refusal), field="file")
    listing_import = ListingImport(
        refurbisher=refurbisher,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        filename=(upload.name or "listings.csv")[-200:],
        rows_total=max(rows, 1),
    )
    listing_import.file.save("listings.csv", ContentFile(data), save=True)
    if listing_import.rows_total < INLINE_MAX_ROWS:
        return listing_import_check(import_id=listing_import.pk)
    enqueue("listing_import_check", listing_import.pk)
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
        table = table_read(listing_import)
    except fmt.CsvFileError as error:
        return fail(listing_import, str(error))
    ListingImport.objects.filter(pk=import_id).update(
        rows_total=len(table.rows), rows_done=0
    )

    def progress(done: int) -> None:
        ListingImport.objects.filter(pk=import_id).update(rows_done=done)

    context = context_read(listing_import.refurbisher, table, lock=False)
    plan = rows_plan(table, context, progress=progress)
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
