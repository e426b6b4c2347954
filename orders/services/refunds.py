"""Refunds: decided in our transaction, sent to the payment provider after it.

``refund_issue`` (or ``refund_create`` inside a caller's transaction) writes a
``Refund`` row under the order's row lock, after checking that the order's
refunds that did not fail, plus this one, stay within what was paid (and
within the seller order's total when it names one). Once the transaction
commits, ``refund_send`` asks the gateway to refund with the row's
idempotency key (made with this installation's prefix on the first try and
stored on the row): a retry (the periodic ``refunds_retry_due``, a crash
between the provider's answer and our save) sends the same key, and the
provider answers with the first refund instead of making a second one.

Lock order: the order row (``FOR NO KEY UPDATE``), then the refund row.
Callers that also lock a seller order lock the order first (as
``orders.services.cancellation`` does). ``refund_send`` locks only the refund
row; the offline gateway's ``charge.refunded`` is applied after it commits.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from marketplace.money import quantize, to_minor_units
from marketplace.status import actor_or_none
from orders.exceptions import OrderError, PaymentProviderError
from orders.models import (
    Order,
    OrderStatus,
    Refund,
    RefundReason,
    RefundStatus,
    SellerOrder,
)
from orders.moves import ORDER_STATUS
from orders.notifications import refund_notify
from orders.services.installation import provider_key, provider_metadata

logger = logging.getLogger(__name__)

# Pending refunds older than this are sent again by the periodic retry.
RETRY_AFTER = dt.timedelta(minutes=5)
RETRY_BATCH = 100
# Larger than any order total can be (12 digits with 2 decimals).
MAX_AMOUNT = Decimal("1e10")


class RefundRefused(OrderError):
    """A refund the rules refuse: nothing paid, or more than is left to refund."""


def _refunded_so_far(**filters) -> Decimal:
    # A mismatched payment's refund gives back another payment than the
    # order's: it takes nothing from what is left to refund on the order.
    total = (
        Refund.objects.filter(**filters)
        .exclude(status=RefundStatus.FAILED)
        .exclude(reason=RefundReason.PAYMENT_MISMATCH)
        .aggregate(total=Sum("amount"))["total"]
    )
    return total or Decimal("0")


def refundable_amount(
    *, order: Order, seller_order: SellerOrder | None = None
) -> Decimal:
    """What can still be refunded on the order, or on one seller order of it."""
    left = order.total_amount - _refunded_so_far(order=order)
    if seller_order is not None:
        left = min(
            left,
            seller_order.total_amount - _refunded_so_far(seller_order=seller_order),
        )
    return max(left, Decimal("0"))


def refund_create(
    *,
    order: Order,
    seller_order: SellerOrder | None,
    amount: Decimal,
    reason: str,
    note: str = "",
    actor: AbstractBaseUser | None = None,
) -> Refund:
    """Write a refund under the order's lock; it is sent once the caller commits.

    Must run inside the caller's transaction (the refund belongs with the
    change that caused it: a cancellation, a return, a claim). Raises
    ``RefundRefused`` if the order was not paid or the amount is more than
    what is left to refund.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("refund_create must run inside a transaction")
    # NO KEY UPDATE: refunds of one order queue here, yet a move that only
    # adds a row pointing at the order (an audit row, a message) is not held
    # up, so it cannot wait in a cycle with the caller's other locks.
    order = Order.objects.select_for_update(no_key=True).get(pk=order.pk)
    if reason not in RefundReason.values or reason == RefundReason.PAYMENT_MISMATCH:
        # A mismatched payment is refunded by mismatched_payment_refund_create.
        raise RefundRefused(f"{reason!r} is not a reason for a refund.")
    # A payment that came after its items were released is refunded whole.
    late = reason == RefundReason.PAID_TOO_LATE and bool(order.payment_intent_id)
    if order.status != OrderStatus.PAID and not late:
        raise RefundRefused(gettext("Only a paid order can be refunded."))
    try:
        amount = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        amount = Decimal("NaN")
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise RefundRefused(
            gettext("Please give the amount as a number."), field="amount"
        )
    amount = quantize(amount)
    if amount <= 0:
        raise RefundRefused(gettext("A refund must be more than zero."), field="amount")
    left = refundable_amount(order=order, seller_order=seller_order)
    if amount > left:
        message = (
            gettext(
                "Only %(amount)s %(currency)s is left to refund on this part of "
                "the order."
            )
            if seller_order
            else gettext(
                "Only %(amount)s %(currency)s is left to refund on this order."
            )
        )
        raise RefundRefused(
            message % {"amount": left, "currency": order.currency}, field="amount"
        )
    refund = Refund.objects.create(
        order=order,
        seller_order=seller_order,
        amount=amount,
        currency=order.currency,
        reason=reason,
        note=note[:300],
        requested_by=actor_or_none(actor),
    )
    ORDER_STATUS.record(
        order, actor=actor, columns={"seller_order": seller_order},
        reason=f"Refund of {amount} {order.currency}: "
        f"{RefundReason(reason).label}{f' ({note})' if note else ''}",
    )  # fmt: skip
    refund_id = refund.pk
    transaction.on_commit(lambda: refund_send(refund_id=refund_id))
    return refund


