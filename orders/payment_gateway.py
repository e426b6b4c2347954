"""The payment gateway switch: Stripe when configured, else an offline stand-in.

``payment_gateway()`` returns ``StripeGateway`` when ``settings.STRIPE_SECRET_KEY``
is set and ``OfflineGateway`` otherwise (the demo, local runs, most tests). Both
offer the same calls, in integer minor units:

- ``start_payment(...) -> PaymentStart``: open a hosted payment for an order and
  say where to send the shopper;
- ``cancel_payment(session_id, idempotency_key=...)``: close it so it can no
  longer be paid;
- ``refund(...)``: give money back on a paid payment;
- ``transfer(...)``: pay a refurbisher (a Stripe Connect transfer to its
  connected account; offline, a test payout ``tr_offline_...``).

The offline gateway moves no money. Its "hosted page" is our own
``/checkout/test-payment/<session_id>/`` (a view of the checkout, which says
plainly that no real payment happens), and instead of webhooks it offers
``events_for(session_id, outcome)``: the events Stripe would send for that
outcome, with the same types and shapes (``data.object`` a checkout session,
payment intent or charge carrying the metadata and amounts given to
``start_payment``). The page hands them to the same event processing as the
Stripe webhook, so an order goes through the same code either way.
"""

from __future__ import annotations

import copy
import datetime as dt
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.core.cache import cache

from marketplace.money import MINOR_UNIT_EXPONENT
from orders import stripe_api
from orders.exceptions import PaymentProviderError
from orders.stripe_api import CheckoutLine

Outcome = Literal["paid", "failed", "expired", "refunded"]

OFFLINE_PAGE = "/checkout/test-payment/{session_id}/"
# The stand-in keeps its sessions in the cache, as Stripe keeps them on its
# side; refunds can come weeks after a payment.
OFFLINE_RETENTION_SECONDS = 90 * 24 * 60 * 60
_CACHE_PREFIX = "orders:offline-payment"


@dataclass(frozen=True)
class PaymentStart:
    """Where a payment was opened and where to send the shopper to pay it."""

    provider: str
    session_id: str
    redirect_url: str


