"""Apply a payment provider's event (Stripe's shapes) to its order.

The Stripe webhook and the offline test gateway both end here, with events of
the same types and shapes, so one code path decides what a payment did.
Each event maps onto a payment service that is a no-op when its effect is
already there, so duplicates and any order of arrival leave the right state:
``payment_intent.succeeded`` before ``checkout.session.completed`` pays the
order once; a late ``payment_failed`` for a paid order changes nothing. A
payment that does not match its order is refunded whole and queued for QA
(``payment_mismatches``); a dispute of the payment is recorded against its
seller orders (``disputes``).

Each event is recorded once by its id (``PaymentEvent``), in the transaction
that applies it (``payment_event_receive``)::

    with transaction.atomic():
        if event_record(event):
            payment_event_process(event)
            event_mark_processed(event)
    return 200  # also for a duplicate

Recording and processing commit together: if processing fails, the record is
rolled back too and Stripe's next delivery of the event is processed. Two
deliveries of one event at the same moment meet on the unique event id: the
second waits for the first to commit, then finds the record and changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from marketplace.emails import emails_requeue
from orders.models import Order, PaymentEvent, RefundReason
from orders.notifications import order_paid_key_prefix
from orders.services.disputes import DISPUTE_EVENTS, payment_dispute_apply
from orders.services.installation import is_other_installation
from orders.services.payment import (
    PaymentOutcome,
    order_expire,
    order_payment_failed,
    order_payment_succeeded,
    order_refund_recorded,
)
from orders.services.payment_mismatches import payment_mismatch_record
from orders.services.refunds import RefundRefused, refund_create

logger = logging.getLogger(__name__)

SUCCEEDED = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "payment_intent.succeeded",
}
FAILED = {"checkout.session.async_payment_failed", "payment_intent.payment_failed"}
EXPIRED = {"checkout.session.expired"}
REFUNDED = {"charge.refunded"}


def event_record(event: dict[str, Any]) -> bool:
    """Record a verified event by its id; return False if it was recorded before.

    Call it in the transaction that processes the event (see the module's
    docstring). A concurrent delivery of the same event waits on the unique id
    until this transaction ends.
    """
    try:
        # A savepoint, so a duplicate leaves the caller's transaction usable.
        with transaction.atomic():
            PaymentEvent.objects.create(
                provider_event_id=event["id"],
                type=event["type"],
                payload=event,
            )
    except IntegrityError:
        return False
    return True


def event_mark_processed(event: dict[str, Any]) -> None:
    """Note when a recorded event's effect was applied."""
    PaymentEvent.objects.filter(
        provider_event_id=event["id"], processed_at__isnull=True
    ).update(processed_at=timezone.now())


def _order_for(payload: dict) -> Order | None:
    """The order an event's object is about: by metadata, session or intent id.

    An order id in the metadata counts only with its reference beside it
    matching (when given): another database's order 42 is not ours.
    """
    metadata = payload.get("metadata") or {}
    order_id = str(metadata.get("order_id") or "")
    if order_id.isdigit():
        order = Order.objects.filter(pk=int(order_id)).first()
        reference = metadata.get("order_reference")
        if order is not None and (not reference or reference == order.reference):
            return order
    object_id = payload.get("id") or ""
    if payload.get("object") == "checkout.session":
        return Order.objects.filter(payment_session_id=object_id).first()
    if payload.get("object") == "payment_intent" and object_id:
        return Order.objects.filter(payment_intent_id=object_id).first()
    if payload.get("object") == "charge" and payload.get("payment_intent"):
        return Order.objects.filter(payment_intent_id=payload["payment_intent"]).first()
    if payload.get("object") == "dispute" and payload.get("payment_intent"):
        # A dispute carries no metadata: the payment it disputes names the
        # order (its own payment, or one that did not match it).
        intent = payload["payment_intent"]
        return (
            Order.objects.filter(
                Q(payment_intent_id=intent)
                | Q(payment_mismatches__payment_intent_id=intent)
            )
            .distinct()
            .first()
        )
    return None


def _late_payment_refund(order: Order) -> None:
    """Give back a payment whose items were sold out by the time it arrived.

    Once per order (a unique constraint on the late-payment refund): a repeated
    event finds the refund there and leaves it.
    """
    if order.refunds.filter(reason=RefundReason.PAID_TOO_LATE).exists():
        return
    try:
        with transaction.atomic():
            refund_create(
                order=order, seller_order=None, amount=order.total_amount,
                reason=RefundReason.PAID_TOO_LATE,
                note="The items were no longer available when the payment arrived.",
            )  # fmt: skip
    except RefundRefused as refusal:
        logger.error("Late payment of order %s not refunded: %s", order.pk, refusal)


