"""Listing photo thumbnails, made in the background after an upload."""

from celery import shared_task


@shared_task(name="listings.tasks.listing_photo_thumbnail")
def listing_photo_thumbnail(photo_id: int) -> None:
    raise NotImplementedError  # filled in by the listings dashboard work (issue 7)
