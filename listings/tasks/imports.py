"""CSV listing imports in the background: the check (dry run) and the apply."""

from celery import shared_task


@shared_task(name="listings.tasks.listing_import_check")
def listing_import_check(import_id: int) -> None:
    raise NotImplementedError  # filled in by the CSV import work (issue 7)


@shared_task(name="listings.tasks.listing_import_apply")
def listing_import_apply(import_id: int) -> None:
    raise NotImplementedError  # filled in by the CSV import work (issue 7)
