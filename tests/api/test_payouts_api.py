"""Seller API, payouts: the list and one payout with its lines, from real runs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import Payout, PayoutLineKind, RefundReason, RefundStatus
from orders.services.payouts import payouts_run
from orders.services.refunds import refund_issue
from tests.support.api import (
    SellerKey,
    assert_keys_guard,
    assert_list_queries_fixed,
    client_for,
    error_of,
)
from tests.support.order_builders import seller_order_delivered, seller_order_paid

PAYOUTS = "/api/v1/seller/payouts/"


def later() -> dt.datetime:
    """A moment after a delivery made now has its 30-day return window closed."""
    return timezone.now() + dt.timedelta(days=31)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run payouts as the daily task does; transfers are sent after commit."""

    def run_now() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            payouts_run(at=later())

    return run_now


def delivered(api_key: SellerKey, price: str = "400.00"):
    return seller_order_delivered(
        seller_order_paid(refurbisher=api_key.refurbisher, price=price)
    )


def url_of(payout: Payout) -> str:
    return f"{PAYOUTS}{payout.pk}/"


@pytest.fixture
def payout(api_key, run) -> Payout:
    delivered(api_key)
    run()
    return Payout.objects.get(refurbisher=api_key.refurbisher)


class TestRead:
    def test_lists_the_refurbishers_payouts_newest_first(
        self, api_key, api_client, other_api_key, run
    ):
        delivered(api_key)
        delivered(other_api_key)
        run()
        delivered(api_key, price="200.00")
        run()
        ours = list(
            Payout.objects.filter(refurbisher=api_key.refurbisher).order_by("-pk")
        )

        response = api_client.get(PAYOUTS)

        assert response.status_code == 200
        rows = response.json()["results"]
        assert [row["id"] for row in rows] == [payout.pk for payout in ours]
        newest = rows[0]
        assert newest["status"] == "paid"
        assert (newest["amount"], newest["currency"]) == (
            f"{ours[0].amount:.2f}",
            "EUR",
        )
        assert (newest["sales"], newest["refunds"]) == (1, 0)
        assert newest["paid_at"] is not None
        assert response.json()["count"] == 2

    def test_one_payout_with_its_sales_and_deductions(
        self, api_key, api_client, run, django_capture_on_commit_callbacks
    ):
        first = delivered(api_key)
        run()
        with django_capture_on_commit_callbacks(execute=True):
            refund = refund_issue(
                order=first.order, seller_order=first, amount=Decimal("50.00"),
                reason=RefundReason.WARRANTY_CLAIM,
            )  # fmt: skip
        refund.refresh_from_db()
        assert refund.status == RefundStatus.SUCCEEDED
        second = delivered(api_key, price="200.00")
        run()
        newest = Payout.objects.order_by("-pk").first()

        response = api_client.get(url_of(newest))

        assert response.status_code == 200
        body = response.json()
        assert body["id"] == newest.pk
        assert body["amount"] == f"{newest.amount:.2f}"
        by_kind = {line["kind"]: line for line in body["lines"]}
        assert len(by_kind) == len(body["lines"]) == 2
        sale, deduction = by_kind["sale"], by_kind["refund"]
        assert (sale["kind"], sale["reference"]) == ("sale", second.order.reference)
        assert Decimal(sale["amount"]) > 0
        assert (deduction["kind"], deduction["refund_id"]) == ("refund", refund.pk)
        assert deduction["reference"] == first.order.reference
        assert Decimal(deduction["amount"]) < 0
        assert Decimal(sale["amount"]) + Decimal(deduction["amount"]) == newest.amount
        assert newest.lines.filter(kind=PayoutLineKind.REFUND).count() == 1

    def test_status_and_paid_since_filter(self, api_key, api_client, payout):
        assert api_client.get(f"{PAYOUTS}?status=paid").json()["count"] == 1
        assert api_client.get(f"{PAYOUTS}?status=failed").json()["count"] == 0
        since = (payout.paid_at + dt.timedelta(seconds=1)).isoformat()
        response = api_client.get(PAYOUTS, {"paid_since": since})
        assert response.json()["count"] == 0
        # An offset PostgreSQL would refuse is read as the same moment.
        far_west = payout.paid_at.astimezone(dt.timezone(-dt.timedelta(hours=20)))
        response = api_client.get(PAYOUTS, {"paid_since": far_west.isoformat()})
        assert response.json()["count"] == 1
        response = api_client.get(f"{PAYOUTS}?status=sent")
        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == ["status"]

    def test_the_list_costs_the_same_queries_for_3_or_20_payouts(
        self, api_key, api_client, run
    ):
        def add(count: int) -> None:
            for _ in range(count):
                delivered(api_key)
                run()

        add(3)
        assert_list_queries_fixed(api_client, PAYOUTS, add)

    def test_an_unknown_payout_is_a_404(self, api_client):
        assert api_client.get(f"{PAYOUTS}424242/").status_code == 404
        for odd in ("abc", "²", "null,null"):
            response = api_client.get(f"{PAYOUTS}{odd}/")
            assert response.status_code == 404
            assert error_of(response)["code"] == "not_found"


class TestAuthorization:
    def test_the_list_needs_a_live_key(self, api_key, payout):
        assert_keys_guard("get", PAYOUTS, api_key=api_key)

    def test_a_payout_needs_a_live_key(self, api_key, payout):
        assert_keys_guard("get", url_of(payout), api_key=api_key)

    def test_another_refurbishers_payout_is_a_404(self, api_key, other_api_key, run):
        delivered(other_api_key)
        run()
        theirs = Payout.objects.get(refurbisher=other_api_key.refurbisher)
        response = client_for(api_key.key).get(url_of(theirs))
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
        assert client_for(api_key.key).get(PAYOUTS).json()["count"] == 0
        assert client_for(other_api_key.key).get(url_of(theirs)).status_code == 200

    def test_payouts_are_read_only(self, api_key, api_client, payout):
        response = api_client.post(PAYOUTS, {}, format="json")
        assert response.status_code == 405
        assert error_of(response)["code"] == "method_not_allowed"
        assert api_client.delete(url_of(payout)).status_code == 405
