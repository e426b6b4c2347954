"""Return pages: the shopper asks and follows, the seller authorises and receives;
strangers and other sellers get a 404; the seller's list costs fixed queries."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import (
    Refund,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
    SellerOrder,
)
from orders.services.returns import (
    return_authorise,
    return_mark_sent_back,
    return_request,
)
from refurbishers.models import MemberRole, Membership
from tests.support.order_builders import seller_order_delivered, seller_order_paid
from tests.support.refurbisher_builders import trial_refurbisher_make, user_make
from tests.support.second_factor import staff_sign_in
from tests.support.shopping import shopper

pytestmark = pytest.mark.django_db
Status = ReturnStatus
RETURN_ADDRESS = "12 rue de la Soie, 69003 Lyon"  # the application's return address


@pytest.fixture
def shop_with_delivered_order():
    """(owner, refurbisher, a delivered seller order of one 400 € device)."""
    owner, refurbisher = trial_refurbisher_make(daily_sales_cap=50)
    seller_order = seller_order_delivered(seller_order_paid(refurbisher=refurbisher))
    return owner, refurbisher, seller_order


def guest(seller_order: SellerOrder):
    """The guest shopper's browser, after following the order email's link."""
    client = shopper()
    client.get(f"/orders/access/{seller_order.order.access_token}/")
    return client


def order_url(seller_order: SellerOrder) -> str:
    return f"/orders/{seller_order.order.reference}/"


def new_url(seller_order: SellerOrder) -> str:
    line = seller_order.lines.get()
    return f"{order_url(seller_order)}lines/{line.pk}/return/"


def return_url(made: ReturnRequest) -> str:
    return f"/orders/{made.seller_order.order.reference}/returns/{made.pk}/"


def ask(seller_order: SellerOrder, **fields) -> ReturnRequest:
    values = {"reason": ReturnReason.CHANGED_MIND, "details": ""}
    values.update(fields)
    return return_request(line=seller_order.lines.get(), actor=None, **values)


class TestShopperPages:
    def test_a_guest_asks_sends_back_and_sees_the_refund_through_the_pages(
        self, shop_with_delivered_order, django_capture_on_commit_callbacks
    ):
        owner, _, seller_order = shop_with_delivered_order
        client = guest(seller_order)
        page = client.get(order_url(seller_order)).content.decode()
        assert f'href="{new_url(seller_order)}"' in page
        assert "Return this item" in page

        form = client.get(new_url(seller_order)).content.decode()
        assert "Does not work properly" in form and "Changed my mind" in form
        response = client.post(
            new_url(seller_order),
            {"reason": ReturnReason.DEFECTIVE, "details": ""},
        )
        assert response.status_code == 400
        assert "what is wrong" in response.content.decode()
        assert 'value="defective" checked' in response.content.decode()
        assert not ReturnRequest.objects.exists()

        response = client.post(
            new_url(seller_order),
            {"reason": ReturnReason.DEFECTIVE, "details": "The speaker crackles."},
        )
        made = ReturnRequest.objects.get()
        assert response.status_code == 302
        assert response["Location"] == return_url(made)
        assert made.seller_at_fault and made.requested_by is None
        page = client.get(return_url(made)).content.decode()
        assert "Return requested" in page and "The speaker crackles." in page
        assert "Withdraw the return" in page
        assert "sent it back" not in page  # no instructions yet
        order_page = client.get(order_url(seller_order)).content.decode()
        assert f'href="{return_url(made)}"' in order_page
        assert "Return this item" not in order_page
        # Asking again leads to the open return.
        assert client.get(new_url(seller_order))["Location"] == return_url(made)

        return_authorise(
            return_request=made, actor=owner, instructions="Send it to Lyon."
        )
        page = client.get(return_url(made)).content.decode()
        assert "Send it to Lyon." in page and "sent it back" in page

        sent_back = f"{return_url(made)}sent-back/"
        response = client.post(
            sent_back, {"carrier": "Colissimo", "tracking_number": "12"}
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "Colissimo numbers are" in page
        assert 'value="Colissimo"' in page and 'value="12"' in page
        response = client.post(
            sent_back, {"carrier": "Colissimo", "tracking_number": "6A12345678901"}
        )
        assert response.status_code == 302
        page = client.get(return_url(made)).content.decode()
        assert "On its way back" in page
        assert "suivre-vos-envois?code=6A12345678901" in page
        assert "Withdraw the return" not in page

        seller = _seller_client(owner)
        with django_capture_on_commit_callbacks(execute=True):
            seller.post(f"/seller/returns/{made.pk}/received/")
        page = client.get(return_url(made)).content.decode()
        assert "Refunded" in page and "400,00" in page

    def test_the_shopper_withdraws_through_the_page(self, shop_with_delivered_order):
        _, _, seller_order = shop_with_delivered_order
        made = ask(seller_order)
        client = guest(seller_order)
        response = client.post(f"{return_url(made)}withdraw/")
        assert response.status_code == 302
        made.refresh_from_db()
        assert made.status == Status.WITHDRAWN
        page = client.get(order_url(seller_order)).content.decode()
        assert "Return this item" in page  # the line may be returned again
        # Withdrawing twice says why, without an error page.
        response = client.post(f"{return_url(made)}withdraw/")
        assert response.status_code == 409
        assert "withdrawn" in response.content.decode()

    def test_after_the_window_the_form_says_so_and_the_line_has_no_link(
        self, shop_with_delivered_order
    ):
        _, _, seller_order = shop_with_delivered_order
        SellerOrder.objects.filter(pk=seller_order.pk).update(
            delivered_at=timezone.now() - dt.timedelta(days=31)
        )
        client = guest(seller_order)
        assert (
            "Return this item"
            not in client.get(order_url(seller_order)).content.decode()
        )
        page = client.get(new_url(seller_order)).content.decode()
        assert "return window of this order closed" in page
        assert "Request the return" not in page
        response = client.post(
            new_url(seller_order), {"reason": ReturnReason.CHANGED_MIND}
        )
        assert response.status_code == 409
        assert not ReturnRequest.objects.exists()

    def test_the_email_link_with_the_token_opens_the_return(
        self, shop_with_delivered_order
    ):
        _, _, seller_order = shop_with_delivered_order
        made = ask(seller_order)
        token = seller_order.order.access_token
        client = shopper()
        assert client.get(return_url(made)).status_code == 404
        response = client.get(f"{return_url(made)}?token={token}")
        assert response.status_code == 200
        # The session now holds the order: the plain link works too.
        assert client.get(return_url(made)).status_code == 200

    def test_a_signed_in_owner_follows_their_return(self):
        buyer = user_make(email="ana@example.com")
        seller_order = seller_order_delivered(seller_order_paid(user=buyer))
        client = shopper(user=buyer)
        client.post(new_url(seller_order), {"reason": ReturnReason.CHANGED_MIND})
        made = ReturnRequest.objects.get()
        assert made.requested_by == buyer
        assert client.get(return_url(made)).status_code == 200

    def test_strangers_get_a_404_and_change_nothing(self, shop_with_delivered_order):
        _, _, seller_order = shop_with_delivered_order
        made = ask(seller_order)
        other = seller_order_delivered(seller_order_paid())
        for client in (shopper(), shopper(user=user_make())):
            assert client.get(new_url(seller_order)).status_code == 404
            assert (
                client.post(
                    new_url(seller_order), {"reason": "changed_mind"}
                ).status_code
                == 404
            )
            assert client.get(return_url(made)).status_code == 404
            assert client.post(f"{return_url(made)}withdraw/").status_code == 404
            assert (
                client.post(
                    f"{return_url(made)}sent-back/",
                    {"carrier": "DHL", "tracking_number": "1234567890"},
                ).status_code
                == 404
            )
        # The other order's shopper cannot reach this return through their order.
        client = guest(other)
        other_ref = other.order.reference
        assert client.get(f"/orders/{other_ref}/returns/{made.pk}/").status_code == 404
        line = seller_order.lines.get()
        assert (
            client.get(f"/orders/{other_ref}/lines/{line.pk}/return/").status_code
            == 404
        )
        made.refresh_from_db()
        assert made.status == Status.REQUESTED


def _seller_client(user):
    client = shopper()
    client.force_login(user)
    return client


class TestSellerPages:
    def test_the_seller_authorises_with_its_address_and_marks_received(
        self, shop_with_delivered_order, mailoutbox, django_capture_on_commit_callbacks
    ):
        owner, _, seller_order = shop_with_delivered_order
        made = ask(
            seller_order, reason=ReturnReason.NOT_AS_DESCRIBED, details="Blue, not red."
        )
        client = _seller_client(owner)
        page = client.get("/seller/returns/").content.decode()
        assert f'href="/seller/returns/{made.pk}/"' in page
        assert "Counts against you" in page
        assert 'aria-current="page">Returns' in page  # the tab
        assert 'Needs action<span class="return-count">1</span>' in page

        detail = client.get(f"/seller/returns/{made.pk}/").content.decode()
        serial = seller_order.lines.get().units.get().serial
        assert "Blue, not red." in detail and serial in detail
        assert RETURN_ADDRESS in detail  # instructions pre-filled
        assert seller_order.order.reference in detail

        url = f"/seller/returns/{made.pk}/authorise/"
        response = client.post(url, {"instructions": "  "})
        assert response.status_code == 400
        assert "where and how" in response.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"instructions": f"Send to {RETURN_ADDRESS}"})
        assert response.status_code == 302
        assert mailoutbox[-1].to == ["camille@example.com"]
        made.refresh_from_db()
        assert made.status == Status.AUTHORISED
        assert made.status_changes.get(to_status="authorised").actor == owner

        detail = client.get(f"/seller/returns/{made.pk}/").content.decode()
        assert "Mark received and refund 400,00" in detail
        assert "data-confirm=" in detail
        on_the_way = client.get("/seller/returns/?show=on_the_way").content.decode()
        assert f'href="/seller/returns/{made.pk}/"' in on_the_way

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/seller/returns/{made.pk}/received/")
        assert response.status_code == 302
        made.refresh_from_db()
        assert made.status == Status.REFUNDED
        assert made.refund.amount == Decimal("400.00")
        # A second click is refused with the reason and refunds nothing more.
        response = client.post(f"/seller/returns/{made.pk}/received/")
        assert response.status_code == 409
        assert "already refunded" in response.content.decode()
        assert Refund.objects.count() == 1

    def test_a_staff_member_may_act_and_the_order_page_links_the_return(
        self, shop_with_delivered_order
    ):
        _, refurbisher, seller_order = shop_with_delivered_order
        staff = user_make(email="staff@lyon.example")
        Membership.objects.create(
            user=staff, refurbisher=refurbisher, role=MemberRole.STAFF
        )
        made = ask(seller_order)
        client = _seller_client(staff)
        order_page = client.get(
            f"/seller/orders/{seller_order.order.reference}/"
        ).content.decode()
        assert f'href="/seller/returns/{made.pk}/"' in order_page
        response = client.post(
            f"/seller/returns/{made.pk}/authorise/", {"instructions": "To Lyon."}
        )
        assert response.status_code == 302

    def test_another_seller_gets_a_404_and_changes_nothing(
        self, shop_with_delivered_order
    ):
        _, _, seller_order = shop_with_delivered_order
        made = ask(seller_order)
        stranger, _ = trial_refurbisher_make()
        client = _seller_client(stranger)
        assert client.get(f"/seller/returns/{made.pk}/").status_code == 404
        response = client.post(
            f"/seller/returns/{made.pk}/authorise/", {"instructions": "x"}
        )
        assert response.status_code == 404
        assert client.post(f"/seller/returns/{made.pk}/received/").status_code == 404
        page = client.get("/seller/returns/?show=all").content.decode()
        assert f"/seller/returns/{made.pk}/" not in page
        made.refresh_from_db()
        assert made.status == Status.REQUESTED

    def test_a_shopper_who_is_not_a_seller_cannot_open_the_sellers_pages(
        self, shop_with_delivered_order
    ):
        _, _, seller_order = shop_with_delivered_order
        made = ask(seller_order)
        client = _seller_client(user_make())
        for response in (
            client.get(f"/seller/returns/{made.pk}/"),
            client.post(f"/seller/returns/{made.pk}/received/"),
        ):
            page = response.content.decode()
            assert "does not belong to a refurbisher" in page
            assert made.line.title not in page
        assert client.get("/seller/returns/").status_code == 200
        signed_out = shopper().get(f"/seller/returns/{made.pk}/")
        assert signed_out["Location"].startswith("/accounts/sign-in/")
        made.refresh_from_db()
        assert made.status == Status.REQUESTED

    def test_the_list_costs_the_same_queries_for_one_or_many_returns(self):
        owner, refurbisher = trial_refurbisher_make(daily_sales_cap=50)
        client = _seller_client(owner)

        def returned() -> ReturnRequest:
            seller_order = seller_order_delivered(
                seller_order_paid(refurbisher=refurbisher)
            )
            made = ask(seller_order)
            return_authorise(return_request=made, actor=owner, instructions="Lyon")
            return_mark_sent_back(
                return_request=made, actor=None, carrier="DHL",
                tracking_number="1234567890",
            )  # fmt: skip
            return made

        returned()
        with CaptureQueriesContext(connection) as one:
            assert client.get("/seller/returns/?show=all").status_code == 200
        for _ in range(4):
            returned()
        with CaptureQueriesContext(connection) as five:
            page = client.get("/seller/returns/?show=all").content.decode()
        assert len(set(re.findall(r'href="/seller/returns/(\d+)/"', page))) == 5
        assert len(five) == len(one), [q["sql"] for q in five.captured_queries]
        assert len(one) <= 7

    def test_filters_show_their_counts_and_the_queue_oldest_first(
        self, shop_with_delivered_order
    ):
        owner, refurbisher, seller_order = shop_with_delivered_order
        waiting = ask(seller_order)
        second = seller_order_delivered(seller_order_paid(refurbisher=refurbisher))
        coming = ask(second)
        return_authorise(return_request=coming, actor=owner, instructions="Lyon")
        client = _seller_client(owner)
        page = client.get("/seller/returns/").content.decode()
        assert f"/seller/returns/{waiting.pk}/" in page
        assert f"/seller/returns/{coming.pk}/" not in page
        assert 'On the way<span class="return-count">1</span>' in page
        assert 'All<span class="return-count">2</span>' in page
        page = client.get("/seller/returns/?show=on_the_way").content.decode()
        assert f"/seller/returns/{coming.pk}/" in page
        assert f"/seller/returns/{waiting.pk}/" not in page
        # Nothing waiting: a kind empty state.
        empty = _seller_client(trial_refurbisher_make()[0])
        assert "No return is waiting" in empty.get("/seller/returns/").content.decode()


class TestAdmin:
    def test_qa_finds_a_return_by_reference_and_reads_its_history(
        self, shop_with_delivered_order
    ):
        _, _, seller_order = shop_with_delivered_order
        made = ask(seller_order, reason=ReturnReason.DEFECTIVE, details="Dead pixel.")
        client = shopper()
        staff_sign_in(client, user_make(is_staff=True, is_superuser=True))
        reference = seller_order.order.reference
        listing = client.get(f"/admin/orders/returnrequest/?q={reference}")
        assert listing.status_code == 200
        assert f"/admin/orders/returnrequest/{made.pk}/change/" in (
            listing.content.decode()
        )
        filtered = client.get(
            "/admin/orders/returnrequest/?seller_at_fault__exact=1&status__exact=requested"
        )
        assert f"/admin/orders/returnrequest/{made.pk}/change/" in (
            filtered.content.decode()
        )
        page = client.get(f"/admin/orders/returnrequest/{made.pk}/change/")
        assert "Return requested: Does not work properly" in page.content.decode()
        assert client.get("/admin/orders/returnrequest/add/").status_code == 403
