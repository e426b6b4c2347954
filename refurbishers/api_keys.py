"""The seller API key's format: ``rmk_<prefix>_<secret>``, stored as SHA-256.

Shared by the keys' service (which makes them) and the API authentication
(which checks them), so neither imports the other for it.
"""

from __future__ import annotations

import hashlib
import secrets

KEY_START = "rmk_"


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_generate() -> tuple[str, str]:
    """A new random key and its prefix: ``(prefix, "rmk_<prefix>_<secret>")``."""
    prefix = secrets.token_hex(6)  # 12 characters, shown in the list
    return prefix, f"{KEY_START}{prefix}_{secrets.token_urlsafe(32)}"


def key_prefix(key: str) -> str | None:
    """The prefix part of ``rmk_<prefix>_<secret>``, or None if malformed."""
    if not key.startswith(KEY_START):
        return None
    prefix, _, secret = key[len(KEY_START) :].partition("_")
    return prefix if prefix and secret else None
