"""This installation's prefix for what it sends to the payment provider.

Stripe scopes idempotency keys and transfer groups to the Stripe account, not
to our database. Two installations sharing one account (a staging copy of
production, two shops of one company) would otherwise both send
``remarket-refund-5``: the second refund would get the first one's answer and
never be made, and a payout would find the other installation's transfer and
think itself paid. Every key, transfer group and metadata tag therefore starts
with a random prefix made once per database (``Installation``), the same on
every web node and worker and across restarts.

Keys already sent before the prefix existed stay as they were: the migration
that brought it stored each existing order's, refund's and payout's key on its
row, and senders reuse a stored key rather than build a new one.
"""

from __future__ import annotations

import secrets

from orders.models import Installation

# The one row's primary key.
INSTALLATION_ID = 1
# "rm" and 10 hex digits: 40 random bits, short enough to read in Stripe's
# dashboard, enough that two installations never draw the same.
PREFIX_START = "rm"
PREFIX_RANDOM_BYTES = 5
# Metadata key naming the installation on what we create at the provider.
METADATA_KEY = "installation"


def prefix_new() -> str:
    """A new random installation prefix."""
    return PREFIX_START + secrets.token_hex(PREFIX_RANDOM_BYTES)


def installation_prefix() -> str:
    """This installation's prefix, made (once) if the database has none yet.

    The migration makes it; this also makes it on a database emptied since
    (a test flush). Two processes making it at once meet on the primary key
    and both return the row that won (``get_or_create`` retries the read).
    """
    prefix = (
        Installation.objects.filter(pk=INSTALLATION_ID)
        .values_list("prefix", flat=True)
        .first()
    )
    if prefix is not None:
        return prefix
    row, _ = Installation.objects.get_or_create(
        pk=INSTALLATION_ID, defaults={"prefix": prefix_new()}
    )
    return row.prefix


def provider_key(*parts: object) -> str:
    """A key or transfer group for the provider: the prefix, then ``parts``.

    ``provider_key("refund", 5)`` is ``rm1a2b3c4d5e-refund-5``.
    """
    return "-".join([installation_prefix(), *(str(part) for part in parts)])


def provider_metadata(*, key: str, **values: object) -> dict[str, str]:
    """Metadata for a request sent with ``key``, tagged with this installation.

    A key of the scheme before the prefix (stored on an older row) gets the
    metadata of that time, untagged: a retry must repeat its first try's
    parameters exactly, or Stripe refuses it as another request.
    """
    metadata = {name: str(value) for name, value in values.items()}
    if key.startswith(installation_prefix() + "-"):
        return {METADATA_KEY: installation_prefix(), **metadata}
    return metadata


def is_other_installation(metadata: dict | None) -> bool:
    """Whether a provider object's metadata names another installation.

    Objects made before the prefix existed carry no tag: they are ours as
    before (the order they name is checked by the caller).
    """
    tag = (metadata or {}).get(METADATA_KEY)
    return bool(tag) and tag != installation_prefix()
