"""A small fake of Stripe's HTTP API, for tests that use the real ``stripe`` library.

No package fakes Checkout Sessions (see TOOLING.md), so this module is one: a
threaded HTTP server on 127.0.0.1 and a free port that speaks the part of Stripe's
API ReMarket uses, with Stripe's JSON shapes, status codes and error shape
(``{"error": {"type": ..., "message": ...}}``):

- ``POST /v1/checkout/sessions`` (form body as the library sends it, nested keys
  like ``line_items[0][price_data][unit_amount]``), ``GET /v1/checkout/sessions/<id>``,
  ``POST /v1/checkout/sessions/<id>/expire``;
- ``POST /v1/refunds`` and ``GET /v1/payment_intents/<id>``;
- ``POST /v1/transfers``, ``GET /v1/transfers/<id>`` and ``GET /v1/transfers``
  (filtered by ``transfer_group``): Stripe Connect payouts to connected
  accounts the fake knows (``account_create``).

Every request needs ``Authorization: Bearer <the fake's sk_test_ key>``. POSTs
honour ``Idempotency-Key`` as Stripe does: the same key with the same parameters
replays the first answer (``Idempotent-Replayed: true``); the same key with other
parameters or on another endpoint is a 400 ``idempotency_error``. Only answers of
requests that ran are remembered: a validation error is not, as at Stripe.

Every request is recorded (``FakeStripe.requests``) so tests can assert what was
sent. What a shopper does on Stripe's hosted page has no API, so test controls
stand in for it: ``session_complete`` (also with another amount than the
session's), ``payment_fail``, ``session_expire_by_time``; so do a shopper's
bank disputing a charge (``dispute_create``, ``dispute_change``) and
connecting a seller's account (``account_create``).
They change the fake's state as Stripe would and return the events Stripe would
send; ``event_signed`` signs an event the way Stripe signs webhook deliveries,
and ``deliver`` posts it so to our webhook.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

API_KEY = "sk_test_remarket_fake_0123456789"
WEBHOOK_SECRET = "whsec_remarket_fake_0123456789"
API_VERSION = stripe.api_version

# Stripe's bounds for a Checkout Session's expires_at: 30 minutes to 24 hours
# after creation. A minute of slack on the lower bound, because a caller computes
# "now + 30 min" a moment before the fake reads its own clock.
SESSION_MIN_LIFETIME = 30 * 60
SESSION_MAX_LIFETIME = 24 * 60 * 60
CLOCK_SLACK = 60
# Stripe's smallest charge in USD and EUR, in minor units.
MINIMUM_CHARGE = {"usd": 50, "eur": 50}
METADATA_MAX_KEYS = 50
METADATA_KEY_MAX = 40
METADATA_VALUE_MAX = 500

SESSION_EVENTS = ("checkout.session.completed", "checkout.session.expired")
DISPUTE_EVENTS = (
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
)
EVENT_TYPES = (
    *SESSION_EVENTS,
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "charge.refunded",
    *DISPUTE_EVENTS,
)
# Stripe gives the merchant this long to answer a dispute.
DISPUTE_EVIDENCE_DAYS = 7


class StripeAPIError(Exception):
    """An error answered in Stripe's shape: ``{"error": {...}}`` with a status."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"type": type, "message": message}
        if code:
            self.body["code"] = code
        if param:
            self.body["param"] = param


def _missing(kind: str, object_id: str, param: str) -> StripeAPIError:
    return StripeAPIError(
        404,
        f"No such {kind}: '{object_id}'",
        code="resource_missing",
        param=param,
    )


def _new_id(prefix: str, length: int = 24) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


_KEY_PART = re.compile(r"\[([^\]]*)\]")


def form_decode(body: str) -> dict[str, Any]:
    """Decode a form body as Stripe does: ``a[b][0][c]=v`` becomes nested values.

    Mappings whose keys are all ``0..n-1`` become lists (``line_items[0]``).
    Values stay strings, as on the wire.
    """
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        head, _, rest = key.partition("[")
        parts = [head, *_KEY_PART.findall("[" + rest)] if rest else [head]
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise StripeAPIError(400, f"Invalid parameter: {key}", param=key)
        node[parts[-1]] = value
    return _lists_from_indexes(root)


