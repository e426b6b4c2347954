"""Payments whose amount or currency does not match their order.

``order_payment_succeeded`` never applies such a payment. The event
processing then calls ``payment_mismatch_record``: the payment is recorded
once (however many events report it: a session's ``completed`` and its
intent's ``succeeded`` both do), given back whole through the usual refund
path (a ``Refund`` row, sent after commit with its idempotency key, retried),
the order's reservations are released if it was still waiting (the shopper
can pay again from the cart), and it waits in QA's admin queue until QA marks
it reviewed.

Lock order: the order row (``FOR NO KEY UPDATE``, as refunds take it), then
``order_payment_failed``'s own (the order, listings, sale days).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.money import MINOR_UNIT_EXPONENT
from orders.exceptions import OrderError
from orders.models import Order, OrderStatus, PaymentMismatch
from orders.moves import ORDER_STATUS
from orders.services.payment import order_payment_failed
from orders.services.refunds import mismatched_payment_refund_create


@transaction.atomic
def payment_mismatch_record(
    *,
    order: Order,
    payment_intent_id: str,
    amount_minor: int,
    currency: str,
    event_id: str,
) -> PaymentMismatch:
    """Record a payment that did not match ``order`` and refund it whole, once.

    A payment already recorded (by its PaymentIntent) is returned unchanged.
    Without a PaymentIntent, or in a currency we do not handle, nothing can
    be refunded automatically: the row says so, for QA to refund by hand.
    """
    order = Order.objects.select_for_update(no_key=True).get(pk=order.pk)
    if payment_intent_id:
        known = PaymentMismatch.objects.filter(
            payment_intent_id=payment_intent_id
        ).first()
        if known is not None:
            return known
    currency = (currency or "").upper()
    mismatch = PaymentMismatch(
        order=order,
        payment_intent_id=payment_intent_id,
        provider_event_id=event_id,
        paid_amount_minor=amount_minor,
        paid_currency=currency[:3],
        expected_amount=order.total_amount,
        expected_currency=order.currency,
    )
    if not payment_intent_id:
        mismatch.note = _(
            "Not refunded automatically: the event names no payment. Refund it "
            "in the Stripe dashboard."
        )
    elif currency not in MINOR_UNIT_EXPONENT or amount_minor <= 0:
        mismatch.note = _(
            "Not refunded automatically: %(amount)s in %(currency)s is not an "
            "amount ReMarket can refund. Refund it in the Stripe dashboard."
        ) % {"amount": amount_minor, "currency": currency or "?"}
    else:
        amount = Decimal(amount_minor) / 10 ** MINOR_UNIT_EXPONENT[currency]
        mismatch.refund = mismatched_payment_refund_create(
            order=order, payment_intent_id=payment_intent_id, amount=amount,
            currency=currency,
        )  # fmt: skip
    mismatch.save()
    if order.status == OrderStatus.PENDING_PAYMENT:
        order_payment_failed(
            order_id=order.pk, reason=_("The payment did not match the order")
        )
    return mismatch


@transaction.atomic
def payment_mismatch_review(
    *, mismatch: PaymentMismatch, actor: AbstractBaseUser, note: str = ""
) -> PaymentMismatch:
    """QA has looked at a mismatched payment: it leaves the queue, audited."""
    mismatch = PaymentMismatch.objects.select_for_update().get(pk=mismatch.pk)
    if mismatch.reviewed_at is not None:
        raise OrderError(_("This payment was reviewed already."))
    mismatch.reviewed_at = timezone.now()
    mismatch.reviewed_by = actor
    mismatch.review_note = (note or "").strip()[:2000]
    mismatch.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
    order = Order.objects.only("pk", "status").get(pk=mismatch.order_id)
    ORDER_STATUS.record(
        order, actor=actor,
        reason=_("QA reviewed the payment that did not match: %(note)s")
        % {"note": mismatch.review_note or _("no note")},
    )  # fmt: skip
    return mismatch
