"""Limits on unpaid reservations, per browser session and per client address.

Starting to pay reserves stock and a trial seller's sale slot for
``SALE_SLOT_HOLD_MINUTES``. Unlimited, a script could start checkouts it
never pays and keep a competitor's last units, or a trial seller's few sale
slots of the day, out of everyone's reach. So a new checkout is refused,
with the reason, when the browser session that starts it, or the client
address it comes from (``marketplace.client_address``, not forgeable by
``X-Forwarded-For`` unless a proxy is trusted), would hold more than
``CHECKOUT_OPEN_MAX_PER_*`` unpaid checkouts or ``CHECKOUT_UNITS_MAX_PER_*``
units at once. An unpaid checkout stops counting once it is paid, fails,
is replaced by the shopper's next one, or expires.

Checkouts of one session, and of one address, take turns on a PostgreSQL
advisory lock held to the end of the checkout's transaction, so two at once
cannot both pass the count. The session is kept as a hash of its key (the
key itself lets one act as the shopper).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from orders.exceptions import CheckoutRefused
from orders.models import Order, OrderLine, OrderStatus

# First key of the two-key advisory lock: this module's (any fixed number of
# our own; the second key is the session's or the address's hash).
LOCK_NAMESPACE = 0x52_4D_43_4C  # "RMCL"


@dataclass(frozen=True)
class CheckoutHolder:
    """Who starts a checkout, as the limits count it."""

    session: str  # SHA-256 of the browser session's key
    address: str  # the client's IP address, "" if unknown


def checkout_holder(*, session_key: str, address: str) -> CheckoutHolder:
    """The holder of a browser session's checkouts from ``address``."""
    digest = hashlib.sha256(session_key.encode()).hexdigest() if session_key else ""
    return CheckoutHolder(session=digest, address=address)


def checkout_holder_lock(holder: CheckoutHolder) -> None:
    """Take the holder's turn: its session first, then its address.

    Must run in the checkout's transaction; the locks go with it. Always in
    this order, so two checkouts never wait on each other in a cycle.
    """
    with connection.cursor() as cursor:
        for kind, value in (("session", holder.session), ("address", holder.address)):
            if value:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                    [LOCK_NAMESPACE, f"{kind}:{value}"],
                )


def _held(**holder) -> tuple[int, int]:
    """Unpaid checkouts of a holder and the units they hold: two queries."""
    pending = Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, **holder)
    checkouts = pending.aggregate(count=Count("pk"))["count"]
    units = OrderLine.objects.filter(seller_order__order__in=pending).aggregate(
        units=Sum("quantity")
    )["units"]
    return checkouts, units or 0


def _session_refusal(checkouts: int, units: int) -> str | None:
    if checkouts + 1 > settings.CHECKOUT_OPEN_MAX_PER_SESSION:
        return _(
            "You already have %(count)s checkouts waiting for payment, the most "
            "one browser can hold at once. Pay for one, or wait until it ends "
            "(%(minutes)s minutes after it started), then try again."
        ) % {"count": checkouts, "minutes": settings.SALE_SLOT_HOLD_MINUTES}
    if units > settings.CHECKOUT_UNITS_MAX_PER_SESSION:
        return _(
            "This checkout would keep %(units)s items reserved without payment, "
            "and one browser may keep at most %(max)s at once. Buy fewer items at "
            "a time, or pay for what you reserved first."
        ) % {"units": units, "max": settings.CHECKOUT_UNITS_MAX_PER_SESSION}
    return None


def _address_refusal(checkouts: int, units: int) -> str | None:
    if checkouts + 1 > settings.CHECKOUT_OPEN_MAX_PER_ADDRESS:
        return _(
            "%(count)s checkouts from your network are already waiting for "
            "payment, the most we keep for one address at once. Try again in a "
            "few minutes (each ends %(minutes)s minutes after it started)."
        ) % {"count": checkouts, "minutes": settings.SALE_SLOT_HOLD_MINUTES}
    if units > settings.CHECKOUT_UNITS_MAX_PER_ADDRESS:
        return _(
            "This checkout would keep %(units)s items reserved without payment "
            "from your network, and we keep at most %(max)s for one address at "
            "once. Buy fewer items at a time, or try again in a few minutes."
        ) % {"units": units, "max": settings.CHECKOUT_UNITS_MAX_PER_ADDRESS}
    return None


def checkout_limits_check(*, holder: CheckoutHolder, units: int) -> None:
    """Refuse a new checkout of ``units`` that would hold more than the limits.

    Run it under ``checkout_holder_lock``, after the holder's earlier
    checkouts that this one replaces were released. Raises
    ``CheckoutRefused`` with what the shopper can do.
    """
    for value, field, refusal in (
        (holder.session, "checkout_session", _session_refusal),
        (holder.address, "checkout_address", _address_refusal),
    ):
        if not value:
            continue
        checkouts, held = _held(**{field: value})
        message = refusal(checkouts, held + units)
        if message:
            raise CheckoutRefused(message)
