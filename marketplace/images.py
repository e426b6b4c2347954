"""Uploaded images are re-encoded by Pillow before they are stored.

What a shopper or a seller uploads (a claim's photos, a message's photo, a
listing's photos, an applicant's scanned document) is decoded and written
again, so nothing but the pixels reaches the people who see it: EXIF (a
phone's GPS position, its make and serial, the time), XMP, IPTC, comments and
text chunks are left behind. The EXIF orientation is applied first, so a photo
taken sideways stays upright once its EXIF is gone; the colour profile is
kept, so colours stay right.

The pixel count is read from the file's header and checked before a single
pixel is decoded: a small file that claims billions of pixels (a
decompression bomb) is refused without ever being decoded. Its bytes, its
name and the browser's content type are not trusted: Pillow says what it is.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# What an uploaded image may be, by what Pillow reads: its content type and
# the extension of the stored file.
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"),
           "WEBP": ("image/webp", "webp")}  # fmt: skip
JPEG_QUALITY = 90
# Kept from what Pillow read besides the pixels: which colour is transparent.
KEPT_INFO = ("transparency",)
WEBP_QUALITY = 90


class ImageRefused(ValueError):
    """The upload cannot be stored as an image; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CleanImage:
    """An upload re-encoded: only its pixels, upright."""

    content: ContentFile  # named "image.<ext>"; storage gives the real name
    content_type: str
    width: int
    height: int

    @property
    def size(self) -> int:
        return self.content.size


def megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:g}"


def _too_many_pixels(limit: int) -> ImageRefused:
    return ImageRefused(
        _("This image has too many pixels to be a photo: %(limit)s megapixels at most.")
        % {"limit": megapixels(limit)}
    )


def _other_format(kind: str | None) -> ImageRefused:
    if not kind:
        return _unreadable()
    return ImageRefused(
        _("This is a %(kind)s image: send a JPEG, PNG or WebP photo.") % {"kind": kind}
    )


def _unreadable() -> ImageRefused:
    return ImageRefused(
        _("This is not an image we can read: send a JPEG, PNG or WebP photo.")
    )


def _encoded(image: Image.Image, kind: str, icc_profile: bytes | None) -> bytes:
    """``image`` written as ``kind`` with nothing but its pixels (and colours)."""
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    extra = {"icc_profile": icc_profile} if icc_profile else {}
    out = io.BytesIO()
    if kind == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, **extra)
    elif kind == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA" if has_alpha else "RGB")
        image.save(out, format="PNG", optimize=True, **extra)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if has_alpha else "RGB")
        image.save(out, format="WEBP", quality=WEBP_QUALITY, **extra)
    return out.getvalue()


def image_reencode(
    upload: UploadedFile, *, max_pixels: int | None = None
) -> CleanImage:
    """Decode ``upload`` and write it again without its metadata, upright.

    Raises ImageRefused for anything but a JPEG, PNG or WebP image that
    decodes whole, and, before decoding, for one of more than ``max_pixels``
    pixels (default: the IMAGE_MAX_PIXELS setting).
    """
    limit = max_pixels or settings.IMAGE_MAX_PIXELS
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow warns past its own pixel limit; ours is checked below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(upload) as image:  # reads the header, no pixel yet
                kind = image.format
                if kind not in FORMATS:
                    raise _other_format(kind)
                width, height = image.size
                if width * height > limit:
                    raise _too_many_pixels(limit)
                icc_profile = image.info.get("icc_profile")
                upright = ImageOps.exif_transpose(image)  # decodes every pixel
                # A copy: what Pillow read besides pixels (EXIF, XMP, a JPEG's
                # comment, PNG text) would otherwise be written back.
                upright.info = {
                    key: upright.info[key] for key in KEPT_INFO if key in upright.info
                }
                data = _encoded(upright, kind, icc_profile)
                width, height = upright.size
    except ImageRefused:
        raise
    except Image.DecompressionBombError:  # past twice Pillow's own limit
        raise _too_many_pixels(limit) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        # Not an image, or one cut short or corrupt somewhere in its pixels.
        raise _unreadable() from None
    finally:
        upload.seek(0)
    content_type, extension = FORMATS[kind]
    return CleanImage(
        content=ContentFile(data, name=f"image.{extension}"),
        content_type=content_type,
        width=width,
        height=height,
    )