def _lists_from_indexes(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    value = {key: _lists_from_indexes(item) for key, item in value.items()}
    if value and all(key.isdigit() for key in value):
        indexes = sorted(int(key) for key in value)
        if indexes == list(range(len(indexes))):
            return [value[str(index)] for index in indexes]
    return value


def _integer(value: Any, param: str, *, minimum: int = 0) -> int:
    if not isinstance(value, str) or not re.fullmatch(r"-?\d+", value):
        raise StripeAPIError(400, f"Invalid integer: {value}", param=param)
    number = int(value)
    if number < minimum:
        raise StripeAPIError(
            400,
            f"This value must be greater than or equal to {minimum}.",
            param=param,
        )
    return number


def _required(params: dict[str, Any], name: str, label: str | None = None) -> Any:
    value = params.get(name)
    if value in (None, ""):
        raise StripeAPIError(
            400, f"Missing required param: {label or name}.", param=label or name
        )
    return value


def _metadata(metadata: Any, param: str = "metadata") -> dict[str, str]:
    metadata = metadata or {}
    if not isinstance(metadata, dict):
        raise StripeAPIError(400, "Invalid object", param=param)
    if len(metadata) > METADATA_MAX_KEYS:
        raise StripeAPIError(
            400,
            f"Metadata can have up to {METADATA_MAX_KEYS} keys.",
            param=param,
        )
    for key, value in metadata.items():
        if len(key) > METADATA_KEY_MAX or not isinstance(value, str):
            raise StripeAPIError(400, f"Invalid metadata key: {key}", param=param)
        if len(value) > METADATA_VALUE_MAX:
            raise StripeAPIError(
                400,
                f"Metadata values can have up to {METADATA_VALUE_MAX} characters.",
                param=f"{param}[{key}]",
            )
    return dict(metadata)


@dataclass
class RecordedRequest:
    """One request the fake received, decoded."""

    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, Any]
    raw_body: str
    status: int = 0

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")

    @property
    def api_key(self) -> str | None:
        authorization = self.headers.get("authorization", "")
        return authorization.removeprefix("Bearer ") or None


@dataclass
class _Remembered:
    method: str
    path: str
    params: dict[str, Any]
    status: int
    body: dict[str, Any]


@dataclass
class _Failure:
    status: int
    type: str
    message: str


