"""A refurbisher sees its paid seller orders in its dashboard, and only its own."""

from __future__ import annotations

import pytest

from orders.services.payment import order_payment_succeeded
from tests.support.order_builders import fr_listing, start
from tests.support.refurbisher_builders import trial_refurbisher_make

pytestmark = pytest.mark.django_db


def paid_order(listing, amount_minor):
    order = start((listing, 1))
    order_payment_succeeded(
        order_id=order.pk, amount_minor=amount_minor, currency="EUR"
    )
    return order


def test_a_seller_sees_its_paid_orders_and_nothing_else(client):
    owner, refurbisher = trial_refurbisher_make()
    _, other = trial_refurbisher_make()
    mine = paid_order(fr_listing(refurbisher, price="300.00"), 30000)
    theirs = paid_order(fr_listing(other, price="200.00"), 20000)
    unpaid = start((fr_listing(refurbisher, price="150.00"), 1))

    client.force_login(owner)
    page = client.get("/seller/orders/").content.decode()
    assert mine.reference in page
    assert "Camille Martin" in page and "300,00" in page
    assert theirs.reference not in page
    assert unpaid.reference not in page
    assert (
        client.get("/seller/orders/?status=shipped")
        .content.decode()
        .count(mine.reference)
        == 0
    )


def test_the_orders_page_costs_the_same_queries_for_1_or_8_orders(
    client, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    owner, refurbisher = trial_refurbisher_make(daily_sales_cap=20)
    client.force_login(owner)
    paid_order(fr_listing(refurbisher, price="100.00"), 10000)
    with CaptureQueriesContext(connection) as one:
        client.get("/seller/orders/")
    for _ in range(7):
        paid_order(fr_listing(refurbisher, price="100.00"), 10000)
    with CaptureQueriesContext(connection) as eight:
        client.get("/seller/orders/")
    assert len(eight) == len(one)
