"""Orders in the admin: staff read them with filters; nobody edits them there."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.order_builders import fr_listing, paid_order
from tests.support.refurbisher_builders import user_make
from tests.support.second_factor import staff_sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    staff_sign_in(client, user_make(is_staff=True, is_superuser=True))
    return client


def test_staff_find_an_order_and_see_its_seller_orders_and_history(admin_client):
    order = paid_order(fr_listing(price="300.00"), fr_listing(price="120.00"))
    listing = admin_client.get(f"/admin/orders/order/?q={order.reference}")
    assert order.reference in listing.content.decode()
    page = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "Payment received" in page
    assert order.access_token not in page
    assert admin_client.get("/admin/orders/order/add/").status_code == 403


def test_the_seller_order_list_costs_the_same_queries_for_2_or_10_rows(admin_client):
    paid_order(fr_listing(), fr_listing())
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get("/admin/orders/sellerorder/").status_code == 200
    for _ in range(4):
        paid_order(fr_listing(), fr_listing())
    with CaptureQueriesContext(connection) as many:
        admin_client.get("/admin/orders/sellerorder/?status__exact=paid")
    assert len(many) <= len(few) + 1


def test_people_who_are_not_staff_are_sent_to_sign_in(client):
    client.force_login(user_make())
    response = client.get("/admin/orders/order/")
    assert response.status_code == 302
