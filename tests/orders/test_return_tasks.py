"""Overdue returns are refunded by the periodic task in a real Celery worker."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import Refund, RefundReason, ReturnRequest, ReturnStatus
from orders.services.returns import (
    return_authorise,
    return_mark_sent_back,
    return_request,
)
from orders.tasks.returns import returns_refund_overdue
from tests.support.order_builders import seller_order_delivered, seller_order_paid


def sent_back(days_ago: float) -> ReturnRequest:
    seller_order = seller_order_delivered(seller_order_paid(shipping="4.90"))
    made = return_request(
        line=seller_order.lines.get(), reason="changed_mind", details="", actor=None
    )
    return_authorise(return_request=made, actor=None, instructions="To Lyon.")
    return_mark_sent_back(
        return_request=made, actor=None, carrier="DHL", tracking_number="1234567890"
    )
    ReturnRequest.objects.filter(pk=made.pk).update(
        sent_back_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    return made


@pytest.mark.django_db(transaction=True)
def test_the_task_refunds_an_overdue_return_once_however_often_it_runs(
    celery_worker,
):
    overdue = sent_back(days_ago=15)
    recent = sent_back(days_ago=2)

    assert returns_refund_overdue.delay().get(timeout=60) == 1
    assert returns_refund_overdue.delay().get(timeout=60) == 0

    overdue.refresh_from_db()
    recent.refresh_from_db()
    assert overdue.status == ReturnStatus.REFUNDED
    assert recent.status == ReturnStatus.SENT_BACK
    refund = Refund.objects.get()
    assert refund == overdue.refund
    assert refund.reason == RefundReason.RETURN
    assert refund.amount == Decimal("404.90")  # the only line, with its delivery
    assert refund.status == "succeeded"  # sent by the worker once it committed
    change = overdue.status_changes.order_by("pk").last()
    assert (change.from_status, change.to_status, change.actor) == (
        "sent_back",
        "refunded",
        None,
    )
