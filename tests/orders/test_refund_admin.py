"""QA's refunds in the admin: the read-only list, "Send again", goodwill refunds."""

from __future__ import annotations

import html
import importlib
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import OrderStatusChange, Refund, RefundReason, RefundStatus
from orders.services.cancellation import seller_order_cancel_by_shopper
from orders.services.refunds import refund_issue
from tests.support.order_builders import (
    fr_listing,
    order_paid_offline,
    seller_order_paid,
)
from tests.support.refurbisher_builders import user_make
from tests.support.second_factor import staff_sign_in

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/orders/refund/"
SELLER_ORDERS = "/admin/orders/sellerorder/"


def _qa_group() -> Group:
    """The QA group as the migrations make it (a flushed database lost it)."""
    for module in (
        "refurbishers.migrations.0003_qa_group",
        "orders.migrations.0008_qa_group_orders",
    ):
        migration = importlib.import_module(module)
        grant = getattr(migration, "qa_group_create", None) or migration.qa_group_grant
        grant(django_apps, None)
    return Group.objects.get(name="QA")


@pytest.fixture
def qa(client):
    """A client signed in as a staff member of the QA group (not a superuser)."""
    group = _qa_group()
    user = user_make(email="qa@remarket.example", is_staff=True)
    user.groups.add(group)
    staff_sign_in(client, user)
    client.user = user
    return client


def _goodwill(seller_order, amount: str, note: str = "Sorry") -> Refund:
    return refund_issue(
        order=seller_order.order, seller_order=seller_order,
        amount=Decimal(amount), reason=RefundReason.GOODWILL, note=note,
    )  # fmt: skip


