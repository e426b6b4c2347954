"""Disputes (chargebacks) of an order's payment, as Stripe reports them.

Stripe sends ``charge.dispute.created`` when the shopper's bank disputes a
payment, then ``.updated``, ``.funds_withdrawn``, ``.funds_reinstated`` and
``.closed`` as it goes. Each event is recorded once by the webhook
(``PaymentEvent``); ``payment_dispute_apply`` keeps one ``PaymentDispute``
per Stripe dispute, found by its id, linked to every seller order of the
paid order, and changed by each event. Events may come in any order: one
older than the last applied (Stripe's ``created``) changes nothing, and at
the same second a closing status wins over an open one. Each change leaves
an audit row on every seller order, which QA and the seller read.

Lock order: the order row (``FOR NO KEY UPDATE``), then the dispute row.
(Answering a dispute with evidence is for a later issue.)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from marketplace.money import MINOR_UNIT_EXPONENT
from orders.models import (
    CLOSED_DISPUTE_STATUSES,
    DisputeReason,
    DisputeStatus,
    Order,
    OrderStatusChange,
    PaymentDispute,
)

DISPUTE_EVENTS = frozenset(
    {
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
    }
)


def _moment(seconds: Any) -> dt.datetime | None:
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds <= 0:
        return None
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def _amount(minor: Any, currency: str) -> Decimal:
    if isinstance(minor, bool) or not isinstance(minor, int) or minor < 0:
        minor = 0
    return Decimal(minor) / 10 ** MINOR_UNIT_EXPONENT.get(currency, 2)


def _rank(created: int, status: str) -> tuple[int, bool]:
    return created, status in CLOSED_DISPUTE_STATUSES


def _label(choices, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _what_happened(kind: str, dispute: PaymentDispute) -> str:
    """The audit line of an event, as the seller and QA read it."""
    status = _label(DisputeStatus, dispute.status)
    if kind == "charge.dispute.created":
        due = dispute.evidence_due_by
        return _(
            "The shopper's bank disputes the payment (%(reason)s): %(status)s, "
            "answer due by %(due)s."
        ) % {
            "reason": _label(DisputeReason, dispute.reason),
            "status": status,
            "due": formats.date_format(timezone.localtime(due)) if due else "?",
        }
    if kind == "charge.dispute.funds_withdrawn":
        return _("The disputed amount was taken from ReMarket's balance: %(s)s.") % {
            "s": status
        }
    if kind == "charge.dispute.funds_reinstated":
        return _("The disputed amount was given back to ReMarket: %(s)s.") % {
            "s": status
        }
    if kind == "charge.dispute.closed":
        return _("The payment dispute is closed: %(s)s.") % {"s": status}
    return _("The payment dispute changed: %(s)s.") % {"s": status}


@transaction.atomic
def payment_dispute_apply(
    *, order: Order, event_id: str, event_type: str, created: int, dispute: dict
) -> tuple[PaymentDispute, bool]:
    """Record or update the dispute in one event; return it and whether it changed.

    ``dispute`` is the event's Stripe dispute object and ``created`` the
    event's time. Call it once per event (the webhook's record makes sure).
    """
    order = Order.objects.select_for_update(no_key=True).get(pk=order.pk)
    dispute_id = str(dispute.get("id") or "")
    status = str(dispute.get("status") or DisputeStatus.NEEDS_RESPONSE)
    currency = str(dispute.get("currency") or order.currency).upper()[:3]
    evidence = dispute.get("evidence_details") or {}
    moment = _moment(created) or timezone.now()
    values = {
        "payment_intent_id": str(dispute.get("payment_intent") or "")[:255],
        "charge_id": str(dispute.get("charge") or "")[:255],
        "amount": _amount(dispute.get("amount"), currency),
        "currency": currency,
        "reason": str(dispute.get("reason") or DisputeReason.GENERAL)[:32],
        "status": status[:32],
        "evidence_due_by": _moment(evidence.get("due_by")),
    }
    record = (
        PaymentDispute.objects.select_for_update()
        .filter(provider_dispute_id=dispute_id)
        .first()
    )
    if record is None:
        try:
            with transaction.atomic():
                record = PaymentDispute.objects.create(
                    provider_dispute_id=dispute_id, order=order,
                    opened_at=_moment(dispute.get("created")) or moment,
                    last_event_id=event_id, last_event_created=created, **values,
                )  # fmt: skip
        except IntegrityError:
            # Another event of this dispute made it meanwhile: update it.
            record = PaymentDispute.objects.select_for_update().get(
                provider_dispute_id=dispute_id
            )
        else:
            record.seller_orders.set(order.seller_orders.all())
            _audit(order, record, event_type)
            return record, True
    if _rank(created, status) < _rank(record.last_event_created, record.status):
        return record, False  # an older event arriving late
    for name, value in values.items():
        setattr(record, name, value)
    record.last_event_id, record.last_event_created = event_id, created
    if event_type == "charge.dispute.funds_withdrawn" and not record.funds_withdrawn_at:
        record.funds_withdrawn_at = moment
    if (
        event_type == "charge.dispute.funds_reinstated"
        and not record.funds_reinstated_at
    ):
        record.funds_reinstated_at = moment
    if status in CLOSED_DISPUTE_STATUSES and record.closed_at is None:
        record.closed_at = moment
    record.save()
    _audit(order, record, event_type)
    return record, True


def _audit(order: Order, record: PaymentDispute, event_type: str) -> None:
    """One audit row per seller order of the dispute (or on the order)."""
    reason = _what_happened(event_type, record)
    seller_orders = list(record.seller_orders.all())
    rows = [
        OrderStatusChange(
            order=order,
            seller_order=seller_order,
            from_status=seller_order.status,
            to_status=seller_order.status,
            reason=reason,
        )
        for seller_order in seller_orders
    ]
    if not rows:
        rows = [
            OrderStatusChange(
                order=order,
                from_status=order.status,
                to_status=order.status,
                reason=reason,
            )
        ]
    OrderStatusChange.objects.bulk_create(rows)
