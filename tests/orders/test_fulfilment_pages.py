"""Fulfilment pages: the seller's order page and actions, the shopper's parcel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import (
    Carrier,
    SellerOrder,
    SellerOrderStatus,
    ShippedUnit,
    Warranty,
)
from orders.services.fulfilment import (
    seller_order_accept,
    seller_order_deliver,
    seller_order_ship,
)
from refurbishers.models import MemberRole, Membership
from tests.support.order_builders import (
    IMEI,
    fr_listing,
    paid_order,
    paid_seller_order,
    serials_for,
)
from tests.support.refurbisher_builders import trial_refurbisher_make, user_make
from tests.support.shopping import shopper

pytestmark = pytest.mark.django_db
Status = SellerOrderStatus


@pytest.fixture
def shop_with_paid_order():
    """(owner, refurbisher, a paid seller order of 2 units of one listing)."""
    owner, refurbisher = trial_refurbisher_make(daily_sales_cap=50)
    return owner, refurbisher, paid_seller_order(refurbisher=refurbisher, quantity=2)


def _url(seller_order, action: str = "") -> str:
    base = f"/seller/orders/{seller_order.order.reference}/"
    return f"{base}{action}/" if action else base


class TestSellerOrderPage:
    def test_the_page_shows_items_ship_to_ship_by_and_the_accept_button(
        self, client, shop_with_paid_order
    ):
        owner, _, seller_order = shop_with_paid_order
        client.force_login(owner)
        page = client.get(_url(seller_order)).content.decode()
        assert seller_order.order.reference in page
        assert "Camille Martin" in page and "8 rue Oberkampf" in page
        assert "Ship by" in page and "Europe/Paris time" in page
        assert "Accept order" in page
        assert "Late" not in page
        reference = seller_order.order.reference
        assert f'href="/seller/messages/{reference}/"' in page

    def test_the_orders_list_links_to_it_and_shows_a_late_badge(
        self, client, shop_with_paid_order
    ):
        owner, _, seller_order = shop_with_paid_order
        SellerOrder.objects.filter(pk=seller_order.pk).update(late_shipment=True)
        client.force_login(owner)
        page = client.get("/seller/orders/").content.decode()
        assert f'href="{_url(seller_order)}"' in page
        assert ">Late</span>" in page
        assert "Late" in client.get(_url(seller_order)).content.decode()

    def test_another_sellers_order_is_a_404_and_cannot_be_moved(
        self, client, shop_with_paid_order
    ):
        _, _, seller_order = shop_with_paid_order
        stranger, _ = trial_refurbisher_make()
        client.force_login(stranger)
        assert client.get(_url(seller_order)).status_code == 404
        assert client.post(_url(seller_order, "accept")).status_code == 404
        seller_order.refresh_from_db()
        assert seller_order.status == Status.PAID

    def test_an_unpaid_order_or_unknown_reference_is_a_404(
        self, client, shop_with_paid_order
    ):
        owner, refurbisher, _ = shop_with_paid_order
        from tests.support.order_builders import start

        unpaid = start((fr_listing(refurbisher), 1))
        client.force_login(owner)
        assert client.get(f"/seller/orders/{unpaid.reference}/").status_code == 404
        assert client.get("/seller/orders/RM-NOPE/").status_code == 404

    def test_signed_out_people_go_to_sign_in(self, client, shop_with_paid_order):
        _, _, seller_order = shop_with_paid_order
        response = client.post(_url(seller_order, "accept"))
        assert response["Location"].startswith("/accounts/sign-in/")

    def test_staff_accept_ship_and_report_delivered_through_the_page(
        self, client, shop_with_paid_order
    ):
        _, refurbisher, seller_order = shop_with_paid_order
        staff = user_make(email="staff@lyon.example")
        Membership.objects.create(
            user=staff, refurbisher=refurbisher, role=MemberRole.STAFF
        )
        client.force_login(staff)
        response = client.post(_url(seller_order, "accept"))
        assert response.status_code == 302
        page = client.get(_url(seller_order)).content.decode()
        line = seller_order.lines.get()
        assert f'name="serial_{line.pk}_0"' in page
        assert f'name="serial_{line.pk}_1"' in page
        response = client.post(
            _url(seller_order, "ship"),
            {
                "carrier": Carrier.UPS,
                "tracking_number": "1Z999AA10123456784",
                f"serial_{line.pk}_0": IMEI,
                f"serial_{line.pk}_1": "C02XK1ABJG5H",
            },
        )
        assert response.status_code == 302
        page = client.get(_url(seller_order)).content.decode()
        assert "https://www.ups.com/track?tracknum=1Z999AA10123456784" in page
        assert IMEI in page and "Report delivered" in page
        response = client.post(_url(seller_order, "deliver"), follow=True)
        assert "the shopper is asked to confirm" in response.content.decode()
        seller_order.refresh_from_db()
        # The seller's word is recorded, and starts no clock.
        assert seller_order.status == Status.SHIPPED
        assert seller_order.seller_reported_delivered_at is not None
        assert seller_order.delivered_at is None and not Warranty.objects.exists()
        assert (
            "waiting for the shopper" in client.get(_url(seller_order)).content.decode()
        )
        changes = seller_order.status_changes.filter(actor=staff).count()
        assert changes == 3

    def test_a_refused_shipment_keeps_what_was_typed_and_marks_the_field(
        self, client, shop_with_paid_order
    ):
        owner, _, seller_order = shop_with_paid_order
        seller_order_accept(seller_order=seller_order, actor=owner)
        line = seller_order.lines.get()
        client.force_login(owner)
        response = client.post(
            _url(seller_order, "ship"),
            {
                "carrier": Carrier.DHL,
                "tracking_number": "12345",
                f"serial_{line.pk}_0": IMEI,
                f"serial_{line.pk}_1": "SERIAL00042",
            },
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "not a DHL tracking number" in page
        assert 'value="12345"' in page and 'value="SERIAL00042"' in page
        assert 'id="id_tracking_number-error"' in page
        assert '<option value="dhl" selected>' in page
        seller_order.refresh_from_db()
        assert seller_order.status == Status.ACCEPTED
        assert not ShippedUnit.objects.exists()

    def test_a_move_out_of_turn_is_a_409_with_the_reason(
        self, client, shop_with_paid_order
    ):
        owner, _, seller_order = shop_with_paid_order
        client.force_login(owner)
        response = client.post(_url(seller_order, "deliver"))
        assert response.status_code == 409
        assert "Only a shipped order can be reported delivered" in (
            response.content.decode()
        )

    def test_the_page_costs_the_same_queries_for_one_or_many_units(
        self, client, django_assert_max_num_queries
    ):
        owner, refurbisher = trial_refurbisher_make(daily_sales_cap=50)
        client.force_login(owner)

        def shipped(quantity: int) -> SellerOrder:
            seller_order = paid_seller_order(refurbisher=refurbisher, quantity=quantity)
            seller_order_accept(seller_order=seller_order, actor=owner)
            serials = [f"SERIAL{quantity}{n:04d}" for n in range(quantity)]
            seller_order_ship(
                seller_order=seller_order, actor=owner, carrier=Carrier.DHL,
                tracking_number="1234567890",
                serials=serials_for(seller_order, *serials),
            )  # fmt: skip
            seller_order_deliver(seller_order=seller_order, actor=None, by="shopper")
            return seller_order

        small, big = shipped(1), shipped(5)
        with CaptureQueriesContext(connection) as one:
            assert client.get(_url(small)).status_code == 200
        with CaptureQueriesContext(connection) as five:
            assert client.get(_url(big)).status_code == 200
        assert len(five) == len(one)
        assert len(one) <= 12


def _shipped(quantity: int = 1, **kwargs) -> SellerOrder:
    seller_order = paid_seller_order(quantity=quantity, **kwargs)
    seller_order_accept(seller_order=seller_order, actor=None)
    seller_order_ship(
        seller_order=seller_order, actor=None, carrier=Carrier.COLISSIMO,
        tracking_number="CB123456789FR", serials=serials_for(seller_order, IMEI),
    )  # fmt: skip
    return seller_order


class TestShopperOrderPage:
    def test_the_parcel_shows_carrier_tracking_link_and_confirm_delivery(self):
        seller_order = _shipped()
        order = seller_order.order
        client = shopper()
        client.get(f"/orders/access/{order.access_token}/")
        page = client.get(f"/orders/{order.reference}/").content.decode()
        assert "Colissimo" in page
        assert "https://www.laposte.fr/outils/suivre-vos-envois?code=CB123456789FR" in (
            page
        )
        assert "Confirm delivery" in page

        url = f"/orders/{order.reference}/sellers/{seller_order.pk}/confirm-delivery/"
        response = client.post(url)
        assert response.status_code == 302
        seller_order.refresh_from_db()
        assert seller_order.status == Status.DELIVERED
        change = seller_order.status_changes.first()
        assert change.reason == "Delivery confirmed by the shopper"

        page = client.get(f"/orders/{order.reference}/").content.decode()
        assert "Confirm delivery" not in page
        warranty = seller_order.lines.get().warranties.get()
        assert f"/warranty/{warranty.certificate_token}/" in page
        assert f"{warranty.ends_at:%Y}" in page and "12 months" in page
        assert "liquid damage" in page and "accidental damage" in page.lower()

    def test_only_the_orders_shopper_may_confirm(self):
        seller_order = _shipped()
        order = seller_order.order
        url = f"/orders/{order.reference}/sellers/{seller_order.pk}/confirm-delivery/"
        assert shopper().post(url).status_code == 404
        assert shopper(user=user_make()).post(url).status_code == 404
        seller_order.refresh_from_db()
        assert seller_order.status == Status.SHIPPED

    def test_a_signed_in_owner_confirms_their_own_order(self):
        buyer = user_make(email="ana@example.com")
        listing = fr_listing()
        order = paid_order(listing, user=buyer)
        seller_order = order.seller_orders.get()
        seller_order_accept(seller_order=seller_order, actor=None)
        seller_order_ship(
            seller_order=seller_order, actor=None, carrier=Carrier.DHL,
            tracking_number="1234567890", serials=serials_for(seller_order, IMEI),
        )  # fmt: skip
        other = paid_order(fr_listing(), user=user_make())
        client = shopper(user=buyer)
        wrong = f"/orders/{order.reference}/sellers/{other.seller_orders.get().pk}/"
        assert client.post(wrong + "confirm-delivery/").status_code == 404
        url = f"/orders/{order.reference}/sellers/{seller_order.pk}/confirm-delivery/"
        assert client.post(url).status_code == 302
        assert seller_order.status_changes.first().actor == buyer

    def test_confirming_before_shipping_says_why(self):
        seller_order = paid_seller_order()
        order = seller_order.order
        client = shopper()
        client.get(f"/orders/access/{order.access_token}/")
        url = f"/orders/{order.reference}/sellers/{seller_order.pk}/confirm-delivery/"
        response = client.post(url, follow=True)
        assert "cannot be delivered" in response.content.decode()
        seller_order.refresh_from_db()
        assert seller_order.status == Status.PAID

    def test_the_detail_costs_the_same_with_warranties(self):
        seller_order = _shipped()
        seller_order_deliver(seller_order=seller_order, actor=None, by="auto")
        order = seller_order.order
        client = shopper()
        client.get(f"/orders/access/{order.access_token}/")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/orders/{order.reference}/").status_code == 200
        assert len(captured) <= 9


def test_shipped_at_shows_on_the_sellers_list(client):
    owner, refurbisher = trial_refurbisher_make(daily_sales_cap=50)
    seller_order = _shipped(refurbisher=refurbisher)
    SellerOrder.objects.filter(pk=seller_order.pk).update(
        shipped_at=timezone.now() - dt.timedelta(days=1)
    )
    client.force_login(owner)
    assert "Shipped " in client.get("/seller/orders/").content.decode()
