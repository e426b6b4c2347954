"""Listing photos: checked by decoding them (never by name), at most six,
thumbnails made by the real Celery worker, served to their seller only."""

from __future__ import annotations

import io
import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from listings.exceptions import ListingError
from listings.models import Listing, ListingPhoto
from listings.services.photos import (
    MAX_PHOTO_BYTES,
    listing_photo_remove,
    listing_photo_thumbnail_make,
    listing_photos_add,
    photo_check,
)
from listings.tasks import listing_photo_thumbnail
from refurbishers.models import MemberRole, Membership
from tests.support.factories import RefurbisherFactory, VariantFactory, make_listing
from tests.support.images import exif_of, jpeg_with_gps, png_bomb
from tests.support.refurbisher_builders import user_make

TASK_TIMEOUT = 30


def image_bytes(kind: str, size=(800, 600), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (20, 120, 200) if mode == "RGB" else None).save(
        out, format=kind
    )
    return out.getvalue()


def upload(name: str, content: bytes, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# --- What counts as a photo ---------------------------------------------------


@pytest.mark.parametrize(
    "kind, content_type",
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")],
)
def test_jpeg_png_and_webp_are_photos(kind, content_type):
    # The name says nothing: a WebP named .png is still a WebP.
    checked = photo_check(upload("any.png", image_bytes(kind, (300, 200))))
    assert (checked.content_type, checked.width, checked.height) == (
        content_type, 300, 200,
    )  # fmt: skip


@pytest.mark.parametrize(
    "content, message",
    [
        (b"MZ\x90\x00 not an image at all", "is not an image we can read"),
        (image_bytes("PNG")[:200], "is not an image we can read"),  # truncated
        (image_bytes("GIF", mode="L"), "is a GIF image"),
    ],
    ids=["renamed-binary", "truncated-png", "gif"],
)
def test_anything_else_is_refused_by_what_it_is(content, message):
    with pytest.raises(ListingError, match=message) as refusal:
        photo_check(upload("photo.jpg", content))
    assert refusal.value.field == "photos"


def test_a_photo_over_10_mb_is_refused_before_decoding():
    big = upload("big.jpg", b"\xff\xd8\xff" + b"\x00" * MAX_PHOTO_BYTES)
    with pytest.raises(ListingError, match="larger than 10 MB"):
        photo_check(big)


@pytest.mark.django_db
def test_a_listing_keeps_at_most_six_photos(media):
    listing = make_listing()
    photos = [upload(f"p{n}.png", image_bytes("PNG", (50, 50))) for n in range(5)]
    listing_photos_add(listing=listing, uploads=photos)
    listing_photos_add(
        listing=listing, uploads=[upload("p5.png", image_bytes("PNG", (50, 50)))]
    )
    assert list(listing.photos.values_list("position", flat=True)) == list(range(6))
    with pytest.raises(ListingError, match="at most 6 photos"):
        listing_photos_add(
            listing=listing, uploads=[upload("p6.png", image_bytes("PNG"))]
        )
    assert listing.photos.count() == 6


@pytest.mark.django_db
def test_the_thumbnail_is_webp_320_on_the_long_side_and_made_once(media):
    listing = make_listing()
    [photo] = listing_photos_add(
        listing=listing, uploads=[upload("tall.jpg", image_bytes("JPEG", (600, 1200)))]
    )
    made = listing_photo_thumbnail_make(photo_id=photo.pk)
    with made.thumbnail.open("rb") as handle, Image.open(handle) as thumb:
        assert (thumb.format, thumb.size) == ("WEBP", (160, 320))
    name = made.thumbnail.name
    assert listing_photo_thumbnail_make(photo_id=photo.pk).thumbnail.name == name
    assert listing_photo_thumbnail_make(photo_id=10**9) is None


@pytest.mark.django_db
def test_a_removed_photo_leaves_no_file(media, django_capture_on_commit_callbacks):
    listing = make_listing()
    with django_capture_on_commit_callbacks(execute=False):
        [photo] = listing_photos_add(
            listing=listing, uploads=[upload("a.png", image_bytes("PNG"))]
        )
    listing_photo_thumbnail_make(photo_id=photo.pk)
    photo.refresh_from_db()
    paths = [photo.image.path, photo.thumbnail.path]
    other = make_listing()
    assert listing_photo_remove(listing=other, photo_id=photo.pk) is False
    with django_capture_on_commit_callbacks(execute=True):
        assert listing_photo_remove(listing=listing, photo_id=photo.pk) is True
    assert not ListingPhoto.objects.exists()
    assert not any(os.path.exists(path) for path in paths)


# --- Through the pages and the worker -----------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_uploaded_photo_gets_its_thumbnail_from_the_worker(client, celery_worker):
    # The worker is another process: it reads the project's media folder, so
    # this test cleans up the files it made there.
    refurbisher = RefurbisherFactory()
    owner = user_make()
    Membership.objects.create(
        user=owner, refurbisher=refurbisher, role=MemberRole.OWNER
    )
    client.force_login(owner)
    variant = VariantFactory()
    response = client.post(
        "/seller/listings/new/",
        {
            "variant": variant.pk,
            "sku": "PHOTO-1",
            "grade": "A",
            "battery_min_pct": "90",
            "stock": "2",
            "warranty_months": "12",
            "dispatch_days": "1",
            "status": "active",
            "price_FR": "199",
            "photos": [upload("front.png", image_bytes("PNG", (1000, 500)))],
        },
    )
    assert response.status_code == 302
    listing = Listing.objects.get(sku="PHOTO-1")
    photo = ListingPhoto.objects.get(listing=listing)
    try:
        deadline = time.monotonic() + TASK_TIMEOUT
        while not photo.thumbnail and time.monotonic() < deadline:
            time.sleep(0.2)
            photo.refresh_from_db()
        assert photo.thumbnail, "the worker made no thumbnail"
        with photo.thumbnail.open("rb") as handle, Image.open(handle) as thumb:
            assert (thumb.format, thumb.size) == ("WEBP", (320, 160))
        base = f"/seller/listings/{listing.pk}/"
        page = client.get(base).content.decode()
        assert f"{base}photos/{photo.pk}/thumb/" in page
        assert "Thumbnail being made" not in page
        served = client.get(f"{base}photos/{photo.pk}/thumb/")
        assert served["Content-Type"] == "image/webp"
        # Another seller asking for it gets a 404.
        stranger = user_make()
        Membership.objects.create(
            user=stranger, refurbisher=RefurbisherFactory(), role=MemberRole.OWNER
        )
        client.force_login(stranger)
        assert client.get(f"{base}photos/{photo.pk}/thumb/").status_code == 404
        # Running the task again changes nothing.
        assert listing_photo_thumbnail.delay(photo.pk).get(timeout=TASK_TIMEOUT)
    finally:
        client.force_login(owner)
        client.post(f"/seller/listings/{listing.pk}/photos/{photo.pk}/remove/")
    assert not ListingPhoto.objects.exists()


# --- What reaches the shop: pixels only -----------------------------------------


@pytest.mark.django_db
def test_a_stored_photo_has_no_exif_and_stands_upright(media):
    """A phone photo taken sideways, GPS on: the listing keeps the picture
    turned upright and nothing of its EXIF."""
    sent = jpeg_with_gps((64, 48), orientation=6)
    assert exif_of(sent)["GPSInfo"]
    [photo] = listing_photos_add(
        listing=make_listing(), uploads=[upload("IMG_0042.jpg", sent)]
    )
    with photo.image.open("rb") as handle:
        data = handle.read()
    assert exif_of(data) == {}
    assert (photo.width, photo.height, photo.content_type) == (48, 64, "image/jpeg")
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (48, 64)


@pytest.mark.parametrize(
    "size",
    # Ten billion pixels (past Pillow's own limit), and 60 million (past ours
    # of 50 million, under Pillow's 89 million).
    [(100_000, 100_000), (8_000, 7_500)],
)
def test_a_decompression_bomb_is_refused_from_its_header_before_decoding(
    monkeypatch, size
):
    """Millions of pixels claimed by a file of a few kilobytes: refused on the
    header's word, and no pixel is ever decoded (ImageFile.load never runs)."""

    def no_decoding(self):
        raise AssertionError("a pixel was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    bomb = png_bomb(*size)
    assert len(bomb) < 64 * 1024
    with pytest.raises(ListingError, match="too many pixels") as refusal:
        photo_check(upload("bomb.png", bomb, "image/png"))
    assert refusal.value.field == "photos"


def test_the_pixel_limit_is_a_setting(settings):
    settings.IMAGE_MAX_PIXELS = 32 * 24 - 1
    with pytest.raises(ListingError, match=r"0\.000767 megapixels at most"):
        photo_check(upload("a.png", image_bytes("PNG", (32, 24)), "image/png"))
    settings.IMAGE_MAX_PIXELS = 32 * 24
    assert photo_check(upload("a.png", image_bytes("PNG", (32, 24)))).width == 32
