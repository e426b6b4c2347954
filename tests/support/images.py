"""Image files for upload tests: a phone photo with GPS in its EXIF, and a
decompression bomb's header."""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

# Where the "shopper" stood: the Eiffel Tower.
GPS_LATITUDE = (48.0, 51.0, 29.6)
GPS_LONGITUDE = (2.0, 17.0, 40.2)


def jpeg_with_gps(
    size: tuple[int, int] = (64, 48), *, orientation: int = 1, colour=(200, 30, 30)
) -> bytes:
    """A JPEG as a phone writes it: EXIF with the camera, an orientation and
    the GPS position. The left half is ``colour``, the right half white, so a
    rotation shows."""
    image = Image.new("RGB", size, "white")
    image.paste(colour, (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 15"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = GPS_LONGITUDE
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90, exif=exif)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A small PNG whose header claims ``width`` x ``height`` pixels (ten
    billion by default: 30 GB once decoded)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    # Row after row of zeros compresses to almost nothing; a few rows suffice
    # for the header's claim to be what matters.
    rows = zlib.compress(b"\x00" * (1 + 3 * min(width, 4096)) * 4, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", rows)
        + _chunk(b"IEND", b"")
    )


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def exif_of(data: bytes) -> dict:
    """The EXIF tags of an image file, with its GPS block under "GPSInfo"."""
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        found = {ExifTags.TAGS.get(tag, tag): value for tag, value in exif.items()}
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        if gps:
            found["GPSInfo"] = dict(gps)
        return found


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (32, 24)) -> bytes:
    """A small real image of ``kind`` (PNG, JPEG, WEBP, GIF), no metadata."""
    image = Image.new("RGB", size, (20, 120, 200))
    if kind == "GIF":
        image = image.convert("P")
    out = io.BytesIO()
    image.save(out, format=kind)
    return out.getvalue()
