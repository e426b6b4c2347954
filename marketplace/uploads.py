"""What an uploaded file really is, read from its first bytes, never from its name."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile

PDF, PNG, JPEG, WEBP = "application/pdf", "image/png", "image/jpeg", "image/webp"
_SIGNATURES = {b"%PDF-": PDF, b"\x89PNG\r\n\x1a\n": PNG, b"\xff\xd8\xff": JPEG}


def sniffed_content_type(upload: UploadedFile) -> str | None:
    """PDF, PNG, JPEG or WebP by the file's signature; None for anything else."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type in _SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None
