"""Listing photo thumbnails, made in the background after an upload."""

from celery import shared_task

from listings.services.photos import listing_photo_thumbnail_make


@shared_task(name="listings.tasks.listing_photo_thumbnail")
def listing_photo_thumbnail(photo_id: int) -> bool:
    """Make one photo's thumbnail; True if the photo (still) has one."""
    photo = listing_photo_thumbnail_make(photo_id=photo_id)
    return bool(photo and photo.thumbnail)
