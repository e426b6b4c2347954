"""Seller API keys: ``Authorization: Bearer rmk_<prefix>_<secret>``.

A key is found by its prefix and checked against its stored SHA-256 in
constant time. It acts as its refurbisher: ``request.auth`` is the
``ApiToken``, ``request.refurbisher`` its refurbisher, and ``request.user``
the member who created it (for audit rows), or an anonymous user if that
member has gone. Session sign-ins do not reach the seller API: a key does.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.contrib.auth.models import AnonymousUser
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission

from refurbishers.models import ApiToken

KEY_START = "rmk_"
INVALID = "This API key is not valid."


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


class ApiTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the key as 'Authorization: Bearer rmk_…', with no spaces in it."
            )
        try:
            key = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(
                "This API key is not valid."
            ) from None
        prefix = key_prefix(key)
        token = (
            ApiToken.objects.select_related("refurbisher", "created_by")
            .filter(prefix=prefix)
            .first()
            if prefix
            else None
        )
        if token is None or not hmac.compare_digest(token.key_hash, key_hash(key)):
            raise exceptions.AuthenticationFailed(INVALID)
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This API key was revoked.")
        # Imported here: the keys' service builds on this module's key format.
        from refurbishers.services.api_tokens import api_token_used

        api_token_used(token=token)
        request._request.refurbisher = token.refurbisher
        user = token.created_by if token.created_by_id else AnonymousUser()
        return user, token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (with this challenge), not 403, without a key.
        return 'Bearer realm="ReMarket seller API"'


class IsSellerToken(BasePermission):
    """Only a live seller API key (not a session, not staff) passes."""

    message = "Send a seller API key: 'Authorization: Bearer rmk_…'."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiToken)
