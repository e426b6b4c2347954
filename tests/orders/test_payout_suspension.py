"""No payout leaves for a suspended seller: held, shown, sent once reinstated."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.utils import timezone

from orders.models import Payout, PayoutStatus
from orders.services.payouts import payout_send, payouts_run
from refurbishers.services.status import refurbisher_reinstate, refurbisher_suspend
from tests.support.order_builders import (
    payout_account_connect,
    seller_order_delivered,
    seller_order_paid,
)
from tests.support.qa_permissions import ORDERS_QA_PERMISSIONS
from tests.support.refurbisher_builders import qa_user_make, trial_refurbisher_make
from tests.support.second_factor import staff_sign_in

REASON = "Devices sold as Excellent arrived with cracked screens."
TRANSFERS = "/v1/transfers"


def later() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=31)


def _qa():
    qa = qa_user_make()
    qa.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="orders", codename__in=ORDERS_QA_PERMISSIONS
        )
    )
    return qa


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run_at(at=None) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return payouts_run(at=at or later())

    return run_at


@pytest.mark.django_db
def test_a_suspended_seller_is_paid_nothing_until_the_run_after_reinstatement(
    client, run
):
    owner, refurbisher = trial_refurbisher_make(daily_sales_cap=50)
    seller_order_delivered(seller_order_paid(refurbisher=refurbisher))
    qa = _qa()
    refurbisher_suspend(refurbisher=refurbisher, actor=qa, reason=REASON)

    assert run() == 1

    payout = Payout.objects.get()
    assert payout.status == PayoutStatus.PENDING and not payout.transfer_id
    # Never sent: no attempt, no key used.
    assert (payout.attempts, payout.idempotency_key) == (0, "")
    assert REASON in payout.failure_message
    assert "suspended" in payout.failure_message
    # QA's "Send again" holds it too.
    assert payout_send(payout_id=payout.pk).status == PayoutStatus.PENDING

    # The seller sees it held, and why.
    client.force_login(owner)
    page = client.get("/seller/payouts/").content.decode()
    assert "Payouts are on hold." in page and REASON in page
    assert "Held" in client.get(f"/seller/payouts/{payout.pk}/").content.decode()

    # QA sees it in a queue on the admin index, and in the filtered list.
    staff_sign_in(client, qa)
    index = client.get("/admin/").content.decode()
    row_start = index.index("Payouts held: seller suspended")
    assert "<td>1</td>" in index[row_start : index.index("</tr>", row_start)]
    held = client.get("/admin/orders/payout/?held=suspended").content.decode()
    assert f"Payout {payout.pk} of" in held and REASON in held

    refurbisher_reinstate(refurbisher=refurbisher, actor=qa, reason="Regraded.")
    assert run() == 0  # the held payout is sent, nothing new written

    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PAID and payout.transfer_id
    assert payout.failure_message == ""
    client.force_login(owner)
    assert "Payouts are on hold." not in client.get("/seller/payouts/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_suspension_being_written_holds_back_a_send_that_comes_meanwhile(
    settings,
):
    """QA suspends while the payout is about to be sent: the send waits for the
    suspension to commit, sees it, and sends nothing (Stripe sees no transfer)."""
    from tests.support.fake_stripe import FakeStripe

    owner, refurbisher = trial_refurbisher_make(daily_sales_cap=50)
    seller_order_delivered(seller_order_paid(refurbisher=refurbisher))
    qa = _qa()
    fake = FakeStripe().start()
    try:
        settings.STRIPE_SECRET_KEY = fake.api_key
        settings.STRIPE_API_BASE = fake.url
        # No account yet: the run writes the payout and leaves it pending.
        payouts_run(at=later())
        payout = Payout.objects.get()
        assert payout.status == PayoutStatus.PENDING
        # The account connected with no hold on it (and no QA release, which
        # would send the payout at once): the send below is the only one.
        settings.PAYOUT_ACCOUNT_HOLD_HOURS = 0
        payout_account_connect(owner, refurbisher, fake.account_create(), release=False)

        suspended = threading.Event()
        outcome: list[object] = []

        def suspend() -> None:
            try:
                with transaction.atomic():
                    refurbisher_suspend(
                        refurbisher=refurbisher, actor=qa, reason=REASON
                    )
                    suspended.set()
                    # Still uncommitted while the send below starts.
                    threading.Event().wait(1.0)
            finally:
                connection.close()

        def send() -> None:
            try:
                suspended.wait(10)
                outcome.append(payout_send(payout_id=payout.pk))
            finally:
                connection.close()

        threads = [threading.Thread(target=suspend), threading.Thread(target=send)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

        [sent] = outcome
        assert sent.status == PayoutStatus.PENDING and REASON in sent.failure_message
        assert fake.requests_to("POST", TRANSFERS) == [] and fake.transfers == {}
    finally:
        settings.STRIPE_SECRET_KEY = ""
        fake.stop()
