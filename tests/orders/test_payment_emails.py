"""A payment's confirmation is never lost: refused by the mail server, or left
behind by a process that died between the commit and the broker.

Stripe's real library and signed webhook deliveries against the fake Stripe;
the session's real Celery worker sends to the real test SMTP server (1 s,
then 2 s between tries). Each test commits for real.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from django.utils import timezone

from marketplace.models import EmailStatus, OutgoingEmail
from marketplace.tasks import emails_requeue_due
from orders.models import Order, OrderStatus
from orders.notifications import order_paid_key_prefix
from orders.services.checkout_session import checkout_pay
from tests.conftest import ROOT, child_process_environment
from tests.marketplace.test_email_delivery import worker_caught_up
from tests.marketplace.test_emails import address
from tests.orders.test_checkout import fr_listing, start
from tests.orders.test_webhook import deliver
from tests.refurbishers.builders import trial_refurbisher_make

pytestmark = pytest.mark.django_db(transaction=True)

DIED = 75
# The first delivery, in a process of its own that dies right after its commit:
# its first on_commit callback (registered before the payment's) ends it, so
# the payment and its outbox rows are committed and never handed to Celery.
FIRST_DELIVERY_DIES_AFTER_COMMIT = f"""
import json, os, sys
import django
django.setup()
from django.db import transaction
from orders.services.payment_events import payment_event_receive
with transaction.atomic():
    transaction.on_commit(lambda: os._exit({DIED}))
    print(payment_event_receive(json.loads(sys.argv[1])), flush=True)
"""


def _paying(fake_stripe) -> tuple[Order, str]:
    """An order of a trial seller's listing, open on the fake Stripe: (order,
    the seller owner's address)."""
    owner, refurbisher = trial_refurbisher_make()
    listing = fr_listing(refurbisher, price="250.00", stock=1)
    order = start((listing, 1), email=address())
    checkout_pay(order, "http://testserver")
    order.refresh_from_db()
    return order, owner.email


def _payment_emails(order: Order):
    return OutgoingEmail.objects.filter(key__startswith=order_paid_key_prefix(order.pk))


@pytest.fixture
def paid_but_emails_left_behind(fake_stripe, smtp_server, celery_worker, settings):
    """The first delivery of checkout.session.completed committed the payment
    and its emails, then its process died before handing them to Celery.

    Returns (order, seller owner's address, the event).
    """
    order, owner = _paying(fake_stripe)
    events = fake_stripe.session_complete(order.payment_session_id)
    event = next(e for e in events if e["type"] == "checkout.session.completed")
    settings.EMAIL_SEND_INLINE = False
    first = subprocess.run(
        [sys.executable, "-c", FIRST_DELIVERY_DIES_AFTER_COMMIT, json.dumps(event)],
        env=child_process_environment(smtp_server), cwd=ROOT,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert (first.returncode, first.stdout.strip()) == (DIED, "paid"), first.stderr
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert sorted(_payment_emails(order).values_list("status", "attempts")) == [
        (EmailStatus.PENDING, 0),
        (EmailStatus.PENDING, 0),
    ]
    worker_caught_up()
    assert smtp_server.tries_to(order.email) == []  # nothing sends them by itself
    return order, owner, event


def _sent_once(smtp_server, order: Order, owner: str) -> None:
    """The confirmation and the seller's new-order email arrived, each once."""
    worker_caught_up()
    (confirmation,) = smtp_server.received_by(order.email)
    assert confirmation["Subject"] == (
        f"ReMarket: your order {order.reference} is confirmed"
    )
    (new_order,) = smtp_server.received_by(owner)
    assert order.reference in new_order["Subject"]
    assert sorted(_payment_emails(order).values_list("status", "attempts")) == [
        (EmailStatus.SENT, 1),
        (EmailStatus.SENT, 1),
    ]


def test_the_webhooks_second_delivery_sends_a_confirmation_left_behind_once(
    client, fake_stripe, smtp_server, paid_but_emails_left_behind
):
    order, owner, event = paid_but_emails_left_behind

    again = deliver(client, fake_stripe, event)

    assert again.status_code == 200 and again.json()["duplicate"] is True
    smtp_server.wait_for(order.email)
    smtp_server.wait_for(owner)
    # A third delivery and the sweep, later, find nothing left to send.
    assert deliver(client, fake_stripe, event).json()["duplicate"] is True
    assert emails_requeue_due.delay().get(timeout=30) == 0
    _sent_once(smtp_server, order, owner)


def test_the_periodic_sweep_sends_a_confirmation_left_behind_once(
    client, fake_stripe, smtp_server, paid_but_emails_left_behind
):
    order, owner, event = paid_but_emails_left_behind
    # EMAIL_REQUEUE_AFTER_SECONDS later, beat's sweep finds them overdue.
    _payment_emails(order).update(
        next_attempt_at=timezone.now() - dt.timedelta(hours=1)
    )

    assert emails_requeue_due.delay().get(timeout=30) == 2

    smtp_server.wait_for(order.email)
    smtp_server.wait_for(owner)
    # Stripe's own retry of the delivery, later, finds them sent.
    assert deliver(client, fake_stripe, event).json()["duplicate"] is True
    _sent_once(smtp_server, order, owner)


def test_a_confirmation_refused_twice_arrives_once_and_the_order_stays_paid(
    client, fake_stripe, smtp_server, celery_worker, settings
):
    order, owner = _paying(fake_stripe)
    settings.EMAIL_SEND_INLINE = False
    smtp_server.refuse(order.email, times=2)

    for event in fake_stripe.session_complete(order.payment_session_id):
        assert deliver(client, fake_stripe, event).status_code == 200

    smtp_server.wait_for(order.email)
    assert [t.accepted for t in smtp_server.tries_to(order.email)] == [
        False,
        False,
        True,
    ]
    # The worker marks the row sent just after the server took the message.
    worker_caught_up()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    _sent_once_with_tries = sorted(
        _payment_emails(order).values_list("key", "status", "attempts")
    )
    assert _sent_once_with_tries == [
        (f"{order_paid_key_prefix(order.pk)}seller-order:"
         f"{order.seller_orders.get().pk}", EmailStatus.SENT, 1),
        (f"{order_paid_key_prefix(order.pk)}shopper", EmailStatus.SENT, 3),
    ]  # fmt: skip
    worker_caught_up()
    assert len(smtp_server.received_by(order.email)) == 1
    assert len(smtp_server.received_by(owner)) == 1