class StripeGateway:
    """Payments through Stripe Checkout (test or live keys), via ``stripe_api``.

    Outcomes arrive later as signed webhooks (``orders.webhooks``).
    """

    provider = "stripe"
    moves_money = True

    def start_payment(
        self,
        *,
        order_reference: str,
        idempotency_key: str,
        email: str,
        currency: str,
        lines: list[CheckoutLine],
        success_url: str,
        cancel_url: str,
        expires_at: dt.datetime | int,
        metadata: Mapping[str, Any],
    ) -> PaymentStart:
        """Create a Checkout Session; the shopper pays on Stripe's page."""
        session = stripe_api.checkout_session_create(
            reference=order_reference,
            idempotency_key=idempotency_key,
            email=email,
            currency=currency,
            lines=lines,
            success_url=success_url,
            cancel_url=cancel_url,
            expires_at=expires_at,
            metadata=metadata,
        )
        return PaymentStart(self.provider, session["id"], session["url"])

    def cancel_payment(self, session_id: str, *, idempotency_key: str) -> None:
        """Expire the Checkout Session; Stripe then sends checkout.session.expired."""
        stripe_api.checkout_session_expire(session_id, idempotency_key=idempotency_key)

    def refund(
        self,
        *,
        payment_intent: str,
        amount_minor: int,
        currency: str,
        idempotency_key: str,
        metadata: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Refund on the PaymentIntent; Stripe then sends charge.refunded."""
        return stripe_api.refund_create(
            payment_intent=payment_intent,
            amount_minor=amount_minor,
            currency=currency,
            idempotency_key=idempotency_key,
            metadata=metadata,
        )

    def transfer(
        self,
        *,
        amount_minor: int,
        currency: str,
        destination: str,
        idempotency_key: str,
        metadata: Mapping[str, Any],
        transfer_group: str | None = None,
    ) -> dict[str, Any]:
        """Pay a refurbisher: a Connect transfer to its account (``acct_...``)."""
        return stripe_api.transfer_create(
            amount_minor=amount_minor,
            currency=currency,
            destination=destination,
            idempotency_key=idempotency_key,
            metadata=metadata,
            transfer_group=transfer_group,
        )

    def transfer_find(self, *, transfer_group: str) -> dict[str, Any] | None:
        """The transfer made with ``transfer_group``, or None."""
        return stripe_api.transfer_find(transfer_group=transfer_group)


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


def _int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError(f"{what} must be a non-negative int of minor units")
    return value


class OfflineGateway:
    """A stand-in for Stripe that moves no money, for the demo and tests.

    It keeps its sessions in the cache as Stripe keeps them on its side, honours
    idempotency keys like Stripe (the same key returns the same session), and
    produces the events Stripe would send with ``events_for``. Nothing here
    touches an order: the caller passes the events to the event processing.
    """

    provider = "offline"
    moves_money = False

    # --- Same calls as StripeGateway --------------------------------------

    def start_payment(
        self,
        *,
        order_reference: str,
        idempotency_key: str,
        email: str,
        currency: str,
        lines: list[CheckoutLine],
        success_url: str,
        cancel_url: str,
        expires_at: dt.datetime | int,
        metadata: Mapping[str, Any],
    ) -> PaymentStart:
        """Open an offline session; the shopper "pays" on our test-payment page."""
        if currency.upper() not in MINOR_UNIT_EXPONENT:
            raise PaymentProviderError(f"Offline gateway: no currency {currency}.")
        if not lines:
            raise PaymentProviderError("Offline gateway: a payment needs lines.")
        total = sum(
            _int(line["unit_amount_minor"], "unit_amount_minor")
            * _int(line["quantity"], "quantity")
            for line in lines
        )
        key = f"{_CACHE_PREFIX}:key:{idempotency_key}"
        session_id = _new_id("cs_offline_")
        if not cache.add(key, session_id, OFFLINE_RETENTION_SECONDS):
            session_id = cache.get(key)
            return PaymentStart(
                self.provider, session_id, OFFLINE_PAGE.format(session_id=session_id)
            )
        tags = {
            "order_reference": order_reference,
            **{str(k): str(v) for k, v in metadata.items()},
        }
        if isinstance(expires_at, dt.datetime):
            expires_at = int(expires_at.timestamp())
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": cancel_url,
            "client_reference_id": order_reference,
            "created": int(time.time()),
            "currency": currency.lower(),
            "customer": None,
            "customer_details": None,
            "customer_email": email,
            "expires_at": int(expires_at),
            "livemode": False,
            "metadata": tags,
            "mode": "payment",
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": success_url,
            "url": OFFLINE_PAGE.format(session_id=session_id),
        }
        self._save({"session": session, "intent": None, "charge": None, "events": {}})
        return PaymentStart(self.provider, session_id, session["url"])

    def cancel_payment(self, session_id: str, *, idempotency_key: str) -> None:
        """Expire an open offline session, as Stripe refuses for a closed one."""
        self.events_for(session_id, "expired")

    def refund(
        self,
        *,
        payment_intent: str,
        amount_minor: int,
        currency: str,
        idempotency_key: str,
        metadata: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Record a refund on a paid offline payment (no money moves).

        Returns the same essentials as ``stripe_api.refund_create``; the matching
        ``charge.refunded`` event is ``events_for(session_id, "refunded")``.
        """
        amount = _int(amount_minor, "amount_minor")
        known = cache.get(f"{_CACHE_PREFIX}:refund:{idempotency_key}")
        if known is not None:
            return known
        session_id = cache.get(f"{_CACHE_PREFIX}:intent:{payment_intent}")
        state = self._load(session_id) if session_id else None
        if state is None or state["charge"] is None:
            raise PaymentProviderError(
                f"Offline gateway: no paid payment {payment_intent}.",
                code="resource_missing",
            )
        charge = state["charge"]
        if amount > charge["amount"] - charge["amount_refunded"]:
            raise PaymentProviderError(
                "Offline gateway: the refund is more than what is left to refund."
            )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        state["events"].pop("refunded", None)  # a new refund, a new event
        self._save(state)
        refund = {
            "id": _new_id("re_offline_"),
            "status": "succeeded",
            "amount": amount,
            "currency": charge["currency"].upper(),
            "payment_intent": payment_intent,
        }
        cache.set(
            f"{_CACHE_PREFIX}:refund:{idempotency_key}",
            refund,
            OFFLINE_RETENTION_SECONDS,
        )
        return refund

    def transfer(
        self,
        *,
        amount_minor: int,
        currency: str,
        destination: str,
        idempotency_key: str,
        metadata: Mapping[str, Any],
        transfer_group: str | None = None,
    ) -> dict[str, Any]:
        """Record a test payout to a refurbisher (no money moves).

        Returns the same essentials as ``stripe_api.transfer_create``; the same
        idempotency key returns the same transfer, as at Stripe. No connected
        account is needed: ``destination`` may be empty.
        """
        amount = _int(amount_minor, "amount_minor")
        if amount == 0:
            raise PaymentProviderError("Offline gateway: a transfer must be positive.")
        if currency.upper() not in MINOR_UNIT_EXPONENT:
            raise PaymentProviderError(f"Offline gateway: no currency {currency}.")
        transfer = {
            "id": _new_id("tr_offline_"),
            "amount": amount,
            "currency": currency.upper(),
            "destination": destination or None,
            "created": int(time.time()),
        }
        key = f"{_CACHE_PREFIX}:transfer:{idempotency_key}"
        if not cache.add(key, transfer, OFFLINE_RETENTION_SECONDS):
            return cache.get(key)
        if transfer_group:
            cache.set(
                f"{_CACHE_PREFIX}:transfer-group:{transfer_group}",
                transfer,
                OFFLINE_RETENTION_SECONDS,
            )
        return transfer

    def transfer_find(self, *, transfer_group: str) -> dict[str, Any] | None:
        """The test payout recorded with ``transfer_group``, or None."""
        return cache.get(f"{_CACHE_PREFIX}:transfer-group:{transfer_group}")

    # --- What Stripe's hosted page and webhooks would do -------------------

    def session(self, session_id: str) -> dict[str, Any] | None:
        """The offline session as Stripe would show it, or None if unknown."""
        state = self._load(session_id)
        return copy.deepcopy(state["session"]) if state else None

    def events_for(self, session_id: str, outcome: Outcome) -> list[dict[str, Any]]:
        """Move the session to an outcome; return the events Stripe would send.

        - ``"paid"``: ``checkout.session.completed`` and ``payment_intent.succeeded``;
        - ``"failed"``: ``payment_intent.payment_failed`` (the session stays open
          for another try, as on Stripe's page);
        - ``"expired"``: ``checkout.session.expired``;
        - ``"refunded"``: ``charge.refunded`` after ``refund()``.

        Asking again for an outcome already reached returns the same events (the
        same event ids), as a webhook delivered twice would; each failed try is
        a new event. An outcome the session can no longer reach (paying an
        expired session, expiring a paid one) raises ``PaymentProviderError``.
        """
        state = self._load(session_id)
        if state is None:
            raise PaymentProviderError(
                f"Offline gateway: no session {session_id}.", code="resource_missing"
            )
        if outcome in state["events"]:
            return copy.deepcopy(state["events"][outcome])
        session = state["session"]
        if outcome == "refunded":
            if state["charge"] is None or not state["charge"]["amount_refunded"]:
                raise PaymentProviderError("Offline gateway: nothing was refunded.")
            events = [_event("charge.refunded", state["charge"])]
        elif session["status"] != "open":
            raise PaymentProviderError(
                f"Offline gateway: the session is {session['status']}, not open."
            )
        elif outcome == "expired":
            session.update(status="expired", url=None)
            events = [_event("checkout.session.expired", session)]
        elif outcome == "failed":
            intent = self._intent(state)
            intent.update(
                status="requires_payment_method",
                last_payment_error={
                    "type": "card_error",
                    "code": "card_declined",
                    "decline_code": "generic_decline",
                    "message": "Your card was declined (offline test gateway).",
                },
            )
            session["payment_intent"] = intent["id"]
            events = [_event("payment_intent.payment_failed", intent)]
        elif outcome == "paid":
            intent = self._intent(state)
            charge = {
                "id": _new_id("ch_offline_"),
                "object": "charge",
                "amount": intent["amount"],
                "amount_captured": intent["amount"],
                "amount_refunded": 0,
                "captured": True,
                "created": int(time.time()),
                "currency": intent["currency"],
                "livemode": False,
                "metadata": dict(intent["metadata"]),
                "paid": True,
                "payment_intent": intent["id"],
                "refunded": False,
                "status": "succeeded",
            }
            state["charge"] = charge
            intent.update(
                status="succeeded",
                amount_received=intent["amount"],
                latest_charge=charge["id"],
                last_payment_error=None,
            )
            session.update(
                status="complete",
                payment_status="paid",
                payment_intent=intent["id"],
                customer_details={"email": session["customer_email"], "name": None},
            )
            events = [
                _event("checkout.session.completed", session),
                _event("payment_intent.succeeded", intent),
            ]
        else:
            raise ValueError(f"Unknown outcome {outcome!r}")
        if outcome != "failed":
            state["events"][outcome] = events
        self._save(state)
        return copy.deepcopy(events)

    # --- Storage -----------------------------------------------------------

    def _intent(self, state: dict[str, Any]) -> dict[str, Any]:
        if state["intent"] is None:
            session = state["session"]
            state["intent"] = {
                "id": _new_id("pi_offline_"),
                "object": "payment_intent",
                "amount": session["amount_total"],
                "amount_received": 0,
                "created": int(time.time()),
                "currency": session["currency"],
                "last_payment_error": None,
                "latest_charge": None,
                "livemode": False,
                "metadata": dict(session["metadata"]),
                "receipt_email": session["customer_email"],
                "status": "requires_payment_method",
            }
            cache.set(
                f"{_CACHE_PREFIX}:intent:{state['intent']['id']}",
                session["id"],
                OFFLINE_RETENTION_SECONDS,
            )
        return state["intent"]

    def _load(self, session_id: str) -> dict[str, Any] | None:
        return cache.get(f"{_CACHE_PREFIX}:session:{session_id}")

    def _save(self, state: dict[str, Any]) -> None:
        cache.set(
            f"{_CACHE_PREFIX}:session:{state['session']['id']}",
            state,
            OFFLINE_RETENTION_SECONDS,
        )


def _event(event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    """An event as Stripe builds one (api_version, livemode, request...)."""
    return {
        "id": _new_id("evt_offline_"),
        "object": "event",
        "api_version": stripe_api.stripe.api_version,
        "created": int(time.time()),
        "data": {"object": copy.deepcopy(obj)},
        "livemode": False,
        "pending_webhooks": 0,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def payment_gateway() -> StripeGateway | OfflineGateway:
    """Stripe when ``STRIPE_SECRET_KEY`` is set, else the offline test gateway."""
    if settings.STRIPE_SECRET_KEY:
        return StripeGateway()
    return OfflineGateway()