def _minor(amount) -> int:
    """An event's amount in minor units; anything else counts as 0 (a mismatch)."""
    if isinstance(amount, bool):
        return 0
    if isinstance(amount, int):
        return amount
    if isinstance(amount, str) and amount.isdigit():
        return int(amount)
    return 0


def payment_event_process(event: dict) -> str:
    """Apply one event; return what it did, in a few words (for logs and tests)."""
    kind = event.get("type", "")
    payload = (event.get("data") or {}).get("object") or {}
    if kind not in SUCCEEDED | FAILED | EXPIRED | REFUNDED | DISPUTE_EVENTS:
        return f"ignored {kind}"
    if is_other_installation(payload.get("metadata")):
        # One Stripe account, two installations: the other one's payment.
        return "another installation"
    order = _order_for(payload)
    if order is None:
        logger.warning("Payment event %s names no known order", event.get("id"))
        return "no such order"
    if kind in SUCCEEDED:
        if kind.startswith("checkout.session") and payload.get(
            "payment_status"
        ) not in (
            "paid",
            "no_payment_required",
        ):
            # Paid later (async methods): the async_payment_succeeded event follows.
            return "waiting for payment"
        amount = payload.get("amount_total", payload.get("amount_received"))
        if payload.get("object") == "payment_intent":
            intent = payload.get("id") or ""
        else:
            intent = payload.get("payment_intent") or ""
        amount_minor = _minor(amount)
        currency = str(payload.get("currency") or "")
        outcome = order_payment_succeeded(
            order_id=order.pk,
            amount_minor=amount_minor,
            currency=currency,
            payment_intent_id=str(intent),
        )
        if outcome is PaymentOutcome.NEEDS_REFUND:
            _late_payment_refund(order)
        if outcome is PaymentOutcome.AMOUNT_MISMATCH:
            payment_mismatch_record(
                order=order, payment_intent_id=str(intent)[:255],
                amount_minor=amount_minor, currency=currency,
                event_id=str(event.get("id") or ""),
            )  # fmt: skip
        return outcome.value
    if kind in DISPUTE_EVENTS:
        created = event.get("created")
        _, changed = payment_dispute_apply(
            order=order, event_id=str(event.get("id") or ""), event_type=kind,
            created=created if isinstance(created, int) else 0, dispute=payload,
        )  # fmt: skip
        return "dispute recorded" if changed else "dispute unchanged"
    if kind in REFUNDED:
        if str(payload.get("payment_intent") or "") != order.payment_intent_id:
            # The refund of another payment than the order's (one that did
            # not match it): nothing refunded on the order's own payment.
            return "refund of another payment"
        recorded = order_refund_recorded(
            order_id=order.pk,
            refunded_minor=int(payload.get("amount_refunded") or 0),
            currency=str(payload.get("currency") or ""),
        )
        return "refund recorded" if recorded else "unchanged"
    if kind in FAILED:
        return "released" if order_payment_failed(order_id=order.pk) else "unchanged"
    return "expired" if order_expire(order_id=order.pk) else "unchanged"


def _paid_emails_requeue(event: dict) -> int:
    """Hand over again the payment emails of a success event's order still waiting.

    They were written with the payment, so they exist; but the process that
    committed them may have died before handing them to Celery. A second
    delivery of the event sends them now instead of at the next sweep (a
    task already under way finds them sent and does nothing).
    """
    if event.get("type") not in SUCCEEDED:
        return 0
    order = _order_for((event.get("data") or {}).get("object") or {})
    if order is None:
        return 0
    return emails_requeue(key_prefix=order_paid_key_prefix(order.pk))


@transaction.atomic
def payment_event_receive(event: dict) -> str:
    """Record an event once and apply it, in one transaction.

    The Stripe webhook and the offline test gateway's page both come here: a
    second delivery of an event id changes nothing ("duplicate") but sends
    its order's payment emails if they are still waiting (so does another
    event of a payment already applied); if applying fails, the record rolls
    back too and the next delivery is applied.
    """
    if not event_record(event):
        _paid_emails_requeue(event)
        return "duplicate"
    result = payment_event_process(event)
    event_mark_processed(event)
    if result == PaymentOutcome.ALREADY_PAID.value:
        # Another event of the same payment (intent succeeded after the
        # session completed): the same reason to look for waiting emails.
        _paid_emails_requeue(event)
    return result
