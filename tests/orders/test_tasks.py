"""Unpaid checkouts expire in a real Celery worker and give their units back."""

from __future__ import annotations

import pytest
from django.utils import timezone

from orders.models import Order, OrderStatus
from orders.tasks import orders_expire
from tests.support.order_builders import fr_listing, start


@pytest.mark.django_db(transaction=True)
def test_the_expiry_task_releases_an_unpaid_order_past_its_hold(celery_worker):
    listing = fr_listing(stock=1)
    order = start((listing, 1))
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now())

    assert orders_expire.delay().get(timeout=30) == 1

    order.refresh_from_db()
    listing.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    assert listing.stock == 1
