"""The payout run in a real Celery worker: run twice, paid once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import Payout, PayoutLine, PayoutStatus, SellerOrder
from orders.tasks.payouts import payouts_run
from tests.support.order_builders import seller_order_delivered, seller_order_paid
from tests.support.refurbisher_builders import trial_refurbisher_make


@pytest.mark.django_db(transaction=True)
def test_the_payout_task_run_twice_in_the_worker_pays_once(celery_worker):
    _, refurbisher = trial_refurbisher_make(daily_sales_cap=50)
    seller_order = seller_order_delivered(seller_order_paid(refurbisher=refurbisher))
    # The return window closed a moment ago.
    SellerOrder.objects.filter(pk=seller_order.pk).update(payable_at=timezone.now())

    assert payouts_run.delay().get(timeout=60) == 1
    assert payouts_run.delay().get(timeout=60) == 0

    payout = Payout.objects.get()
    assert payout.refurbisher == refurbisher
    assert payout.amount == Decimal("360.00")  # 400.00 less 40.00 commission
    assert payout.status == PayoutStatus.PAID
    assert payout.provider == "offline"
    assert payout.transfer_id.startswith("tr_offline_")
    assert PayoutLine.objects.get().seller_order == seller_order


@pytest.mark.django_db(transaction=True)
def test_the_payout_task_leaves_an_open_window_alone(celery_worker):
    _, refurbisher = trial_refurbisher_make(daily_sales_cap=50)
    seller_order_delivered(seller_order_paid(refurbisher=refurbisher))

    assert payouts_run.delay().get(timeout=60) == 0

    assert Payout.objects.count() == 0
