"""Every call to Stripe's API, and nothing else.

The rest of the project speaks to Stripe through these functions only (through
``orders.payment_gateway``, which also has an offline stand-in). Amounts cross
this boundary as integer minor units (``marketplace.money.to_minor_units``, by
the caller), never as floats or Decimals. Every POST carries an idempotency key
derived from our own rows and given by the caller (which starts it with this
installation's prefix, ``orders.services.installation``, and stores it on the
row), so a retry (ours, or the library's network retries) can never create a
second session or a second refund. Any Stripe error comes out as
``PaymentProviderError``.

``settings.STRIPE_API_BASE`` points the client elsewhere than api.stripe.com:
the tests' fake Stripe server (``tests/support/fake_stripe.py``).
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Mapping
from typing import Any, TypedDict

import stripe
from django.conf import settings

from orders.exceptions import PaymentProviderError

# No request metrics piggy-backed on our requests to Stripe.
stripe.enable_telemetry = False

# A shopper waits on these calls: give up quickly, retry a network failure or a
# 409/5xx twice (the library keeps the same idempotency key on its retries).
TIMEOUT_SECONDS = 10
MAX_NETWORK_RETRIES = 2
# Stripe refuses a Checkout Session that expires in less than 30 minutes.
SESSION_MIN_LIFETIME_SECONDS = 31 * 60


class CheckoutLine(TypedDict):
    name: str
    unit_amount_minor: int
    quantity: int


@functools.lru_cache(maxsize=4)
def _client_for(secret_key: str, api_base: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        secret_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=MAX_NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
    )


def _client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise PaymentProviderError("STRIPE_SECRET_KEY is not set.")
    return _client_for(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)


def _minor_units(value: Any, what: str) -> int:
    # bool is an int to Python, not to a payment.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(
            f"{what} must be an int of minor units (to_minor_units), "
            f"not {type(value).__name__}"
        )
    if value < 0:
        raise ValueError(f"{what} must not be negative: {value}")
    return value


def _metadata(metadata: Mapping[str, Any]) -> dict[str, str]:
    return {str(key): str(value) for key, value in metadata.items()}


def _timestamp(moment: dt.datetime | int) -> int:
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            raise ValueError("expires_at must be an aware datetime")
        return int(moment.timestamp())
    return int(moment)


def _provider_error(error: stripe.StripeError) -> PaymentProviderError:
    message = error.user_message or str(error) or type(error).__name__
    # Some error classes (AuthenticationError) leave the code in the body only.
    code = error.code or getattr(error.error, "code", None)
    return PaymentProviderError(f"Stripe: {message}", code=code)


def checkout_session_create(
    *,
    reference: str,
    idempotency_key: str,
    email: str,
    currency: str,
    lines: list[CheckoutLine],
    success_url: str,
    cancel_url: str,
    expires_at: dt.datetime | int,
    metadata: Mapping[str, Any],
) -> dict[str, Any]:
    """Create a Checkout Session for an order; return its id, url, payment_intent.

    ``lines`` carry names, integer unit amounts in minor units and quantities.
    ``metadata`` goes on the session and on its PaymentIntent, so every event
    (``checkout.session.*`` and ``payment_intent.*``) carries it; the order
    reference is added as ``order_reference`` and as ``client_reference_id``.
    Stripe takes an ``expires_at`` from 30 minutes to 24 hours ahead; an
    earlier one is moved to 31 minutes ahead.
    ``payment_intent`` is None until the shopper pays: Stripe creates the
    PaymentIntent on the hosted page.
    """
    currency = currency.lower()
    line_items = []
    for index, line in enumerate(lines):
        line_items.append(
            {
                "quantity": _minor_units(line["quantity"], f"lines[{index}] quantity"),
                "price_data": {
                    "currency": currency,
                    "unit_amount": _minor_units(
                        line["unit_amount_minor"], f"lines[{index}] unit_amount_minor"
                    ),
                    "product_data": {"name": str(line["name"])[:250]},
                },
            }
        )
    tags = {"order_reference": reference, **_metadata(metadata)}
    params: dict[str, Any] = {
        "mode": "payment",
        "client_reference_id": reference,
        "customer_email": email,
        "line_items": line_items,
        "success_url": success_url,
        "cancel_url": cancel_url,
        # Stripe refuses less than 30 minutes; an order's hold is 30 minutes
        # from the checkout, a moment earlier. A payment that lands after the
        # hold takes its units again or is refunded (orders.services.payment).
        "expires_at": max(
            _timestamp(expires_at), int(time.time()) + SESSION_MIN_LIFETIME_SECONDS
        ),
        "metadata": tags,
        "payment_intent_data": {"metadata": tags},
    }
    try:
        session = _client().v1.checkout.sessions.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        raise _provider_error(error) from error
    answer = session.to_dict()
    return {
        "id": answer["id"],
        "url": answer["url"],
        "payment_intent": _id_of(answer.get("payment_intent")),
    }


def checkout_session_retrieve(session_id: str) -> dict[str, Any]:
    """The session's status, payment status, amount and PaymentIntent id."""
    try:
        session = _client().v1.checkout.sessions.retrieve(session_id)
    except stripe.StripeError as error:
        raise _provider_error(error) from error
    answer = session.to_dict()
    return {
        "id": answer["id"],
        "status": answer["status"],
        "payment_status": answer["payment_status"],
        "amount_total": answer["amount_total"],
        "currency": answer["currency"],
        "payment_intent": _id_of(answer.get("payment_intent")),
        "metadata": dict(answer.get("metadata") or {}),
    }


