"""Signed, expiring email-confirmation tokens (Django's signing, no table).

The token carries the user's id and the address it was sent to, so a link
sent before the address changed confirms nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing

SALT = "remarket.accounts.email-confirmation"
MAX_AGE = timedelta(days=3)


@dataclass(frozen=True)
class ConfirmationClaim:
    user_id: int
    email: str


class TokenExpired(Exception):
    """The link is authentic but older than MAX_AGE."""


class TokenInvalid(Exception):
    """The link was altered, truncated or never issued by us."""


def confirmation_token_make(*, user_id: int, email: str) -> str:
    return signing.dumps({"u": user_id, "e": email}, salt=SALT, compress=True)


def confirmation_token_read(token: str) -> ConfirmationClaim:
    """Read a token; TokenExpired or TokenInvalid when it cannot be trusted."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired as error:
        raise TokenExpired from error
    except signing.BadSignature as error:
        raise TokenInvalid from error
    try:
        return ConfirmationClaim(user_id=int(data["u"]), email=str(data["e"]))
    except (KeyError, TypeError, ValueError) as error:
        raise TokenInvalid from error
