"""Stripe webhook deliveries: prove they come from Stripe.

The endpoint reads the raw body and the ``Stripe-Signature`` header, calls
``verified_event`` (400 on ``WebhookSignatureError``, nothing changed), then
hands the event to ``orders.services.payment_events.payment_event_receive``,
which records it once and applies it in one transaction (200, also for a
duplicate).
"""

from __future__ import annotations

import json
from typing import Any

import stripe
from django.conf import settings

from marketplace.bad_input import FORBIDDEN
from orders.exceptions import WebhookSignatureError

# Stripe's default: a delivery signed more than 5 minutes ago is refused, so a
# captured request cannot be replayed later.
SIGNATURE_TOLERANCE_SECONDS = stripe.Webhook.DEFAULT_TOLERANCE


def verified_event(payload: bytes, signature_header: str | None) -> dict[str, Any]:
    """Return the event in a webhook body whose Stripe signature checks out.

    Raise ``WebhookSignatureError`` when no webhook secret is configured, the
    header is missing or malformed, the signature does not match the body and
    ``settings.STRIPE_WEBHOOK_SECRET``, the signature is older than 300 s, or
    the body is not a JSON event with an id, a type and ``data.object``.
    """
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise WebhookSignatureError("STRIPE_WEBHOOK_SECRET is not set.")
    if not signature_header:
        raise WebhookSignatureError("No Stripe-Signature header.")
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            text, signature_header, secret, SIGNATURE_TOLERANCE_SECONDS
        )
    except UnicodeDecodeError as error:
        raise WebhookSignatureError("The body is not UTF-8.") from error
    except stripe.SignatureVerificationError as error:
        raise WebhookSignatureError(str(error)) from error
    try:
        event = json.loads(text)
    except ValueError as error:
        raise WebhookSignatureError("The body is not JSON.") from error
    if not (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and event["id"]
        and isinstance(event.get("type"), str)
        and isinstance(event.get("data"), dict)
        and isinstance(event["data"].get("object"), dict)
    ):
        raise WebhookSignatureError("The body is not a Stripe event.")
    return _storable(event)


def _storable(value: Any) -> Any:
    """``value`` with text PostgreSQL cannot store replaced by U+FFFD.

    A shopper types their name and address on Stripe's page, and Stripe sends
    them back in events: a NUL (which jsonb refuses) or a lone surrogate
    (which is not UTF-8) there must not keep a payment's event out.
    """
    if isinstance(value, str):
        return FORBIDDEN.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value