def mismatched_payment_refund_create(
    *, order: Order, payment_intent_id: str, amount: Decimal, currency: str
) -> Refund:
    """Write the refund of a whole payment that did not match its order.

    Must run inside the caller's transaction, with the order row locked. The
    payment is not the order's: the refund names it (``payment_intent_id``),
    gives back what it took, in its currency, and counts for nothing in
    what is left to refund on the order. Once per payment (a unique
    constraint). Sent after commit like every refund.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("mismatched_payment_refund_create needs a transaction")
    refund = Refund.objects.create(
        order=order, seller_order=None, amount=quantize(amount),
        currency=currency, reason=RefundReason.PAYMENT_MISMATCH,
        payment_intent_id=payment_intent_id,
        note=gettext(
            "The payment did not match the order, so it was given back in full."
        ),
    )  # fmt: skip
    ORDER_STATUS.record(
        order,
        reason=gettext(
            "Refund of %(amount)s %(currency)s: payment %(payment)s did not match "
            "the order"
        )
        % {"amount": refund.amount, "currency": currency, "payment": payment_intent_id},
    )  # fmt: skip
    refund_id = refund.pk
    transaction.on_commit(lambda: refund_send(refund_id=refund_id))
    return refund


@transaction.atomic
def refund_issue(
    *,
    order: Order,
    seller_order: SellerOrder | None,
    amount: Decimal,
    reason: str,
    note: str = "",
    actor: AbstractBaseUser | None = None,
) -> Refund:
    """Decide a refund on its own (QA's goodwill refund, a late payment)."""
    return refund_create(
        order=order, seller_order=seller_order, amount=amount, reason=reason,
        note=note, actor=actor,
    )  # fmt: skip


def refund_send(*, refund_id: int) -> Refund:
    """Send a pending refund to the payment provider; a no-op once it is done.

    A provider error leaves the refund pending with the message (the retry
    sends it again with the same idempotency key); after
    ``REFUND_MAX_ATTEMPTS`` it is marked failed for QA to look at, and its
    amount no longer counts as refunded.
    """
    from orders.payment_gateway import OfflineGateway, payment_gateway

    with transaction.atomic():
        refund = (
            Refund.objects.select_for_update(of=("self",))
            .select_related("order")
            .get(pk=refund_id)
        )
        if refund.status != RefundStatus.PENDING:
            return refund
        order = refund.order
        gateway = payment_gateway()
        refund.attempts += 1
        # The key of the first try, kept on the row: a retry with another key
        # would be a second refund at the provider.
        if not refund.idempotency_key:
            refund.idempotency_key = provider_key("refund", refund.pk)
        try:
            answer = gateway.refund(
                payment_intent=refund.payment_intent_id or order.payment_intent_id,
                amount_minor=to_minor_units(refund.amount, refund.currency),
                currency=refund.currency,
                idempotency_key=refund.idempotency_key,
                metadata=provider_metadata(
                    key=refund.idempotency_key,
                    order_id=order.pk,
                    order_reference=order.reference,
                    refund_id=refund.pk,
                ),
            )
        except PaymentProviderError as error:
            logger.warning("Refund %s not sent: %s", refund.pk, error.message)
            refund.failure_message = error.message
            if refund.attempts >= settings.REFUND_MAX_ATTEMPTS:
                refund.status = RefundStatus.FAILED
            refund.save(
                update_fields=[
                    "attempts", "failure_message", "status", "idempotency_key"
                ]
            )  # fmt: skip
            return refund
        refund.status = RefundStatus.SUCCEEDED
        refund.provider_refund_id = answer["id"]
        refund.succeeded_at = timezone.now()
        refund.failure_message = ""
        refund.save(
            update_fields=[
                "attempts", "status", "provider_refund_id", "succeeded_at",
                "failure_message", "idempotency_key",
            ]
        )  # fmt: skip
        if isinstance(gateway, OfflineGateway):
            # As Stripe's webhook would, after this refund's row lock is gone:
            # applying it locks the order, and the order comes first.
            session_id = order.payment_session_id
            transaction.on_commit(lambda: _offline_refund_recorded(gateway, session_id))
        refund_notify(refund_id=refund_id)
    return refund


def _offline_refund_recorded(gateway, session_id: str) -> None:
    """Apply the offline gateway's charge.refunded as Stripe's would arrive."""
    from orders.services.payment_events import payment_event_receive

    try:
        events = gateway.events_for(session_id, "refunded")
    except PaymentProviderError:
        return
    for event in events:
        payment_event_receive(event)


def refunds_retry_due(*, at: dt.datetime | None = None) -> int:
    """Send again the refunds still pending a while after they were decided."""
    before = (at or timezone.now()) - RETRY_AFTER
    ids = list(
        Refund.objects.filter(status=RefundStatus.PENDING, created_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)[:RETRY_BATCH]
    )
    sent = 0
    for refund_id in ids:
        sent += refund_send(refund_id=refund_id).status == RefundStatus.SUCCEEDED
    return sent


def refund_send_again(*, refund: Refund, actor: AbstractBaseUser | None) -> Refund:
    """Send a pending refund now, at QA's request; note who asked on the order.

    Only a refund still being sent may be sent again (with its idempotency key,
    so the provider never refunds twice); a failed one stays failed and QA
    decides a new refund instead. Raises ``RefundRefused`` otherwise.
    """
    if refund.status != RefundStatus.PENDING:
        message = (
            gettext(
                "Refund %(refund)s is refunded: only a refund still being sent "
                "can be sent again."
            )
            if refund.status == RefundStatus.SUCCEEDED
            else gettext(
                "Refund %(refund)s is refund failed: only a refund still being "
                "sent can be sent again."
            )
        )
        raise RefundRefused(message % {"refund": refund.pk})

    refund = refund_send(refund_id=refund.pk)
    order = Order.objects.only("pk", "status").get(pk=refund.order_id)
    outcome = (
        "refunded"
        if refund.status == RefundStatus.SUCCEEDED
        else f"{RefundStatus(refund.status).label.lower()}: {refund.failure_message}"
    )
    ORDER_STATUS.record(
        order, actor=actor, columns={"seller_order_id": refund.seller_order_id},
        reason=f"Refund {refund.pk} sent again: {outcome}",
    )  # fmt: skip
    return refund
