"""CSV listing imports in the background: the check (dry run) and the apply."""

from celery import shared_task

from listings.services.listing_imports import (
    listing_import_apply as apply_rows,
)
from listings.services.listing_imports import (
    listing_import_check as check_rows,
)


@shared_task(name="listings.tasks.listing_import_check")
def listing_import_check(import_id: int) -> str:
    """Check every row of an uploaded file; a second delivery does nothing."""
    return check_rows(import_id=import_id).status


@shared_task(name="listings.tasks.listing_import_apply")
def listing_import_apply(import_id: int) -> str:
    """Apply a checked file's valid rows, or none; a second delivery does nothing."""
    return apply_rows(import_id=import_id).status
