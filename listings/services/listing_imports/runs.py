"""How an import's check and apply run: at once for a small file, else in
Celery; and how a run that cannot finish is recorded on the import.
"""

from __future__ import annotations

from django.db import transaction

from listings.models import ListingImport, ListingImportStatus

# Below this many rows the page checks and applies at once; above, Celery.
INLINE_MAX_ROWS = 500


def fail(
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


def enqueue(task_name: str, import_id: int) -> None:
    """Start the task once the import's row is committed."""
    from listings import tasks  # the tasks import these services

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.delay(import_id))
