"""The shopper's order pages: who may see an order, what they show, query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order
from orders.services.checkout import CheckoutLine, checkout_start
from tests.support.order_builders import PARIS, listing_in, paid_order, seller
from tests.support.refurbisher_builders import user_make
from tests.support.shopping import add, checkout_to_review, pay, shopper


@pytest.fixture
def listings(db):
    lyon = seller("Lyon Refurb", owner_email="owner@lyon.example")
    berlin = seller("Berlin Refurb", "DE", owner_email="owner@berlin.example")
    return [
        listing_in("FR", lyon, price="400.00", battery_min_pct=90, warranty_months=18),
        listing_in("FR", berlin, price="250.50", grade="B"),
    ]


@pytest.mark.django_db
class TestAccess:
    def test_the_owner_sees_the_detail_and_others_get_a_404(self, listings):
        owner = user_make(email="ana@example.com")
        order = paid_order(*listings, user=owner)
        url = f"/orders/{order.reference}/"
        assert shopper(user=owner).get(url).status_code == 200
        assert shopper(user=user_make()).get(url).status_code == 404
        assert shopper().get(url).status_code == 404
        assert shopper().get(url + "confirmation/").status_code == 404

    def test_an_unknown_reference_is_a_404(self, db):
        assert shopper().get("/orders/RM-NOPE/").status_code == 404

    def test_the_guest_who_paid_sees_the_confirmation_and_detail(self, listings):
        client = shopper()
        add(client, listings[0])
        checkout_to_review(client)
        pay(client)
        order = Order.objects.get()
        url = f"/checkout/test-payment/{order.payment_session_id}/"
        client.post(url, {"outcome": "paid"})
        assert client.get(f"/orders/{order.reference}/confirmation/").status_code == (
            200
        )
        assert client.get(f"/orders/{order.reference}/").status_code == 200
        assert shopper().get(f"/orders/{order.reference}/").status_code == 404

    def test_the_email_link_lets_a_guest_in_on_another_device(self, listings):
        order = paid_order(*listings)
        client = shopper()
        response = client.get(f"/orders/access/{order.access_token}/")
        assert response.status_code == 302
        assert response["Location"] == f"/orders/{order.reference}/"
        assert client.get(response["Location"]).status_code == 200

    def test_a_wrong_token_opens_nothing(self, listings):
        order = paid_order(*listings)
        assert shopper().get("/orders/access/not-the-token/").status_code == 404
        url = f"/orders/{order.reference}/?token=not-the-token"
        assert shopper().get(url).status_code == 404

    def test_the_token_in_the_url_opens_the_confirmation(self, listings):
        order = paid_order(*listings)
        client = shopper()
        url = f"/orders/{order.reference}/confirmation/?token={order.access_token}"
        assert client.get(url).status_code == 200
        assert client.get(f"/orders/{order.reference}/").status_code == 200

    def test_the_token_of_one_order_does_not_open_another(self, listings):
        mine = paid_order(listings[0])
        other = paid_order(listings[1], email="someone@example.com")
        url = f"/orders/{other.reference}/?token={mine.access_token}"
        assert shopper().get(url).status_code == 404

    def test_the_account_menu_leads_to_the_orders(self, db):
        page = shopper(user=user_make()).get("/").content.decode()
        assert '<a href="/orders/">Your orders</a>' in page

    def test_the_list_needs_an_account_and_shows_only_theirs(self, listings):
        owner = user_make()
        mine = paid_order(listings[0], user=owner)
        other = paid_order(listings[1], user=user_make())
        response = shopper().get("/orders/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/sign-in/")
        page = shopper(user=owner).get("/orders/").content.decode()
        assert mine.reference in page
        assert other.reference not in page


@pytest.mark.django_db
class TestContent:
    def test_detail_shows_each_seller_order_its_items_and_contact(self, listings):
        owner = user_make()
        order = paid_order(*listings, user=owner)
        page = shopper(user=owner).get(f"/orders/{order.reference}/").content.decode()
        assert page.count('class="order-status order-status-paid"') == 3
        assert "Sold by Lyon Refurb" in page and "Sold by Berlin Refurb" in page
        assert "battery 90%+" in page
        assert "18-month warranty" in page
        assert "Excellent" in page and "Good" in page
        assert "owner@lyon.example" in page and "owner@berlin.example" in page
        assert "650,50\u00a0€" in page

    def test_confirmation_thanks_and_offers_the_private_link(self, listings):
        order = paid_order(*listings)
        client = shopper()
        client.get(f"/orders/access/{order.access_token}/")
        page = client.get(f"/orders/{order.reference}/confirmation/").content.decode()
        assert "your order is confirmed" in page
        assert f"/orders/access/{order.access_token}/" in page
        assert "2 refurbishers" in page

    def test_an_unpaid_order_says_it_is_waiting(self, listings):
        order = checkout_start(
            lines=[CheckoutLine(listings[0].offers.get().pk, 1)],
            email="camille@example.com",
            address=PARIS,
            market="FR",
        )
        client = shopper()
        client.get(f"/orders/access/{order.access_token}/")
        page = client.get(f"/orders/{order.reference}/confirmation/").content.decode()
        assert "Confirming your payment" in page
        assert 'http-equiv="refresh"' in page


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.django_db
class TestQueryCounts:
    def test_the_order_list_costs_the_same_for_one_or_many_orders(self, listings):
        owner = user_make()
        client = shopper(user=owner)
        paid_order(listings[0], user=owner)
        one = _queries(client, "/orders/")
        more = [
            listing_in("FR", seller(f"Seller {n}"), price="100.00") for n in range(3)
        ]
        paid_order(*more, user=owner)
        paid_order(*listings, user=owner)
        assert _queries(client, "/orders/") == one

    def test_the_detail_costs_the_same_for_one_or_many_sellers(self, listings):
        owner = user_make()
        client = shopper(user=owner)
        small = paid_order(listings[0], user=owner)
        one = _queries(client, f"/orders/{small.reference}/")
        more = [
            listing_in("FR", seller(f"Seller {n}", owner_email=f"o{n}@x.example"))
            for n in range(4)
        ]
        big = paid_order(*more, *listings, user=owner)
        assert _queries(client, f"/orders/{big.reference}/") == one
        # Order, seller orders, lines, owners, warranties; refunds, returns, claims;
        # session and user.
        assert one <= 11


def test_the_order_page_shows_what_was_refunded(listings):
    from orders.services.payment import order_refund_recorded

    order = paid_order(*listings)
    client = shopper()
    client.get(f"/orders/access/{order.access_token}/")
    assert "Refunded" not in client.get(f"/orders/{order.reference}/").content.decode()
    order_refund_recorded(order_id=order.pk, refunded_minor=25050, currency="EUR")
    page = client.get(f"/orders/{order.reference}/").content.decode()
    assert "Refunded" in page and "250,50" in page


@pytest.mark.django_db
def test_the_timeline_dates_each_step_reached_and_only_those(listings):
    from django.utils import timezone

    from orders.models import SellerOrder
    from orders.services.fulfilment import seller_order_accept

    owner = user_make()
    order = paid_order(listings[0], user=owner)
    seller_order = order.seller_orders.get()
    seller_order_accept(seller_order=seller_order, actor=None)
    SellerOrder.objects.filter(pk=seller_order.pk).update(
        paid_at=timezone.make_aware(timezone.datetime(2026, 3, 2, 10, 0)),
        accepted_at=timezone.make_aware(timezone.datetime(2026, 3, 3, 9, 0)),
    )
    page = shopper(user=owner).get(f"/orders/{order.reference}/").content.decode()
    timeline = page[page.index('class="order-timeline"') :]
    timeline = timeline[: timeline.index("</ol>")]
    assert "2 Mar" in timeline and "3 Mar" in timeline
    # Shipped and delivered are not reached: no date beside them.
    assert timeline.count("<time") == 2