class TestRefundList:
    def test_qa_finds_refunds_by_reference_email_or_provider_id(
        self, qa, django_capture_on_commit_callbacks
    ):
        seller_order = seller_order_paid(price="200.00")
        other = seller_order_paid(price="150.00")
        with django_capture_on_commit_callbacks(execute=True):
            sent = _goodwill(seller_order, "20.00")
        pending = _goodwill(other, "10.00")
        sent.refresh_from_db()
        order = seller_order.order

        page = qa.get(CHANGELIST).content.decode()
        assert f"Refund {sent.pk}" in page and f"Refund {pending.pk}" in page
        for query in (order.reference, sent.provider_refund_id):
            page = qa.get(CHANGELIST, {"q": query}).content.decode()
            assert f"Refund {sent.pk}" in page
            assert f"Refund {pending.pk}" not in page
        by_email = qa.get(CHANGELIST, {"q": order.email}).content.decode()
        assert f"Refund {sent.pk}" in by_email  # both orders share the email

    @pytest.mark.parametrize(
        ("params", "shown"),
        [
            ({"status__exact": "pending"}, "pending"),
            ({"status__exact": "succeeded"}, "sent"),
            ({"reason__exact": "shopper_cancelled"}, "cancelled"),
        ],
    )
    def test_filters_by_status_and_reason(
        self, qa, params, shown, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            sent = _goodwill(seller_order_paid(), "20.00")
        pending = _goodwill(seller_order_paid(), "10.00")
        cancelled_order = seller_order_paid()
        seller_order_cancel_by_shopper(seller_order=cancelled_order, actor=None)
        cancelled = Refund.objects.get(seller_order=cancelled_order)
        refunds = {"sent": sent, "pending": pending, "cancelled": cancelled}
        page = qa.get(CHANGELIST, params).content.decode()
        expected = refunds[shown]
        assert f"Refund {expected.pk}<" in page
        if shown == "sent":
            assert f"Refund {pending.pk}<" not in page
        else:
            assert f"Refund {sent.pk}<" not in page

    def test_the_date_filter_finds_todays_refunds(self, qa):
        refund = _goodwill(seller_order_paid(), "5.00")
        page = qa.get(CHANGELIST).content.decode()
        today = re.search(r'<a href="(\?created_at__gte=[^"]+)"[^>]*>Today</a>', page)
        assert today is not None
        filtered = qa.get(CHANGELIST + html.unescape(today.group(1)))
        assert f"Refund {refund.pk}<" in filtered.content.decode()
        Refund.objects.filter(pk=refund.pk).update(
            created_at=timezone.now() - timedelta(days=3)
        )
        filtered = qa.get(CHANGELIST + html.unescape(today.group(1)))
        assert f"Refund {refund.pk}<" not in filtered.content.decode()

    def test_the_list_costs_the_same_queries_for_2_or_10_refunds(self, qa):
        for _ in range(2):
            _goodwill(seller_order_paid(), "5.00")
        with CaptureQueriesContext(connection) as few:
            assert qa.get(CHANGELIST).status_code == 200
        for _ in range(8):
            _goodwill(seller_order_paid(), "5.00")
        with CaptureQueriesContext(connection) as many:
            assert qa.get(CHANGELIST).status_code == 200
        assert len(many) == len(few)

    def test_a_refund_is_read_only(self, qa):
        refund = _goodwill(seller_order_paid(), "5.00")
        page = qa.get(f"{CHANGELIST}{refund.pk}/change/")
        assert page.status_code == 200
        text = page.content.decode()
        assert refund.idempotency_key in text
        assert 'name="_save"' not in text
        assert qa.get(f"{CHANGELIST}add/").status_code == 403
        assert qa.post(f"{CHANGELIST}{refund.pk}/delete/").status_code == 403

    def test_people_who_are_not_staff_are_sent_to_sign_in(self, client):
        client.force_login(user_make())
        assert client.get(CHANGELIST).status_code == 302


class TestSendAgain:
    def test_a_pending_refund_is_sent_and_qa_is_on_the_audit_row(self, qa):
        refund = _goodwill(seller_order_paid(price="200.00"), "30.00")  # unsent
        response = qa.post(
            CHANGELIST,
            {"action": "send_again", "_selected_action": [refund.pk]},
            follow=True,
        )
        assert f"Refund {refund.pk}: refunded." in response.content.decode()
        refund.refresh_from_db()
        assert refund.status == RefundStatus.SUCCEEDED
        row = OrderStatusChange.objects.get(
            order=refund.order, reason__startswith=f"Refund {refund.pk} sent again"
        )
        assert row.actor == qa.user and row.reason.endswith("refunded")

    def test_a_provider_still_refusing_is_reported_and_noted(self, qa):
        refund = _goodwill(seller_order_paid(price="200.00"), "30.00")  # unsent
        order = refund.order
        # The offline gateway cannot find the payment (as if Stripe were down).
        cache.delete(f"orders:offline-payment:intent:{order.payment_intent_id}")
        response = qa.post(
            CHANGELIST,
            {"action": "send_again", "_selected_action": [refund.pk]},
            follow=True,
        )
        assert f"Refund {refund.pk}: not sent" in response.content.decode()
        refund.refresh_from_db()
        assert (refund.status, refund.attempts) == (RefundStatus.PENDING, 1)
        row = OrderStatusChange.objects.get(
            order=order, reason__startswith=f"Refund {refund.pk} sent again"
        )
        assert "being refunded: Offline gateway: no paid payment" in row.reason

    def test_a_refund_already_made_is_not_sent_again(
        self, qa, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            refund = _goodwill(seller_order_paid(price="200.00"), "30.00")
        refund.refresh_from_db()
        response = qa.post(
            CHANGELIST,
            {"action": "send_again", "_selected_action": [refund.pk]},
            follow=True,
        )
        assert "only a refund still being sent" in response.content.decode()
        attempts = refund.attempts
        refund.refresh_from_db()
        assert refund.attempts == attempts
        assert not OrderStatusChange.objects.filter(reason__contains="sent again")

    def test_staff_without_the_permission_are_not_offered_it(self, client):
        refund = _goodwill(seller_order_paid(), "30.00")
        reader = user_make(is_staff=True)
        reader.user_permissions.add(Permission.objects.get(codename="view_refund"))
        staff_sign_in(client, reader)
        assert 'value="send_again"' not in client.get(CHANGELIST).content.decode()
        client.post(
            CHANGELIST, {"action": "send_again", "_selected_action": [refund.pk]}
        )
        refund.refresh_from_db()
        assert refund.status == RefundStatus.PENDING


class TestGoodwill:
    def test_qa_refunds_part_of_a_seller_order_from_the_list(
        self, qa, mailoutbox, django_capture_on_commit_callbacks
    ):
        seller_order = seller_order_paid(price="300.00", shipping="9.90")
        form = qa.post(
            SELLER_ORDERS,
            {"action": "refund_goodwill", "_selected_action": [seller_order.pk]},
        )
        assert form.status_code == 200
        page = form.content.decode()
        assert "Refund part of this order (goodwill)" in page
        assert "Left to refund: 309.90 EUR" in page
        assert 'name="amount"' in page and 'name="note"' in page

        with django_capture_on_commit_callbacks(execute=True):
            response = qa.post(
                SELLER_ORDERS,
                {
                    "action": "refund_goodwill",
                    "_selected_action": [seller_order.pk],
                    "apply": "Refund",
                    "amount": "25.00",
                    "note": "The parcel was a week late",
                },
            )
        assert response.status_code == 302
        refund = Refund.objects.get(seller_order=seller_order)
        assert refund.reason == RefundReason.GOODWILL
        assert refund.amount == Decimal("25.00")
        assert refund.note == "The parcel was a week late"
        assert refund.requested_by == qa.user
        assert refund.status == RefundStatus.SUCCEEDED
        audit = OrderStatusChange.objects.get(
            seller_order=seller_order, reason__startswith="Refund of"
        )
        assert audit.actor == qa.user
        assert "Goodwill gesture from ReMarket (The parcel was a week late)" in (
            audit.reason
        )
        [email] = [m for m in mailoutbox if "refund" in m.subject]
        assert "25,00" in email.body and "a week late" in email.body

    def test_more_than_is_left_is_a_form_error_that_keeps_the_input(self, qa):
        seller_order = seller_order_paid(price="100.00")
        _goodwill(seller_order, "90.00")
        response = qa.post(
            SELLER_ORDERS,
            {
                "action": "refund_goodwill",
                "_selected_action": [seller_order.pk],
                "apply": "Refund",
                "amount": "20.00",
                "note": "Scratch on the case",
            },
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "Only 10.00 EUR is left to refund on this part of the order." in page
        assert 'value="20.00"' in page and "Scratch on the case" in page
        assert Refund.objects.filter(seller_order=seller_order).count() == 1

    @pytest.mark.parametrize(
        ("amount", "note"), [("0", "x"), ("-1", "x"), ("abc", "x"), ("5", "")]
    )
    def test_a_bad_amount_or_no_note_is_refused(self, qa, amount, note):
        seller_order = seller_order_paid()
        response = qa.post(
            SELLER_ORDERS,
            {
                "action": "refund_goodwill",
                "_selected_action": [seller_order.pk],
                "apply": "Refund",
                "amount": amount,
                "note": note,
            },
        )
        assert response.status_code == 400
        assert "errornote" in response.content.decode()
        assert not Refund.objects.exists()

    def test_one_seller_order_at_a_time(self, qa):
        mine, other = fr_listing(), fr_listing()
        order = order_paid_offline((mine, 1), (other, 1))
        ids = list(order.seller_orders.values_list("pk", flat=True))
        response = qa.post(
            SELLER_ORDERS,
            {"action": "refund_goodwill", "_selected_action": ids},
            follow=True,
        )
        assert "Choose one seller order" in response.content.decode()
        assert not Refund.objects.exists()

    def test_from_the_seller_orders_page_and_back_to_it(
        self, qa, django_capture_on_commit_callbacks
    ):
        seller_order = seller_order_paid(price="200.00")
        change = f"{SELLER_ORDERS}{seller_order.pk}/change/"
        page = qa.get(change).content.decode()
        assert 'value="refund_goodwill"' in page
        with django_capture_on_commit_callbacks(execute=True):
            response = qa.post(
                SELLER_ORDERS,
                {
                    "action": "refund_goodwill",
                    "_selected_action": [seller_order.pk],
                    "_back_to_object": "1",
                    "apply": "Refund",
                    "amount": "15.00",
                    "note": "Missing charger",
                },
            )
        assert response.status_code == 302 and response["Location"] == change
        assert Refund.objects.get().amount == Decimal("15.00")

    def test_staff_without_the_permission_cannot_refund(self, client):
        seller_order = seller_order_paid()
        reader = user_make(is_staff=True)
        reader.user_permissions.add(Permission.objects.get(codename="view_sellerorder"))
        staff_sign_in(client, reader)
        change = f"{SELLER_ORDERS}{seller_order.pk}/change/"
        assert 'value="refund_goodwill"' not in client.get(change).content.decode()
        client.post(
            SELLER_ORDERS,
            {
                "action": "refund_goodwill",
                "_selected_action": [seller_order.pk],
                "apply": "Refund",
                "amount": "15.00",
                "note": "Missing charger",
            },
        )
        assert not Refund.objects.exists()
