"""Who may say a parcel arrived, and which clocks start when.

A seller's own report starts nothing: the warranty, the return window and the
payout clock start only when the shopper confirms, the carrier says so, or
AUTO_DELIVERY_DAYS after shipping.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from orders.exceptions import FulfilmentRefused
from orders.models import (
    DeliveredBy,
    OrderStatusChange,
    Payout,
    ReturnReason,
    SellerOrder,
    SellerOrderStatus,
    Warranty,
)
from orders.services.delivery import (
    seller_order_carrier_delivered,
    seller_order_delivery_report,
)
from orders.services.fulfilment import seller_order_deliver, seller_orders_deliver_due
from orders.services.payouts import payouts_run
from orders.services.returns import ReturnRefused, return_request
from tests.support.api import seller_key_make
from tests.support.order_builders import seller_order_paid, seller_order_shipped

pytestmark = pytest.mark.django_db
Status = SellerOrderStatus
DAY = dt.timedelta(days=1)


@pytest.fixture
def shipped(shop):
    owner, refurbisher = shop
    seller_order = seller_order_shipped(
        seller_order_paid(refurbisher=refurbisher, price="400.00"), owner
    )
    seller_order.refresh_from_db()
    return seller_order


def test_the_sellers_report_is_recorded_and_starts_no_clock(shop, shipped):
    owner, _ = shop

    seller_order_delivery_report(seller_order=shipped, actor=owner)

    shipped.refresh_from_db()
    assert shipped.status == Status.SHIPPED
    assert shipped.seller_reported_delivered_at is not None
    assert shipped.delivered_at is None and shipped.payable_at is None
    assert not Warranty.objects.exists()
    with pytest.raises(ReturnRefused, match="once it has been delivered"):
        return_request(
            line=shipped.lines.get(), reason=ReturnReason.CHANGED_MIND,
            details="", actor=None,
        )  # fmt: skip
    payouts_run(at=timezone.now() + dt.timedelta(days=365))
    assert not Payout.objects.exists()
    change = OrderStatusChange.objects.filter(seller_order=shipped).latest("pk")
    assert (change.from_status, change.to_status, change.actor) == (
        Status.SHIPPED, Status.SHIPPED, owner,
    )  # fmt: skip
    assert "reports the parcel delivered" in change.reason


def test_reporting_twice_keeps_the_first_report(shop, shipped):
    owner, _ = shop
    first = seller_order_delivery_report(seller_order=shipped, actor=owner)
    again = seller_order_delivery_report(seller_order=shipped, actor=owner)
    assert again.seller_reported_delivered_at == first.seller_reported_delivered_at
    reports = OrderStatusChange.objects.filter(
        seller_order=shipped, reason__contains="reports the parcel delivered"
    )
    assert reports.count() == 1


def test_only_a_shipped_order_can_be_reported_delivered(shop):
    owner, refurbisher = shop
    paid = seller_order_paid(refurbisher=refurbisher)
    with pytest.raises(FulfilmentRefused, match="Only a shipped order"):
        seller_order_delivery_report(seller_order=paid, actor=owner)
    paid.refresh_from_db()
    assert paid.seller_reported_delivered_at is None


def test_the_shoppers_confirmation_after_a_report_starts_the_clocks_then(shop, shipped):
    owner, _ = shop
    seller_order_delivery_report(seller_order=shipped, actor=owner)
    before = timezone.now()

    seller_order_deliver(seller_order=shipped, actor=None, by="shopper")

    shipped.refresh_from_db()
    assert shipped.delivered_by == DeliveredBy.SHOPPER
    assert shipped.delivered_at >= before
    assert Warranty.objects.get().starts_at == shipped.delivered_at
    assert shipped.payable_at == shipped.delivered_at + dt.timedelta(days=30)


def test_the_carriers_word_starts_the_clocks_at_the_carriers_moment(shipped):
    moment = timezone.now() - dt.timedelta(hours=30)
    type(shipped).objects.filter(pk=shipped.pk).update(
        shipped_at=moment - dt.timedelta(days=2)
    )

    assert seller_order_carrier_delivered(seller_order=shipped, delivered_at=moment)

    shipped.refresh_from_db()
    assert (shipped.status, shipped.delivered_by) == (
        Status.DELIVERED, DeliveredBy.CARRIER,
    )  # fmt: skip
    assert shipped.delivered_at == moment
    assert Warranty.objects.get().starts_at == moment
    assert shipped.payable_at == moment + dt.timedelta(days=30)
    # A carrier repeats its events: the second changes nothing.
    later = timezone.now()
    assert not seller_order_carrier_delivered(seller_order=shipped, delivered_at=later)
    shipped.refresh_from_db()
    assert shipped.delivered_at == moment and Warranty.objects.count() == 1


@pytest.mark.parametrize(
    ("moment", "message"),
    [
        (lambda so: timezone.now() + DAY, "in the future"),
        (lambda so: so.shipped_at - DAY, "before the parcel was shipped"),
        (lambda so: (so.shipped_at + DAY).replace(tzinfo=None), "no time zone"),
    ],
)
def test_a_carrier_moment_that_cannot_be_is_refused(shipped, moment, message):
    with pytest.raises(FulfilmentRefused, match=message):
        seller_order_carrier_delivered(
            seller_order=shipped, delivered_at=moment(shipped)
        )
    shipped.refresh_from_db()
    assert shipped.status == Status.SHIPPED and not Warranty.objects.exists()


def test_a_report_does_not_bring_the_automatic_delivery_forward(shop, shipped):
    owner, _ = shop
    seller_order_delivery_report(seller_order=shipped, actor=owner)
    due = shipped.shipped_at + dt.timedelta(days=settings.AUTO_DELIVERY_DAYS)

    assert seller_orders_deliver_due(at=due - DAY) == 0
    shipped.refresh_from_db()
    assert shipped.status == Status.SHIPPED

    assert seller_orders_deliver_due(at=due + dt.timedelta(minutes=1)) == 1
    shipped.refresh_from_db()
    assert shipped.delivered_by == DeliveredBy.AUTO


def test_the_shopper_sees_the_sellers_report_and_the_automatic_date(
    client, shop, shipped
):
    owner, _ = shop
    seller_order_delivery_report(seller_order=shipped, actor=owner)
    order = shipped.order
    client.get(f"/orders/access/{order.access_token}/")

    page = client.get(f"/orders/{order.reference}/").content.decode()

    assert "says this parcel was delivered on" in page
    assert "Confirm delivery" in page
    due = timezone.localtime(
        shipped.shipped_at + dt.timedelta(days=settings.AUTO_DELIVERY_DAYS)
    )
    assert f"counts as delivered on {due.day} {due:%B %Y}" in page


def test_the_api_shows_the_report_and_who_confirmed_the_delivery(shop, shipped):
    owner, refurbisher = shop
    key = seller_key_make(refurbisher)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key.key}")
    url = f"/api/v1/seller/orders/{shipped.order.reference}/"
    body = api.get(url).json()
    assert body["seller_reported_delivered_at"] is None
    assert body["delivered_by"] is None and body["delivery_due_at"]

    seller_order_delivery_report(seller_order=shipped, actor=owner)
    body = api.get(url).json()
    assert body["status"] == "shipped" and body["seller_reported_delivered_at"]
    assert "deliver" not in " ".join(body["actions"])

    seller_order_deliver(seller_order=shipped, actor=None, by="shopper")
    body = api.get(url).json()
    assert (body["status"], body["delivered_by"]) == ("delivered", "shopper")
    assert body["delivery_due_at"] is None
    assert (
        Decimal(body["total_amount"])
        == SellerOrder.objects.get(pk=shipped.pk).total_amount
    )
