"""Keys sent to Stripe carry this installation's prefix, made once and kept.

Two databases sharing one Stripe account must never replay, find or apply
each other's requests; keys sent before the prefix existed are kept on their
rows, so a retry after the upgrade sends the key of the first try.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from orders import stripe_api
from orders.models import (
    Installation,
    Order,
    OrderStatus,
    Payout,
    PayoutStatus,
    Refund,
    RefundReason,
    RefundStatus,
)
from orders.payment_gateway import payment_gateway
from orders.services.checkout_session import checkout_pay
from orders.services.installation import installation_prefix, provider_key
from orders.services.payment_events import payment_event_receive
from orders.services.payouts import payout_send, payouts_run
from orders.services.refunds import refund_issue, refund_send
from tests.support.order_builders import (
    SITE,
    fr_listing,
    later,
    order_paid_offline,
    seller_order_delivered,
    seller_order_paid,
    start,
    stripe_account_connect,
)
from tests.support.refurbisher_builders import trial_refurbisher_make

BEFORE_THE_PREFIX = ("orders", "0008_qa_group_orders")


@pytest.mark.django_db
def test_the_prefix_is_made_once_and_kept_in_the_database():
    Installation.objects.all().delete()  # a database that never had one

    prefix = installation_prefix()

    assert prefix.startswith("rm") and len(prefix) == 12
    assert installation_prefix() == prefix
    assert list(Installation.objects.values_list("prefix", flat=True)) == [prefix]
    assert provider_key("refund", 7) == f"{prefix}-refund-7"


@pytest.mark.django_db(transaction=True)
def test_processes_making_the_prefix_at_once_agree_on_one():
    """Web nodes and workers starting together all use the same prefix."""
    Installation.objects.all().delete()
    barrier = threading.Barrier(8)
    seen: list[str] = []

    def node() -> None:
        try:
            barrier.wait(timeout=20)
            seen.append(installation_prefix())
        finally:
            connection.close()

    threads = [threading.Thread(target=node) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(seen) == 8 and len(set(seen)) == 1
    assert Installation.objects.get().prefix == seen[0]


@pytest.mark.django_db
def test_an_event_of_another_installation_sharing_the_account_is_ignored():
    order = start((fr_listing(), 1))
    checkout_pay(order, SITE)
    order.refresh_from_db()
    events = payment_gateway().events_for(order.payment_session_id, "paid")
    for event in events:
        event["data"]["object"]["metadata"]["installation"] = "rm0123456789"

    results = [payment_event_receive(event) for event in events]

    assert results == ["another installation"] * 2
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


@pytest.mark.django_db
def test_an_order_id_whose_reference_is_another_order_is_not_ours():
    """An event from before the prefix (no tag) names our id but not our order."""
    order = start((fr_listing(), 1))
    checkout_pay(order, SITE)
    order.refresh_from_db()
    [event, _] = payment_gateway().events_for(order.payment_session_id, "paid")
    session = event["data"]["object"]
    del session["metadata"]["installation"]
    session["metadata"]["order_reference"] = "RM-ELSEWHERE"
    session["id"] = "cs_of_another_database"

    assert payment_event_receive(event) == "no such order"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def _migrate(target: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def _upgrade_from_before_the_prefix() -> None:
    """Take the database back to before the prefix, then upgrade it again."""
    _migrate([BEFORE_THE_PREFIX])
    try:
        executor = MigrationExecutor(connection)
        assert (
            "orders",
            "0009_installation_keys",
        ) not in executor.loader.applied_migrations
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_keeps_the_keys_that_earlier_requests_were_sent_with(
    settings, stripe_quick_retries
):
    """A refund and a payout that reached Stripe before the upgrade, their answer
    never saved: after it, each is retried with its old key (or found by its
    old transfer group), so nothing is refunded or paid twice."""
    owner, refurbisher = trial_refurbisher_make(daily_sales_cap=50)
    seller_order_delivered(
        seller_order_paid(refurbisher=refurbisher, price="400.00", shipping="9.90")
    )
    pending_order = start((fr_listing(price="120.00"), 1))
    with stripe_fake(settings) as fake:
        paid = _paid_on_stripe(fake)
        account = stripe_account_connect(fake, owner, refurbisher)
        # Both first tries fail at Stripe (three 503s: the library retries twice).
        fake.fail_next(503, count=3)
        refund = refund_issue(
            order=paid, seller_order=None, amount="100.00",
            reason=RefundReason.GOODWILL,
        )  # fmt: skip
        fake.fail_next(503, count=3)
        payouts_run(at=later())
        payout = Payout.objects.get(refurbisher=refurbisher)
        assert Refund.objects.get(pk=refund.pk).status == RefundStatus.PENDING
        assert payout.status == PayoutStatus.PENDING

        # What the code before the prefix did next: it reached Stripe with
        # its keys, and crashed before saving the answers.
        stripe_api.refund_create(
            payment_intent=paid.payment_intent_id, amount_minor=10000,
            currency="EUR", idempotency_key=f"remarket-refund-{refund.pk}",
            metadata={
                "order_id": paid.pk, "order_reference": paid.reference,
                "refund_id": refund.pk,
            },
        )  # fmt: skip
        # The transfer's key is one Stripe has forgotten since (24 hours):
        # only its transfer group can find it now.
        made = stripe_api.transfer_create(
            amount_minor=36990, currency="EUR", destination=account,
            idempotency_key="a-key-stripe-has-forgotten",
            transfer_group=f"remarket-payout-{payout.pk}", metadata={},
        )  # fmt: skip

        _upgrade_from_before_the_prefix()
        sent_before = len(fake.requests_to("POST", "/v1/refunds"))

        refund = Refund.objects.get(pk=refund.pk)
        payout = Payout.objects.get(pk=payout.pk)
        pending_order = Order.objects.get(pk=pending_order.pk)
        assert refund.idempotency_key == f"remarket-refund-{refund.pk}"
        assert payout.idempotency_key == f"remarket-payout-{payout.pk}"
        assert pending_order.payment_idempotency_key == (
            f"order-{pending_order.reference}-session"
        )
        assert Installation.objects.get().prefix.startswith("rm")

        refund = refund_send(refund_id=refund.pk)
        payout = payout_send(payout_id=payout.pk)
        checkout_pay(pending_order, SITE)

        assert refund.status == RefundStatus.SUCCEEDED
        assert len(fake.refunds) == 1  # the first refund's answer, replayed
        assert refund.provider_refund_id in fake.refunds
        retried = fake.requests_to("POST", "/v1/refunds")[sent_before:]
        assert [r.idempotency_key for r in retried] == [f"remarket-refund-{refund.pk}"]
        assert payout.status == PayoutStatus.PAID
        assert payout.transfer_id == made["id"] and len(fake.transfers) == 1
        [session] = fake.requests_to("POST", "/v1/checkout/sessions")[-1:]
        assert session.idempotency_key == f"order-{pending_order.reference}-session"


@pytest.mark.django_db
def test_new_rows_get_the_prefix_and_keep_the_key_of_their_first_try():
    order = order_paid_offline((fr_listing(price="300.00"), 1))
    prefix = installation_prefix()
    assert order.payment_idempotency_key == (
        f"{prefix}-order-{order.reference}-session"
    )
    refund = refund_issue(
        order=order, seller_order=None, amount="50.00", reason=RefundReason.GOODWILL
    )
    assert refund.idempotency_key == ""  # made when first sent

    refund = refund_send(refund_id=refund.pk)

    assert refund.idempotency_key == f"{prefix}-refund-{refund.pk}"
    assert refund.status == RefundStatus.SUCCEEDED
    refund.refresh_from_db()
    assert refund.idempotency_key == f"{prefix}-refund-{refund.pk}"


def _paid_on_stripe(fake) -> Order:
    order = start((fr_listing(price="250.00"), 1))
    checkout_pay(order, SITE)
    order.refresh_from_db()
    for event in fake.session_complete(order.payment_session_id):
        payment_event_receive(event)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order


class stripe_fake:
    """The fake Stripe with the settings pointing at it, as a context manager."""

    def __init__(self, settings) -> None:
        self.settings = settings

    def __enter__(self):
        from tests.support.fake_stripe import FakeStripe

        self.fake = FakeStripe().start()
        self.settings.STRIPE_SECRET_KEY = self.fake.api_key
        self.settings.STRIPE_API_BASE = self.fake.url
        self.settings.STRIPE_WEBHOOK_SECRET = self.fake.webhook_secret
        return self.fake

    def __exit__(self, *exc) -> None:
        self.settings.STRIPE_SECRET_KEY = ""
        self.fake.stop()
