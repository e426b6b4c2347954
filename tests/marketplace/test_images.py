"""Uploaded images re-encoded (marketplace.images): only the pixels, upright,
their colours kept; anything else, or too many pixels, refused."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from marketplace.images import ImageRefused, image_reencode
from tests.support.images import exif_of, image_bytes, jpeg_with_gps, png_bomb, upload

SECRET = "Home, 12 rue des Lilas"


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.ImageDescription] = SECRET
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] = (48.0, 51.0, 29.6)
    return exif


def _with_everything(kind: str) -> bytes:
    """An image carrying EXIF with GPS, XMP and text or a comment."""
    image = Image.new("RGB", (40, 20), (200, 30, 30))
    out = io.BytesIO()
    xmp = f"<x:xmpmeta><rdf:Description>{SECRET}</rdf:Description></x:xmpmeta>"
    if kind == "JPEG":
        image.save(out, "JPEG", exif=_exif(), comment=SECRET.encode(), xmp=xmp.encode())
    elif kind == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", SECRET)
        text.add_itxt("XML:com.adobe.xmp", xmp)
        image.save(out, "PNG", exif=_exif(), pnginfo=text)
    else:
        image.save(out, "WEBP", exif=_exif(), xmp=xmp.encode())
    return out.getvalue()


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_only_the_pixels_are_written_again(kind):
    sent = _with_everything(kind)
    assert SECRET.encode() in sent and exif_of(sent)

    clean = image_reencode(upload(sent, "x"))

    data = clean.content.read()
    assert SECRET.encode() not in data
    assert b"PhoneMaker" not in data
    assert exif_of(data) == {}
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == kind
        assert (image.size, clean.width, clean.height) == ((40, 20), 40, 20)
        assert not {"exif", "xmp", "XML:com.adobe.xmp", "comment", "Comment"} & set(
            image.info
        )
    assert clean.content_type == Image.MIME[kind]
    assert clean.size == len(data)


@pytest.mark.parametrize(
    ("orientation", "size", "red_at"),
    [
        (1, (64, 48), (8, 24)),  # as taken: red on the left
        (3, (64, 48), (56, 24)),  # upside down: red ends on the right
        (6, (48, 64), (24, 8)),  # turned: red at the top
        (8, (48, 64), (24, 56)),  # turned the other way: red at the bottom
    ],
)
def test_the_exif_orientation_is_applied_before_the_exif_goes(
    orientation, size, red_at
):
    clean = image_reencode(upload(jpeg_with_gps((64, 48), orientation=orientation)))
    with Image.open(clean.content) as image:
        assert image.size == size == (clean.width, clean.height)
        red, green, _ = image.getpixel(red_at)
        assert red > 150 > green


def test_the_colour_profile_is_kept_so_colours_stay_right():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, "JPEG", icc_profile=profile)
    clean = image_reencode(upload(out.getvalue()))
    with Image.open(clean.content) as image:
        assert image.info["icc_profile"] == profile


def test_a_transparent_png_stays_transparent():
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(out, "PNG")
    clean = image_reencode(upload(out.getvalue(), "a.png", "image/png"))
    with Image.open(clean.content) as image:
        assert image.convert("RGBA").getpixel((4, 4))[3] == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.4 not a photo", "not an image we can read"),
        (image_bytes("JPEG")[:300], "not an image we can read"),  # cut short
        (image_bytes("GIF"), "a GIF image"),
        (png_bomb(), "too many pixels"),
        (png_bomb(8_000, 7_000), "50 megapixels at most"),
    ],
    ids=["pdf", "truncated", "gif", "ten-billion-pixels", "56-megapixels"],
)
def test_anything_else_is_refused_with_why(content, message):
    with pytest.raises(ImageRefused, match=message):
        image_reencode(upload(content))
