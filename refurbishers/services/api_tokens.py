"""Seller API keys: created, named and revoked by the refurbisher's members.

The full key is returned once, at creation, and never stored: the row keeps
its SHA-256 and a public prefix (``refurbishers.api_keys``). Any
member may create a key (like any member may edit listings); revoking is
kept, audited by who and when.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from refurbishers.api_keys import key_generate, key_hash
from refurbishers.exceptions import RefurbisherError
from refurbishers.models import ApiToken, Refurbisher

NAME_MAX = ApiToken._meta.get_field("name").max_length
# A refurbisher rarely needs more (one per system that calls the API).
LIVE_KEYS_MAX = 20


@transaction.atomic
def api_token_create(
    *, refurbisher: Refurbisher, actor, name: str
) -> tuple[ApiToken, str]:
    """A new key for ``refurbisher``; returns the row and the key (shown once)."""
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise RefurbisherError(
            gettext("Name the key (1 to %(name_max)s characters), e.g. 'Stock system'.")
            % {"name_max": NAME_MAX},
            field="name",
        )
    # Locked so two creations at once cannot pass the count together.
    Refurbisher.objects.select_for_update().filter(pk=refurbisher.pk).first()
    live = ApiToken.objects.filter(refurbisher=refurbisher, revoked_at__isnull=True)
    if live.count() >= LIVE_KEYS_MAX:
        raise RefurbisherError(
            gettext(
                "You have %(live_keys_max)s live keys: revoke one you no "
                "longer use first."
            )
            % {"live_keys_max": LIVE_KEYS_MAX}
        )
    if live.filter(name=name).exists():
        raise RefurbisherError(
            gettext("A live key is already named %(name)s.") % {"name": repr(name)},
            field="name",
        )
    prefix, key = key_generate()
    token = ApiToken.objects.create(
        refurbisher=refurbisher,
        name=name,
        prefix=prefix,
        key_hash=key_hash(key),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Refuse the key from now on (idempotent: revoking twice keeps the first)."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor if getattr(actor, "is_authenticated", False) else None
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


# last_used_at is written at most this often per key, not on every call.
LAST_USED_EVERY = dt.timedelta(minutes=1)


def api_token_used(*, token: ApiToken) -> None:
    """Note that a key was just used (shown in the dashboard); one UPDATE at
    most a minute per key, outside any lock, as it is only bookkeeping."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