def checkout_session_expire(session_id: str, *, idempotency_key: str) -> dict[str, Any]:
    """Expire an open session, so the shopper can no longer pay it.

    Stripe refuses when the session is no longer open (paid or expired): that
    comes out as ``PaymentProviderError``; the webhook events say which.
    """
    try:
        session = _client().v1.checkout.sessions.expire(
            session_id, options={"idempotency_key": idempotency_key}
        )
    except stripe.StripeError as error:
        raise _provider_error(error) from error
    return {"id": session.id, "status": session.status}


def refund_create(
    *,
    payment_intent: str,
    amount_minor: int,
    currency: str,
    idempotency_key: str,
    metadata: Mapping[str, Any],
) -> dict[str, Any]:
    """Refund part or all of a paid PaymentIntent; return the refund's essentials.

    ``currency`` is the payment's (Stripe always refunds in it) and only says
    what ``amount_minor`` counts; the answer carries Stripe's own currency.
    """
    amount = _minor_units(amount_minor, "amount_minor")
    try:
        refund = _client().v1.refunds.create(
            params={
                "payment_intent": payment_intent,
                "amount": amount,
                "metadata": _metadata(metadata),
            },
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        raise _provider_error(error) from error
    answer = refund.to_dict()
    return {
        "id": answer["id"],
        "status": answer["status"],
        "amount": answer["amount"],
        "currency": answer["currency"].upper(),
        "payment_intent": _id_of(answer.get("payment_intent")),
    }


def _id_of(value: Any) -> str | None:
    """An id whether Stripe sent the id or the expanded object."""
    if value is None or isinstance(value, str):
        return value
    return value["id"]


def transfer_create(
    *,
    amount_minor: int,
    currency: str,
    destination: str,
    idempotency_key: str,
    metadata: Mapping[str, Any],
    transfer_group: str | None = None,
) -> dict[str, Any]:
    """Send money from our balance to a connected account (a refurbisher's payout).

    ``destination`` is the refurbisher's Stripe Connect account (``acct_...``);
    the idempotency key comes from our payout row, so a payout sent again
    (a retry, a crash before we saved the answer) is one transfer at Stripe.
    ``transfer_group`` tags the transfer so ``transfer_find`` can find it
    after Stripe has forgotten the key (24 hours).
    """
    amount = _minor_units(amount_minor, "amount_minor")
    params: dict[str, Any] = {
        "amount": amount,
        "currency": currency.lower(),
        "destination": destination,
        "metadata": _metadata(metadata),
    }
    if transfer_group:
        params["transfer_group"] = transfer_group
    try:
        transfer = _client().v1.transfers.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        raise _provider_error(error) from error
    return _transfer_essentials(transfer.to_dict())


def transfer_find(*, transfer_group: str) -> dict[str, Any] | None:
    """The transfer made with ``transfer_group``, if any (the newest)."""
    try:
        found = _client().v1.transfers.list(
            params={"transfer_group": transfer_group, "limit": 1}
        )
    except stripe.StripeError as error:
        raise _provider_error(error) from error
    data = found.to_dict().get("data") or []
    return _transfer_essentials(data[0]) if data else None


def _transfer_essentials(answer: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": answer["id"],
        "amount": answer["amount"],
        "currency": answer["currency"].upper(),
        "destination": _id_of(answer.get("destination")),
        "created": answer.get("created"),
    }
