"""Photos of a listing: re-encoded when uploaded, stored, thumbnailed later.

An upload is a photo only if Pillow decodes it as JPEG, PNG or WebP; its name
and the browser's content type are not trusted. What is stored is the photo
written again by ``marketplace.images`` (upright, without EXIF or any other
metadata, its pixel count checked before decoding). The thumbnail is made by
the ``listings.tasks.listing_photo_thumbnail`` task after the upload commits.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext
from PIL import Image, ImageOps

from listings.exceptions import ListingError
from listings.models import Listing, ListingPhoto
from listings.services.history import Actor, listing_changes_record
from marketplace.images import ImageRefused, image_reencode

MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 10 * 1024 * 1024
THUMBNAIL_SIZE = 320


@dataclass(frozen=True)
class CheckedPhoto:
    content: ContentFile  # the photo re-encoded, as it is stored
    content_type: str
    width: int
    height: int


def photo_check(upload: UploadedFile) -> CheckedPhoto:
    """Re-encode ``upload``; raise ListingError(field="photos") naming the
    file unless it is a JPEG, PNG or WebP image of at most 10 MB."""
    name = upload.name or gettext("the file")
    if upload.size is not None and upload.size > MAX_PHOTO_BYTES:
        raise ListingError(
            gettext("%(name)s is larger than 10 MB.") % {"name": name}, field="photos"
        )
    try:
        clean = image_reencode(upload)
    except ImageRefused as refusal:
        raise ListingError(
            gettext("%(file)s: %(problem)s")
            % {"file": name, "problem": refusal.message},
            field="photos",
        ) from None
    return CheckedPhoto(clean.content, clean.content_type, clean.width, clean.height)


def photos_check(
    uploads: Sequence[UploadedFile], *, existing: int = 0
) -> list[CheckedPhoto]:
    """Check every upload and the count (``existing`` photos already kept)."""
    if existing + len(uploads) > MAX_PHOTOS:
        raise ListingError(
            gettext(
                "A listing has at most %(max_photos)s photos (%(existing)s "
                "already, %(uploads_count)s sent)."
            )
            % {
                "max_photos": MAX_PHOTOS,
                "existing": existing,
                "uploads_count": len(uploads),
            },
            field="photos",
        )
    return [photo_check(upload) for upload in uploads]


@transaction.atomic
def listing_photos_add(
    *, listing: Listing, uploads: Sequence[UploadedFile], actor: Actor = None
) -> list[ListingPhoto]:
    """Store checked photos after the listing's last one; thumbnails follow
    in the background once the transaction commits.

    The listing row is locked so two uploads cannot pass six photos together.
    """
    if not uploads:
        return []
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    existing = listing.photos.aggregate(n=Max("position"), count=Count("pk"))
    checked = photos_check(uploads, existing=existing["count"])
    position = existing["n"] if existing["n"] is not None else -1
    photos = []
    for item in checked:
        position += 1
        photo = ListingPhoto(
            listing=listing,
            content_type=item.content_type,
            width=item.width,
            height=item.height,
            position=position,
        )
        # The stored name comes from listing_photo_path (random).
        photo.image.save(item.content.name, item.content, save=False)
        photo.save()
        photos.append(photo)
    added = f"{len(photos)} photos added" if len(photos) > 1 else "Photo added"
    listing_changes_record(actor=actor, changes={listing.pk: added})

    from listings.tasks import listing_photo_thumbnail

    ids = [photo.pk for photo in photos]
    transaction.on_commit(
        lambda: [listing_photo_thumbnail.delay(photo_id) for photo_id in ids]
    )
    return photos


def listing_photo_thumbnail_make(*, photo_id: int) -> ListingPhoto | None:
    """Make the photo's thumbnail (320 px on its long side, WebP) if it has
    none yet; a photo removed meanwhile is skipped. Safe to run twice."""
    with transaction.atomic():
        photo = ListingPhoto.objects.select_for_update().filter(pk=photo_id).first()
        if photo is None or photo.thumbnail:
            return photo
        with photo.image.open("rb") as handle, Image.open(handle) as image:
            image = ImageOps.exif_transpose(image)
            if image.mode not in ("RGB", "RGBA"):
                image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
            image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
            out = io.BytesIO()
            image.save(out, format="WEBP", quality=80)
        photo.thumbnail.save("thumbnail.webp", ContentFile(out.getvalue()), save=False)
        photo.save(update_fields=["thumbnail"])
        return photo


@transaction.atomic
def listing_photo_remove(
    *, listing: Listing, photo_id: int, actor: Actor = None
) -> bool:
    """Remove one photo of ``listing`` and its files; False if it is not one."""
    photo = (
        ListingPhoto.objects.select_for_update()
        .filter(listing=listing, pk=photo_id)
        .first()
    )
    if photo is None:
        return False
    files = [f for f in (photo.image, photo.thumbnail) if f]
    names = [(f.storage, f.name) for f in files]
    photo.delete()
    listing_changes_record(actor=actor, changes={listing.pk: "Photo removed"})

    def delete_files() -> None:
        for storage, name in names:
            storage.delete(name)

    # The files go only once the row is gone for good.
    transaction.on_commit(delete_files)
    return True