@dataclass
class FakeStripe:
    """State of the fake Stripe account, and the server that exposes it."""

    api_key: str = API_KEY
    webhook_secret: str = WEBHOOK_SECRET
    requests: list[RecordedRequest] = field(default_factory=list)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    # What a session was created with that Stripe keeps but does not show on
    # the session object: its line items and payment_intent_data.
    session_lines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    session_intent_metadata: dict[str, dict[str, str]] = field(default_factory=dict)
    payment_intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    disputes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Connected accounts (Stripe Connect) and the transfers made to them.
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    transfers: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    _remembered: dict[str, _Remembered] = field(default_factory=dict)
    _failures: list[_Failure] = field(default_factory=list)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    # --- Server -------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "the fake Stripe server is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeStripe:
        """Listen on 127.0.0.1 and a free port, in a daemon thread."""
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-stripe",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    # --- Test controls ------------------------------------------------------

    def fail_next(
        self,
        status: int = 500,
        *,
        count: int = 1,
        type: str = "api_error",
        message: str = "An unknown error occurred",
    ) -> None:
        """Answer the next ``count`` API requests with an error, before running them.

        Such answers are not remembered for their idempotency key (the request
        never ran), so a retry with the same key runs the request.
        """
        with self._lock:
            self._failures.extend(_Failure(status, type, message) for _ in range(count))

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        """The recorded requests to one endpoint (path with ids, as sent)."""
        with self._lock:
            return [r for r in self.requests if r.method == method and r.path == path]

    def session_complete(
        self,
        session_id: str,
        *,
        amount: int | None = None,
        currency: str | None = None,
    ) -> list[dict[str, Any]]:
        """Pay an open session as a shopper on Stripe's page would.

        Creates (or reuses, after a failed attempt) the PaymentIntent, succeeds
        it with a charge, completes the session. Returns the events Stripe sends:
        ``payment_intent.succeeded`` and ``checkout.session.completed``, in no
        promised order (Stripe promises none either).

        ``amount`` (minor units) or ``currency`` make the payment take another
        amount than the session's, as a payment that does not match its order
        would (both events then report what was taken).
        """
        with self._lock:
            session = self._open_session(session_id)
            intent = self._intent_for(session)
            if amount is not None or currency is not None:
                taken = {
                    "amount": session["amount_total"] if amount is None else amount,
                    "currency": (currency or session["currency"]).lower(),
                }
                intent.update(taken)
                session.update(amount_total=taken["amount"], currency=taken["currency"])
            charge_id = _new_id("ch_test_")
            self.charges[charge_id] = {
                "id": charge_id,
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
            intent.update(
                status="succeeded",
                amount_received=intent["amount"],
                latest_charge=charge_id,
                last_payment_error=None,
            )
            session.update(
                status="complete",
                payment_status="paid",
                payment_intent=intent["id"],
                customer_details={
                    "email": session["customer_email"],
                    "name": "Test Shopper",
                },
            )
            return [
                self._event("payment_intent.succeeded", intent),
                self._event("checkout.session.completed", session),
            ]

    def payment_fail(
        self, session_id: str, *, message: str = "Your card was declined."
    ) -> list[dict[str, Any]]:
        """Decline a card on an open session; it stays open for another try.

        Returns the ``payment_intent.payment_failed`` event.
        """
        with self._lock:
            session = self._open_session(session_id)
            intent = self._intent_for(session)
            intent.update(
                status="requires_payment_method",
                last_payment_error={
                    "type": "card_error",
                    "code": "card_declined",
                    "decline_code": "generic_decline",
                    "message": message,
                },
            )
            session["payment_intent"] = intent["id"]
            return [self._event("payment_intent.payment_failed", intent)]

    def session_expire_by_time(self, session_id: str) -> list[dict[str, Any]]:
        """Let an open session reach its expires_at; returns the expired event."""
        with self._lock:
            session = self._open_session(session_id)
            return [self._session_expire(session)]

    def dispute_create(
        self, payment_intent_id: str, *, reason: str = "product_not_received"
    ) -> list[dict[str, Any]]:
        """The shopper's bank disputes a paid charge; returns ``.created``.

        Stripe opens it as ``needs_response`` with an evidence due date.
        """
        with self._lock:
            intent = self.payment_intents[payment_intent_id]
            charge = self.charges[intent["latest_charge"]]
            now = int(time.time())
            dispute_id = _new_id("du_test_")
            self.disputes[dispute_id] = {
                "id": dispute_id,
                "object": "dispute",
                "amount": charge["amount"],
                "balance_transactions": [],
                "charge": charge["id"],
                "created": now,
                "currency": charge["currency"],
                "evidence": {},
                "evidence_details": {
                    "due_by": now + DISPUTE_EVIDENCE_DAYS * 24 * 60 * 60,
                    "has_evidence": False,
                    "past_due": False,
                    "submission_count": 0,
                },
                "is_charge_refundable": False,
                "livemode": False,
                "metadata": {},
                "payment_intent": payment_intent_id,
                "reason": reason,
                "status": "needs_response",
            }
            charge["disputed"] = True
            return [self._event("charge.dispute.created", self.disputes[dispute_id])]

    def dispute_change(
        self, dispute_id: str, event_type: str, *, status: str | None = None
    ) -> list[dict[str, Any]]:
        """Move a dispute on (``status``) and return the one event Stripe sends.

        ``event_type`` is one of ``charge.dispute.updated``, ``.closed``,
        ``.funds_withdrawn`` or ``.funds_reinstated``; the last two also add a
        balance transaction, as at Stripe.
        """
        if event_type not in DISPUTE_EVENTS[1:]:
            raise ValueError(f"{event_type} does not change a dispute")
        with self._lock:
            dispute = self.disputes[dispute_id]
            if status is not None:
                dispute["status"] = status
            if event_type.endswith("funds_withdrawn") or event_type.endswith(
                "funds_reinstated"
            ):
                sign = -1 if event_type.endswith("funds_withdrawn") else 1
                dispute["balance_transactions"].append(
                    {"id": _new_id("txn_test_"), "amount": sign * dispute["amount"]}
                )
            return [self._event(event_type, dispute)]

    def account_create(self, *, country: str = "FR") -> str:
        """Connect a new account (a refurbisher onboarding); return its ``acct_`` id."""
        with self._lock:
            account_id = _new_id("acct_", 16)
            self.accounts[account_id] = {
                "id": account_id,
                "object": "account",
                "country": country,
                "type": "express",
                "charges_enabled": True,
                "payouts_enabled": True,
                "created": int(time.time()),
            }
            return account_id

    def event_signed(
        self,
        event: dict[str, Any],
        *,
        secret: str | None = None,
        timestamp: int | None = None,
    ) -> tuple[bytes, str]:
        """The body and ``Stripe-Signature`` header of a webhook delivery."""
        return event_signed(
            event, secret=secret or self.webhook_secret, timestamp=timestamp
        )

    # --- State changes ------------------------------------------------------

    def _open_session(self, session_id: str) -> dict[str, Any]:
        session = self.sessions.get(session_id)
        if session is None:
            raise _missing("checkout.session", session_id, "session")
        if session["status"] != "open":
            raise StripeAPIError(
                400,
                f"This Checkout Session is {session['status']}, not open.",
                code="checkout_session_not_open",
            )
        return session

    def _intent_for(self, session: dict[str, Any]) -> dict[str, Any]:
        if session["payment_intent"]:
            return self.payment_intents[session["payment_intent"]]
        intent_id = _new_id("pi_test_")
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": session["amount_total"],
            "amount_received": 0,
            "created": int(time.time()),
            "currency": session["currency"],
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": dict(self.session_intent_metadata.get(session["id"], {})),
            "receipt_email": session["customer_email"],
            "status": "requires_payment_method",
        }
        self.payment_intents[intent_id] = intent
        return intent

    def _session_expire(self, session: dict[str, Any]) -> dict[str, Any]:
        session.update(status="expired", url=None)
        return self._event("checkout.session.expired", session)

    def _event(self, event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
        event = event_build(event_type, obj)
        self.events.append(event)
        return copy.deepcopy(event)

    # --- API ----------------------------------------------------------------

    def handle(self, request: RecordedRequest) -> tuple[int, dict[str, Any], dict]:
        """Answer one API request: (status, JSON body, extra headers)."""
        with self._lock:
            self.requests.append(request)
            try:
                status, body, headers = self._answer(request)
            except StripeAPIError as error:
                status, body, headers = error.status, {"error": error.body}, {}
            request.status = status
            return status, body, headers

    def _answer(self, request: RecordedRequest) -> tuple[int, dict[str, Any], dict]:
        self._authenticate(request)
        if self._failures:
            failure = self._failures.pop(0)
            raise StripeAPIError(failure.status, failure.message, type=failure.type)
        key = request.idempotency_key
        if request.method == "POST" and key:
            remembered = self._remembered.get(key)
            if remembered is not None:
                if (remembered.method, remembered.path) != (
                    request.method,
                    request.path,
                ):
                    raise StripeAPIError(
                        400,
                        "Keys for idempotent requests can only be used for the "
                        "same endpoint they were first used for ("
                        f"{remembered.method} {remembered.path} vs "
                        f"{request.method} {request.path}). Try using a key "
                        f"other than '{key}' if you meant to execute a different "
                        "request.",
                        type="idempotency_error",
                    )
                if remembered.params != request.params:
                    raise StripeAPIError(
                        400,
                        "Keys for idempotent requests can only be used with the "
                        "same parameters they were first used with. Try using a "
                        f"key other than '{key}' if you meant to execute a "
                        "different request.",
                        type="idempotency_error",
                    )
                return (
                    remembered.status,
                    copy.deepcopy(remembered.body),
                    {"Idempotent-Replayed": "true"},
                )
        status, body = self._route(request)
        if request.method == "POST" and key:
            self._remembered[key] = _Remembered(
                request.method, request.path, request.params, status, body
            )
        return status, copy.deepcopy(body), {}

    def _authenticate(self, request: RecordedRequest) -> None:
        api_key = request.api_key
        if not api_key:
            raise StripeAPIError(
                401,
                "You did not provide an API key. You need to provide your API key "
                "in the Authorization header, using Bearer auth (e.g. "
                "'Authorization: Bearer YOUR_SECRET_KEY').",
            )
        if api_key != self.api_key or not api_key.startswith("sk_test_"):
            raise StripeAPIError(
                401,
                f"Invalid API Key provided: {api_key[:8]}****{api_key[-4:]}",
                code="api_key_invalid",
            )

    def _route(self, request: RecordedRequest) -> tuple[int, dict[str, Any]]:
        method, path, params = request.method, request.path, request.params
        parts = path.strip("/").split("/")
        if parts[:3] == ["v1", "checkout", "sessions"]:
            tail = parts[3:]
            if method == "POST" and not tail:
                return 200, self._session_create(params)
            if method == "GET" and len(tail) == 1:
                session = self.sessions.get(tail[0])
                if session is None:
                    raise _missing("checkout.session", tail[0], "session")
                return 200, session
            if method == "POST" and len(tail) == 2 and tail[1] == "expire":
                return 200, self._session_expire_by_api(tail[0])
        if method == "POST" and parts == ["v1", "refunds"]:
            return 200, self._refund_create(params)
        if method == "POST" and parts == ["v1", "transfers"]:
            return 200, self._transfer_create(params)
        if method == "GET" and parts == ["v1", "transfers"]:
            return 200, self._transfer_list(params)
        if method == "GET" and len(parts) == 3 and parts[1] == "transfers":
            transfer = self.transfers.get(parts[2])
            if transfer is None:
                raise _missing("transfer", parts[2], "id")
            return 200, transfer
        if method == "GET" and len(parts) == 3 and parts[1] == "payment_intents":
            intent = self.payment_intents.get(parts[2])
            if intent is None:
                raise _missing("payment_intent", parts[2], "intent")
            return 200, intent
        raise StripeAPIError(
            404,
            f"Unrecognized request URL ({method}: {path}). Please see "
            "https://stripe.com/docs or we can help at https://support.stripe.com/.",
        )

    def _session_create(self, params: dict[str, Any]) -> dict[str, Any]:
        mode = _required(params, "mode")
        if mode != "payment":
            raise StripeAPIError(
                400,
                f"Invalid mode: only 'payment' is faked, not {mode!r}.",
                param="mode",
            )
        success_url = _required(params, "success_url")
        line_items = _required(params, "line_items")
        if not isinstance(line_items, list):
            raise StripeAPIError(400, "Invalid array", param="line_items")
        currencies = set()
        lines = []
        total = 0
        for index, item in enumerate(line_items):
            where = f"line_items[{index}]"
            if not isinstance(item, dict):
                raise StripeAPIError(400, "Invalid object", param=where)
            quantity = _integer(
                _required(item, "quantity", f"{where}[quantity]"),
                f"{where}[quantity]",
                minimum=1,
            )
            if "price" in item:
                raise StripeAPIError(
                    400, "Only price_data is faked, not prices.", param=where
                )
            price_data = _required(item, "price_data", f"{where}[price_data]")
            currency = _required(
                price_data, "currency", f"{where}[price_data][currency]"
            ).lower()
            if currency not in MINIMUM_CHARGE:
                raise StripeAPIError(
                    400,
                    f"Invalid currency: {currency}.",
                    param=f"{where}[price_data][currency]",
                )
            unit_amount = _integer(
                _required(
                    price_data, "unit_amount", f"{where}[price_data][unit_amount]"
                ),
                f"{where}[price_data][unit_amount]",
            )
            product_data = price_data.get("product_data") or {}
            name = _required(
                product_data, "name", f"{where}[price_data][product_data][name]"
            )
            currencies.add(currency)
            total += unit_amount * quantity
            lines.append(
                {
                    "description": name,
                    "quantity": quantity,
                    "currency": currency,
                    "unit_amount": unit_amount,
                    "amount_total": unit_amount * quantity,
                }
            )
        if not lines:
            raise StripeAPIError(
                400, "line_items must contain at least one item.", param="line_items"
            )
        if len(currencies) > 1:
            raise StripeAPIError(
                400,
                "Checkout does not support multiple currencies in one session.",
                param="line_items",
            )
        currency = currencies.pop()
        if total < MINIMUM_CHARGE[currency]:
            raise StripeAPIError(
                400,
                "The Checkout Session's total amount due must add up to at least "
                f"{MINIMUM_CHARGE[currency]} minor units of {currency}.",
                code="amount_too_small",
            )
        now = int(time.time())
        expires_at = now + SESSION_MAX_LIFETIME
        if params.get("expires_at") not in (None, ""):
            expires_at = _integer(params["expires_at"], "expires_at")
            if expires_at < now + SESSION_MIN_LIFETIME - CLOCK_SLACK:
                raise StripeAPIError(
                    400,
                    "The `expires_at` timestamp must be at least 30 minutes from "
                    "Checkout Session creation.",
                    param="expires_at",
                )
            if expires_at > now + SESSION_MAX_LIFETIME:
                raise StripeAPIError(
                    400,
                    "The `expires_at` timestamp must be less than 24 hours from "
                    "Checkout Session creation.",
                    param="expires_at",
                )
        intent_data = params.get("payment_intent_data") or {}
        if not isinstance(intent_data, dict):
            raise StripeAPIError(400, "Invalid object", param="payment_intent_data")
        session_id = _new_id("cs_test_", 58)
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": params.get("cancel_url") or None,
            "client_reference_id": params.get("client_reference_id") or None,
            "created": now,
            "currency": currency,
            "customer": None,
            "customer_details": None,
            "customer_email": params.get("customer_email") or None,
            "expires_at": expires_at,
            "livemode": False,
            "metadata": _metadata(params.get("metadata")),
            "mode": "payment",
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": success_url,
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        }
        self.sessions[session_id] = session
        self.session_lines[session_id] = lines
        self.session_intent_metadata[session_id] = _metadata(
            intent_data.get("metadata"), "payment_intent_data[metadata]"
        )
        return session

    def _session_expire_by_api(self, session_id: str) -> dict[str, Any]:
        session = self.sessions.get(session_id)
        if session is None:
            raise _missing("checkout.session", session_id, "session")
        if session["status"] != "open":
            raise StripeAPIError(
                400,
                'Only Checkout Sessions with a status in ["open"] can be expired.',
                code="checkout_session_not_open",
            )
        self._session_expire(session)
        return session

    def _refund_create(self, params: dict[str, Any]) -> dict[str, Any]:
        intent_id = _required(params, "payment_intent")
        intent = self.payment_intents.get(intent_id)
        if intent is None:
            raise _missing("payment_intent", intent_id, "payment_intent")
        if intent["status"] != "succeeded" or not intent["latest_charge"]:
            raise StripeAPIError(
                400,
                f"This PaymentIntent ({intent_id}) does not have a successful "
                "charge to refund.",
                param="payment_intent",
            )
        charge = self.charges[intent["latest_charge"]]
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining == 0:
            raise StripeAPIError(
                400,
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        amount = remaining
        if params.get("amount") not in (None, ""):
            amount = _integer(params["amount"], "amount", minimum=1)
        if amount > remaining:
            raise StripeAPIError(
                400,
                f"Refund amount ({amount} {charge['currency']}) is greater than "
                f"unrefunded amount on charge ({remaining} {charge['currency']})",
                param="amount",
            )
        refund_id = _new_id("re_test_")
        refund = {
            "id": refund_id,
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "created": int(time.time()),
            "currency": charge["currency"],
            "metadata": _metadata(params.get("metadata")),
            "payment_intent": intent_id,
            "reason": params.get("reason") or None,
            "status": "succeeded",
        }
        self.refunds[refund_id] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        self._event("charge.refunded", charge)
        return refund

    def _transfer_create(self, params: dict[str, Any]) -> dict[str, Any]:
        amount = _integer(_required(params, "amount"), "amount", minimum=1)
        currency = _required(params, "currency").lower()
        if currency not in MINIMUM_CHARGE:
            raise StripeAPIError(
                400, f"Invalid currency: {currency}.", param="currency"
            )
        destination = _required(params, "destination")
        if destination not in self.accounts:
            raise StripeAPIError(
                400,
                f"No such destination: '{destination}'",
                code="resource_missing",
                param="destination",
            )
        transfer_id = _new_id("tr_test_")
        transfer = {
            "id": transfer_id,
            "object": "transfer",
            "amount": amount,
            "amount_reversed": 0,
            "balance_transaction": _new_id("txn_test_"),
            "created": int(time.time()),
            "currency": currency,
            "description": params.get("description") or None,
            "destination": destination,
            "destination_payment": _new_id("py_test_"),
            "livemode": False,
            "metadata": _metadata(params.get("metadata")),
            "reversals": {
                "object": "list",
                "data": [],
                "has_more": False,
                "total_count": 0,
                "url": f"/v1/transfers/{transfer_id}/reversals",
            },
            "reversed": False,
            "source_transaction": None,
            "source_type": "card",
            "transfer_group": params.get("transfer_group") or None,
        }
        self.transfers[transfer_id] = transfer
        return transfer

    def _transfer_list(self, params: dict[str, Any]) -> dict[str, Any]:
        """Transfers newest first, filtered by ``transfer_group``/``destination``."""
        limit = 10
        if params.get("limit") not in (None, ""):
            limit = _integer(params["limit"], "limit", minimum=1)
            if limit > 100:
                raise StripeAPIError(
                    400, "This value must be less than or equal to 100.", param="limit"
                )
        found = [
            transfer
            for transfer in reversed(self.transfers.values())
            if all(
                transfer[name] == params[name]
                for name in ("transfer_group", "destination")
                if params.get(name)
            )
        ]
        return {
            "object": "list",
            "data": found[:limit],
            "has_more": len(found) > limit,
            "url": "/v1/transfers",
        }


class _Handler(BaseHTTPRequestHandler):
    fake: FakeStripe
    server_version = "fake-stripe"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length).decode() if length else ""
        headers = {key.lower(): value for key, value in self.headers.items()}
        try:
            params = form_decode(raw_body if self.command == "POST" else url.query)
        except StripeAPIError as error:
            status, body, extra = error.status, {"error": error.body}, {}
        else:
            request = RecordedRequest(
                method=self.command,
                path=url.path,
                headers=headers,
                params=params,
                raw_body=raw_body,
            )
            status, body, extra = self.fake.handle(request)
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Request-Id", _new_id("req_", 14))
        self.send_header("Stripe-Version", headers.get("stripe-version", API_VERSION))
        if headers.get("idempotency-key"):
            self.send_header("Idempotency-Key", headers["idempotency-key"])
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet; requests are in ``FakeStripe.requests``."""


def event_signed(
    event: dict[str, Any],
    *,
    secret: str = WEBHOOK_SECRET,
    timestamp: int | None = None,
) -> tuple[bytes, str]:
    """Serialize an event and sign it as Stripe signs a webhook delivery.

    Returns the body and the ``Stripe-Signature`` header (``t=...,v1=...``).
    ``timestamp`` (Unix seconds) makes a stale signature for tests.
    """
    payload = json.dumps(event, indent=2)
    header = stripe.WebhookSignature.generate_signature_header(
        payload, secret, timestamp=timestamp
    )
    return payload.encode(), header


def event_build(event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    """An event around any object, for payloads the fake's state cannot reach."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"{event_type} is not an event ReMarket handles")
    return {
        "id": _new_id("evt_test_"),
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()),
        "data": {"object": copy.deepcopy(obj)},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


@contextlib.contextmanager
def running() -> Iterator[FakeStripe]:
    """Run a fake Stripe for the duration of a ``with``/fixture body."""
    fake = FakeStripe().start()
    try:
        yield fake
    finally:
        fake.stop()


WEBHOOK = "/webhooks/stripe/"


def deliver(client, fake, event, **signing):
    """Post ``event`` to our webhook, signed by ``fake`` as Stripe signs it."""
    body, header = fake.event_signed(event, **signing)
    return client.post(
        WEBHOOK, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
