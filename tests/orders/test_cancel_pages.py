"""Cancel pages: the shopper's confirm-then-cancel, the seller's cancel section,
the refunds both see, and who may do what (strangers and other sellers: 404)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import (
    OrderStatusChange,
    Refund,
    RefundReason,
    RefundStatus,
    SellerOrderStatus,
)
from orders.payment_gateway import payment_gateway
from orders.services.cancellation import seller_order_cancel_by_seller
from orders.services.checkout_session import checkout_pay
from orders.services.fulfilment import seller_order_accept, seller_order_ship
from orders.services.payment import orders_expire_due
from orders.services.payment_events import payment_event_receive
from refurbishers.models import MemberRole, Membership
from tests.support.order_builders import (
    SITE,
    fr_listing,
    order_paid_offline,
    seller_order_paid,
    seller_order_shipped,
    serials,
    start,
)
from tests.support.refurbisher_builders import trial_refurbisher_make, user_make
from tests.support.shopping import shopper as shopper_client

pytestmark = pytest.mark.django_db
Status = SellerOrderStatus


@pytest.fixture
def buyer():
    return user_make(email="camille@example.com")


def _order_url(seller_order) -> str:
    return f"/orders/{seller_order.order.reference}/"


def _cancel_url(seller_order) -> str:
    return f"{_order_url(seller_order)}sellers/{seller_order.pk}/cancel/"


def _seller_url(seller_order, action: str = "") -> str:
    base = f"/seller/orders/{seller_order.order.reference}/"
    return f"{base}{action}/" if action else base


class TestShopperCancels:
    def test_the_order_page_offers_to_cancel_items_not_shipped_yet(self, shop, buyer):
        _, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher, user=buyer)
        page = shopper_client(user=buyer).get(_order_url(seller_order))
        assert f'href="{_cancel_url(seller_order)}"' in page.content.decode()
        assert "Cancel these items" in page.content.decode()

    def test_shipped_items_offer_no_cancel_and_the_page_sends_back(self, shop, buyer):
        owner, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher, user=buyer)
        seller_order_shipped(seller_order, owner)
        client = shopper_client(user=buyer)
        assert (
            _cancel_url(seller_order)
            not in client.get(_order_url(seller_order)).content.decode()
        )
        response = client.get(_cancel_url(seller_order), follow=True)
        assert response.redirect_chain == [(_order_url(seller_order), 302)]
        assert "can no longer be cancelled" in response.content.decode()

    def test_confirm_then_cancel_shows_cancelled_and_the_refund(
        self, shop, buyer, django_capture_on_commit_callbacks
    ):
        _, refurbisher = shop
        seller_order = seller_order_paid(
            refurbisher=refurbisher, user=buyer, price="300.00", shipping="9.90"
        )
        client = shopper_client(user=buyer)
        confirm = client.get(_cancel_url(seller_order)).content.decode()
        assert "We refund you" in confirm and "309,90" in confirm
        assert seller_order.lines.get().title in confirm
        assert 'name="reason"' in confirm

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                _cancel_url(seller_order), {"reason": "Ordered the wrong colour"}
            )
        assert response.status_code == 302
        assert response["Location"] == _order_url(seller_order)

        page = client.get(_order_url(seller_order)).content.decode()
        assert "Cancelled: " in page  # the flash message
        assert "at your request" in page and "Ordered the wrong colour" in page
        assert "Cancel these items" not in page
        refund = Refund.objects.get(seller_order=seller_order)
        assert refund.status == RefundStatus.SUCCEEDED
        assert "order-refund-succeeded" in page
        assert "Cancelled by the shopper" in page  # why
        assert "309,90" in page  # how much
        assert refund.succeeded_at.strftime("%-d %B %Y") in page  # when
        change = OrderStatusChange.objects.get(
            seller_order=seller_order, to_status=Status.CANCELLED
        )
        assert change.actor == buyer

    def test_a_guest_with_the_email_link_can_cancel(self, shop):
        _, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher)  # no account
        guest = shopper_client()
        assert guest.get(_cancel_url(seller_order)).status_code == 404
        guest.get(f"/orders/access/{seller_order.order.access_token}/")
        assert guest.get(_cancel_url(seller_order)).status_code == 200
        assert guest.post(_cancel_url(seller_order)).status_code == 302
        seller_order.refresh_from_db()
        assert seller_order.status == Status.CANCELLED
        page = guest.get(_order_url(seller_order)).content.decode()
        assert "Being refunded" in page or "Refunded" in page

    def test_strangers_get_a_404_and_nothing_changes(self, shop, buyer):
        _, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher, user=buyer)
        for client in (shopper_client(user=user_make()), shopper_client()):
            assert client.get(_cancel_url(seller_order)).status_code == 404
            assert client.post(_cancel_url(seller_order)).status_code == 404
        seller_order.refresh_from_db()
        assert seller_order.status == Status.PAID
        assert not Refund.objects.exists()

    def test_a_seller_order_of_another_order_is_a_404(self, shop, buyer):
        _, refurbisher = shop
        mine = seller_order_paid(refurbisher=refurbisher, user=buyer)
        other = seller_order_paid(refurbisher=refurbisher)
        url = f"{_order_url(mine)}sellers/{other.pk}/cancel/"
        client = shopper_client(user=buyer)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
        other.refresh_from_db()
        assert other.status == Status.PAID

    def test_an_unpaid_seller_order_is_a_404(self, shop):
        _, refurbisher = shop
        order = start((fr_listing(refurbisher), 1))
        client = shopper_client()
        client.get(f"/orders/access/{order.access_token}/")
        url = (
            f"/orders/{order.reference}/sellers/{order.seller_orders.get().pk}/cancel/"
        )
        assert client.post(url).status_code == 404

    def test_cancelling_after_the_seller_shipped_is_a_409_with_the_reason(
        self, shop, buyer
    ):
        owner, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher, user=buyer)
        client = shopper_client(user=buyer)
        assert client.get(_cancel_url(seller_order)).status_code == 200
        seller_order_shipped(seller_order, owner)  # meanwhile
        response = client.post(_cancel_url(seller_order), {"reason": "Too slow"})
        assert response.status_code == 409
        page = response.content.decode()
        assert "shipped already" in page and "return them" in page
        assert 'name="reason"' not in page  # no form to try again
        assert not Refund.objects.exists()

    def test_a_reason_too_long_is_a_400_and_keeps_what_was_typed(self, shop, buyer):
        _, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher, user=buyer)
        typed = "Too long " * 60
        response = shopper_client(user=buyer).post(
            _cancel_url(seller_order), {"reason": typed}
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "under 500 characters" in page
        assert typed.strip() in page and 'aria-invalid="true"' in page
        seller_order.refresh_from_db()
        assert seller_order.status == Status.PAID

    def test_the_seller_cancelling_shows_its_reason_to_the_shopper(self, shop, buyer):
        owner, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher, user=buyer)
        seller_order_cancel_by_seller(
            seller_order=seller_order, actor=owner, reason_code="defect_found",
            note="The battery failed our test",
        )  # fmt: skip
        page = shopper_client(user=buyer).get(_order_url(seller_order))
        text = page.content.decode()
        assert f"by {refurbisher.name}" in text
        assert "I found a fault before shipping: The battery failed our test" in text
        assert "Cancelled by the seller" in text

    def test_a_late_payment_refund_shows_on_the_order(
        self, django_capture_on_commit_callbacks
    ):
        listing = fr_listing(stock=1, price="100.00")
        order = start((listing, 1))
        checkout_pay(order, SITE)
        order.refresh_from_db()
        orders_expire_due(at=timezone.now() + timedelta(hours=1))
        order_paid_offline((listing, 1), email="someone-else@example.com")
        with django_capture_on_commit_callbacks(execute=True):
            for event in payment_gateway().events_for(order.payment_session_id, "paid"):
                payment_event_receive(event)
        client = shopper_client()
        client.get(f"/orders/access/{order.access_token}/")
        page = client.get(f"/orders/{order.reference}/").content.decode()
        assert "Refunds on this order" in page
        assert str(RefundReason.PAID_TOO_LATE.label) in page
        assert "100,00" in page


class TestSellerCancels:
    def test_the_section_shows_while_paid_or_accepted_with_the_reasons(self, shop):
        owner, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher)
        client = shopper_client(user=owner)
        for accept in (True, False):
            page = client.get(_seller_url(seller_order)).content.decode()
            assert "Cancel this order" in page
            assert f'action="{_seller_url(seller_order, "cancel")}"' in page
            assert "My stock count was wrong" in page
            assert "The shopper asked me to cancel" in page
            if accept:
                seller_order_accept(seller_order=seller_order, actor=owner)
        seller_order_ship(
            seller_order=seller_order, actor=owner, carrier="colissimo",
            tracking_number="6A12345678901", serials=serials(seller_order),
        )  # fmt: skip
        page = client.get(_seller_url(seller_order)).content.decode()
        assert "Cancel this order" not in page

    def test_a_stock_error_cancels_refunds_and_counts_against_the_seller(
        self, shop, django_capture_on_commit_callbacks
    ):
        owner, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher, price="250.00")
        client = shopper_client(user=owner)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                _seller_url(seller_order, "cancel"),
                {"reason_code": "stock_error", "note": ""},
            )
        assert response.status_code == 302
        seller_order.refresh_from_db()
        assert seller_order.status == Status.CANCELLED
        assert seller_order.cancelled_by_seller is True
        page = client.get(_seller_url(seller_order)).content.decode()
        assert "Order cancelled" in page
        assert "You cancelled this order: My stock count was wrong." in page
        assert "counts in your cancellation rate" in page
        assert 'id="refunds-title"' in page and "Cancelled by the seller" in page
        assert "250,00" in page and "refund-status-succeeded" in page
        assert 'name="reason_code"' not in page  # nothing left to cancel

    def test_another_reason_needs_a_note_and_keeps_the_choice(self, shop):
        owner, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher)
        response = shopper_client(user=owner).post(
            _seller_url(seller_order, "cancel"), {"reason_code": "other", "note": " "}
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "say in a few words why" in page
        assert 'id="id_note-error"' in page
        assert 'value="other" id="id_reason_code_4" checked' in page
        seller_order.refresh_from_db()
        assert seller_order.status == Status.PAID

    def test_no_reason_chosen_is_a_400_beside_the_choices(self, shop):
        owner, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher)
        response = shopper_client(user=owner).post(
            _seller_url(seller_order, "cancel"), {"note": "Sorry"}
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert 'id="id_reason_code-error"' in page
        assert ">Sorry</textarea>" in page

    def test_a_shipped_order_is_a_409_with_the_reason(self, shop):
        owner, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher)
        seller_order_shipped(seller_order, owner)
        response = shopper_client(user=owner).post(
            _seller_url(seller_order, "cancel"), {"reason_code": "stock_error"}
        )
        assert response.status_code == 409
        assert "can no longer be cancelled" in response.content.decode()
        assert not Refund.objects.exists()

    def test_another_seller_gets_a_404_and_nothing_changes(self, shop):
        _, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher)
        stranger, _ = trial_refurbisher_make()
        client = shopper_client(user=stranger)
        response = client.post(
            _seller_url(seller_order, "cancel"), {"reason_code": "shopper_asked"}
        )
        assert response.status_code == 404
        seller_order.refresh_from_db()
        assert seller_order.status == Status.PAID

    def test_the_shopper_of_the_order_is_not_a_seller(self, shop, buyer):
        _, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher, user=buyer)
        response = shopper_client(user=buyer).post(
            _seller_url(seller_order, "cancel"), {"reason_code": "shopper_asked"}
        )
        assert response.status_code == 200  # the "become a seller" page
        seller_order.refresh_from_db()
        assert seller_order.status == Status.PAID

    def test_signed_out_people_go_to_sign_in(self, shop):
        _, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher)
        response = shopper_client().post(
            _seller_url(seller_order, "cancel"), {"reason_code": "shopper_asked"}
        )
        assert response["Location"].startswith("/accounts/sign-in/")

    def test_a_staff_member_may_cancel_and_is_the_actor(self, shop):
        _, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher)
        staff = user_make(email="staff@renov.example")
        Membership.objects.create(
            user=staff, refurbisher=refurbisher, role=MemberRole.STAFF
        )
        response = shopper_client(user=staff).post(
            _seller_url(seller_order, "cancel"),
            {"reason_code": "cannot_ship", "note": "No courier serves this island"},
        )
        assert response.status_code == 302
        change = OrderStatusChange.objects.get(
            seller_order=seller_order, to_status=Status.CANCELLED
        )
        assert change.actor == staff
        assert change.reason == (
            "Cancelled by the seller: I cannot ship to this address: "
            "No courier serves this island"
        )

    def test_a_shopper_cancellation_tells_the_seller_not_to_ship(self, shop, buyer):
        owner, refurbisher = shop
        seller_order = seller_order_paid(refurbisher=refurbisher, user=buyer)
        shopper_client(user=buyer).post(
            _cancel_url(seller_order), {"reason": "Found it cheaper"}
        )
        page = shopper_client(user=owner).get(_seller_url(seller_order))
        text = page.content.decode()
        assert "The shopper cancelled this order: “Found it cheaper”" in text
        assert "Do not ship it" in text
        assert "Mark shipped" not in text and "Accept order" not in text
        assert Refund.objects.get(seller_order=seller_order).amount == Decimal(
            seller_order.total_amount
        )
