"""Payments QA must see: a payment not matching its order (refunded, queued) and
disputes of a payment (recorded against its seller orders), through the real
webhook with deliveries signed as Stripe signs them, and the fake Stripe."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client

from orders.models import (
    DisputeStatus,
    OrderStatus,
    OrderStatusChange,
    PaymentDispute,
    PaymentMismatch,
    Refund,
    RefundReason,
    RefundStatus,
    SellerOrderStatus,
)
from orders.services.checkout_session import checkout_pay
from tests.support.fake_stripe import deliver
from tests.support.order_builders import SITE, fr_listing, start
from tests.support.qa_permissions import (
    ORDERS_QA_PERMISSIONS,
    PAYMENT_ISSUES_QA_PERMISSIONS,
)
from tests.support.refurbisher_builders import qa_user_make, trial_refurbisher_make
from tests.support.second_factor import staff_sign_in

REFUNDS = "/v1/refunds"


def _qa(client):
    qa = qa_user_make()
    qa.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="orders",
            codename__in=ORDERS_QA_PERMISSIONS + PAYMENT_ISSUES_QA_PERMISSIONS,
        )
    )
    staff_sign_in(client, qa)
    return qa


def _queue_count(page: str, label: str) -> int:
    start_at = page.index(label)
    row = page[start_at : page.index("</tr>", start_at)]
    return int(row.rsplit("<td>", 1)[1].split("</td>")[0])


def _paying(fake, *listings):
    order = start(*[(listing, 1) for listing in listings])
    checkout_pay(order, SITE)
    order.refresh_from_db()
    return order


# --- A payment that does not match its order ------------------------------------


@pytest.mark.django_db
class TestMismatch:
    def test_a_payment_of_another_amount_is_refunded_whole_and_queued_for_qa(
        self, client, fake_stripe, django_capture_on_commit_callbacks
    ):
        listing = fr_listing(price="250.00", stock=1)
        order = _paying(fake_stripe, listing)
        events = fake_stripe.session_complete(order.payment_session_id, amount=10000)

        with django_capture_on_commit_callbacks(execute=True):
            for event in events + events:  # each delivered twice
                assert deliver(client, fake_stripe, event).status_code == 200

        order.refresh_from_db()
        assert order.status == OrderStatus.PAYMENT_FAILED
        assert order.seller_orders.get().status == SellerOrderStatus.VOID
        listing.refresh_from_db()
        assert listing.stock == 1  # the reservation was given back
        mismatch = PaymentMismatch.objects.get()
        intent = fake_stripe.sessions[order.payment_session_id]["payment_intent"]
        assert (mismatch.payment_intent_id, mismatch.paid_amount_minor) == (
            intent, 10000,
        )  # fmt: skip
        assert (mismatch.expected_amount, mismatch.expected_currency) == (
            Decimal("250.00"), "EUR",
        )  # fmt: skip
        refund = Refund.objects.get()
        assert mismatch.refund == refund
        assert (refund.reason, refund.amount, refund.currency) == (
            RefundReason.PAYMENT_MISMATCH, Decimal("100.00"), "EUR",
        )  # fmt: skip
        assert refund.status == RefundStatus.SUCCEEDED
        [sent] = fake_stripe.requests_to("POST", REFUNDS)
        assert sent.params["payment_intent"] == intent
        assert sent.params["amount"] == "10000"
        assert next(iter(fake_stripe.charges.values()))["refunded"] is True
        # Stripe's charge.refunded for that payment is not the order's refund.
        refunded = [e for e in fake_stripe.events if e["type"] == "charge.refunded"]
        response = deliver(client, fake_stripe, refunded[-1])
        assert response.json()["result"] == "refund of another payment"
        order.refresh_from_db()
        assert order.refunded_amount == 0

    def test_a_payment_in_another_currency_is_refunded_in_that_currency(
        self, client, fake_stripe, django_capture_on_commit_callbacks
    ):
        order = _paying(fake_stripe, fr_listing(price="250.00"))
        events = fake_stripe.session_complete(order.payment_session_id, currency="usd")
        with django_capture_on_commit_callbacks(execute=True):
            for event in events:
                deliver(client, fake_stripe, event)
        refund = Refund.objects.get()
        assert (refund.amount, refund.currency) == (Decimal("250.00"), "USD")
        assert refund.status == RefundStatus.SUCCEEDED
        order.refresh_from_db()
        assert order.status == OrderStatus.PAYMENT_FAILED

    def test_qa_sees_it_in_a_queue_and_marks_it_reviewed(
        self, client, fake_stripe, django_capture_on_commit_callbacks
    ):
        order = _paying(fake_stripe, fr_listing(price="250.00"))
        events = fake_stripe.session_complete(order.payment_session_id, amount=100)
        with django_capture_on_commit_callbacks(execute=True):
            for event in events:
                deliver(client, fake_stripe, event)
        mismatch = PaymentMismatch.objects.get()
        qa = _qa(client)
        label = "Payments not matching their order (refunded), to review"
        assert _queue_count(client.get("/admin/").content.decode(), label) == 1
        listing = client.get("/admin/orders/paymentmismatch/?reviewed=no")
        assert order.reference in listing.content.decode()

        changelist = "/admin/orders/paymentmismatch/"
        form = {"action": "mark_reviewed", "_selected_action": [mismatch.pk]}
        assert client.post(changelist, form).status_code == 200  # the form page
        client.post(
            changelist, {**form, "apply": "1", "note": "A test charge by hand."}
        )

        mismatch.refresh_from_db()
        assert mismatch.reviewed_by == qa and mismatch.reviewed_at
        assert mismatch.review_note == "A test charge by hand."
        assert _queue_count(client.get("/admin/").content.decode(), label) == 0
        assert OrderStatusChange.objects.filter(
            order=order, actor=qa, reason__contains="A test charge by hand."
        ).exists()


@pytest.mark.django_db(transaction=True)
def test_both_events_of_a_mismatched_payment_at_once_refund_it_once(fake_stripe):
    order = _paying(fake_stripe, fr_listing(price="250.00"))
    events = fake_stripe.session_complete(order.payment_session_id, amount=9900)
    barrier = threading.Barrier(len(events))
    statuses: list[int] = []

    def webhook(event) -> None:
        try:
            barrier.wait(timeout=20)
            statuses.append(deliver(Client(), fake_stripe, event).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=webhook, args=(e,)) for e in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert statuses == [200, 200]
    assert PaymentMismatch.objects.count() == 1
    refund = Refund.objects.get()
    assert refund.status == RefundStatus.SUCCEEDED
    assert len(fake_stripe.refunds) == 1


# --- Disputes --------------------------------------------------------------------


def _paid_on_stripe(client, fake, *listings):
    order = _paying(fake, *listings)
    for event in fake.session_complete(order.payment_session_id):
        deliver(client, fake, event)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order


@pytest.mark.django_db
class TestDisputes:
    def test_a_dispute_is_recorded_once_against_each_seller_order_and_kept_up_to_date(
        self, client, fake_stripe
    ):
        first, second = fr_listing(price="250.00"), fr_listing(price="120.00")
        order = _paid_on_stripe(client, fake_stripe, first, second)
        [created] = fake_stripe.dispute_create(
            order.payment_intent_id, reason="fraudulent"
        )

        assert deliver(client, fake_stripe, created).json()["result"] == (
            "dispute recorded"
        )
        assert deliver(client, fake_stripe, created).json()["duplicate"] is True

        dispute = PaymentDispute.objects.get()
        assert dispute.order == order
        assert set(dispute.seller_orders.all()) == set(order.seller_orders.all())
        assert (dispute.status, dispute.reason) == ("needs_response", "fraudulent")
        assert (dispute.amount, dispute.currency) == (Decimal("370.00"), "EUR")
        assert dispute.evidence_due_by > dispute.opened_at
        for seller_order in order.seller_orders.all():
            assert (
                seller_order.status_changes.filter(
                    reason__startswith="The shopper's bank disputes the payment"
                ).count()
                == 1
            )

        dispute_id = dispute.provider_dispute_id
        [review] = fake_stripe.dispute_change(
            dispute_id, "charge.dispute.updated", status="under_review"
        )
        [withdrawn] = fake_stripe.dispute_change(
            dispute_id, "charge.dispute.funds_withdrawn"
        )
        [closed] = fake_stripe.dispute_change(
            dispute_id, "charge.dispute.closed", status="lost"
        )
        for event in (review, withdrawn, closed):
            deliver(client, fake_stripe, event)

        dispute.refresh_from_db()
        assert dispute.status == DisputeStatus.LOST
        assert dispute.funds_withdrawn_at and dispute.closed_at
        assert PaymentDispute.objects.count() == 1

        # An older update arriving after the close changes nothing.
        late = {**review, "id": "evt_test_late", "created": review["created"] - 60}
        late["data"]["object"]["status"] = "under_review"
        assert deliver(client, fake_stripe, late).json()["result"] == (
            "dispute unchanged"
        )
        dispute.refresh_from_db()
        assert dispute.status == DisputeStatus.LOST

    def test_the_seller_sees_it_on_its_order_page_and_qa_in_a_queue(
        self, client, fake_stripe
    ):
        owner, refurbisher = trial_refurbisher_make(daily_sales_cap=50)
        order = _paid_on_stripe(
            client, fake_stripe, fr_listing(refurbisher, price="250.00")
        )
        [created] = fake_stripe.dispute_create(order.payment_intent_id)
        deliver(client, fake_stripe, created)

        client.force_login(owner)
        page = client.get(f"/seller/orders/{order.reference}/").content.decode()
        assert "Payment disputed by the shopper's bank" in page
        assert "Chargeback: answer needed" in page and "Item not received" in page
        assert "250,00" in page  # the payment was for this seller's items alone

        _qa(client)
        label = "Payment disputes open"
        assert _queue_count(client.get("/admin/").content.decode(), label) == 1
        found = client.get("/admin/orders/paymentdispute/?open=yes").content.decode()
        assert PaymentDispute.objects.get().provider_dispute_id in found
        [closed] = fake_stripe.dispute_change(
            PaymentDispute.objects.get().provider_dispute_id,
            "charge.dispute.closed",
            status="won",
        )
        deliver(client, fake_stripe, closed)
        assert _queue_count(client.get("/admin/").content.decode(), label) == 0

    def test_a_seller_sharing_the_payment_does_not_see_the_amount(
        self, client, fake_stripe
    ):
        owner, refurbisher = trial_refurbisher_make(daily_sales_cap=50)
        order = _paid_on_stripe(
            client, fake_stripe,
            fr_listing(refurbisher, price="250.00"), fr_listing(price="120.00"),
        )  # fmt: skip
        [created] = fake_stripe.dispute_create(order.payment_intent_id)
        deliver(client, fake_stripe, created)
        client.force_login(owner)
        page = client.get(f"/seller/orders/{order.reference}/").content.decode()
        assert "Payment disputed" in page
        assert "370,00" not in page

    def test_a_dispute_of_a_payment_we_do_not_know_changes_nothing(
        self, client, fake_stripe
    ):
        order = _paid_on_stripe(client, fake_stripe, fr_listing(price="250.00"))
        [created] = fake_stripe.dispute_create(order.payment_intent_id)
        created["data"]["object"]["payment_intent"] = "pi_of_another_shop"
        assert deliver(client, fake_stripe, created).json()["result"] == (
            "no such order"
        )
        assert not PaymentDispute.objects.exists()
