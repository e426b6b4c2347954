"""QA's after-sale queues on the admin index: escalated claims, stuck refunds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from orders.models import Refund, RefundReason, RefundStatus, Warranty
from orders.services.claims import claim_answer, claim_escalate, claim_file
from orders.services.refunds import refund_issue, refund_send
from tests.support.order_builders import seller_order_delivered, seller_order_paid
from tests.support.qa_permissions import ORDERS_QA_PERMISSIONS
from tests.support.refurbisher_builders import qa_user_make, trial_refurbisher_make
from tests.support.second_factor import staff_sign_in

pytestmark = pytest.mark.django_db


def _qa_with_orders(client):
    qa = qa_user_make()
    qa.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="orders", codename__in=ORDERS_QA_PERMISSIONS
        )
    )
    staff_sign_in(client, qa)
    return qa


def _row(page: str, label: str) -> str:
    start = page.rindex("<tr>", 0, page.index(label))
    return page[start : page.index("</tr>", start)]


def test_the_index_counts_escalated_claims_and_refunds_not_through(client, settings):
    settings.REFUND_MAX_ATTEMPTS = 1
    owner, refurbisher = trial_refurbisher_make(daily_sales_cap=50)
    seller_order = seller_order_delivered(seller_order_paid(refurbisher=refurbisher))
    claim = claim_file(
        warranty=Warranty.objects.get(line__seller_order=seller_order),
        problem="battery", description="The battery dies within an hour of use.",
        photos=[], actor=None,
    )  # fmt: skip
    claim_answer(
        claim=claim, actor=owner, remedy="decline", message="That is normal wear."
    )
    claim_escalate(claim=claim, actor=None, reason="A new battery lasts a day.")
    # A refund the provider refused on its one attempt, and one still pending.
    failing = refund_issue(
        order=seller_order.order, seller_order=seller_order, amount=Decimal("10"),
        reason=RefundReason.GOODWILL,
    )  # fmt: skip
    failing.order.payment_intent_id = "pi_unknown"
    failing.order.save(update_fields=["payment_intent_id"])
    assert refund_send(refund_id=failing.pk).status == RefundStatus.FAILED
    stuck = refund_issue(
        order=seller_order.order, seller_order=seller_order, amount=Decimal("5"),
        reason=RefundReason.GOODWILL,
    )  # fmt: skip
    Refund.objects.filter(pk=stuck.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=1)
    )
    _qa_with_orders(client)

    page = client.get("/admin/").content.decode()

    assert "<td>1</td>" in _row(page, "Warranty claims for ReMarket to decide")
    assert "?status=escalated" in _row(page, "Warranty claims for ReMarket to decide")
    assert "<td>1</td>" in _row(page, "Refunds still being retried")
    assert "<td>1</td>" in _row(page, "Refunds that failed")


def test_staff_without_the_orders_permissions_see_no_after_sale_queue(client):
    staff_sign_in(client, qa_user_make())
    page = client.get("/admin/").content.decode()
    assert "Refunds that failed" not in page
    assert "Warranty claims for ReMarket" not in page
