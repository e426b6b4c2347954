"""Emails sent by the real Celery worker to a real SMTP server that refuses tries.

The session's worker sends to ``smtp_server`` with a first retry after 1 s
(then 2 s, 4 s) and fails an email after 4 tries (``tests/conftest.py``).
These tests commit for real and hand their emails to it, as in production.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

import pytest

from marketplace.accounts.models import PendingSignup
from marketplace.emails import email_send_again
from marketplace.models import EmailStatus, OutgoingEmail
from marketplace.tasks import ping
from tests.conftest import CHILD_EMAIL_MAX_ATTEMPTS
from tests.marketplace.test_emails import address, sign_up
from tests.refurbishers.builders import qa_user_make

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def through_celery(settings, celery_worker):
    """Emails committed by this test are handed to the worker, not sent here."""
    settings.EMAIL_SEND_INLINE = False
    return celery_worker


def worker_caught_up() -> None:
    """Wait until the worker took every task sent before this call.

    One process takes the queue in order: once a ping sent now comes back,
    the tasks before it have run (retries waiting for their time excepted).
    """
    assert ping.delay().get(timeout=30) == "pong"


def wait_until(check: Callable[[], bool], *, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"Still not true after {timeout} s")
        time.sleep(0.1)


def test_an_email_refused_twice_arrives_once_after_backoff_and_the_change_stays(
    client, smtp_server, through_celery
):
    to = address()
    smtp_server.refuse(to, times=2)

    response = sign_up(client, to)

    # The mail server was not even asked during the request.
    assert response.status_code == 302
    signup = PendingSignup.objects.get(email=to)
    (message,) = smtp_server.wait_for(to)
    assert "finish creating your account" in message["Subject"].lower()
    assert "/accounts/sign-up/finish/" in message.get_body(("plain",)).get_content()
    tries = smtp_server.tries_to(to)
    assert [t.accepted for t in tries] == [False, False, True]
    # Exponential backoff: about 1 s, then about 2 s.
    first_wait, second_wait = (b.at - a.at for a, b in itertools.pairwise(tries))
    assert 0.9 <= first_wait < second_wait and second_wait >= 1.9
    # The worker marks the row sent just after the server took the message.
    email = OutgoingEmail.objects.get(to=[to])
    wait_until(
        lambda: OutgoingEmail.objects.filter(
            pk=email.pk, status=EmailStatus.SENT
        ).exists()
    )
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 3)
    assert email.last_error.startswith("451")
    # The saved change was never undone, and nothing more arrives.
    worker_caught_up()
    assert PendingSignup.objects.filter(pk=signup.pk, email=to).exists()
    assert len(smtp_server.received_by(to)) == 1


def test_an_email_refused_every_time_fails_for_qa_who_sends_it_again_once(
    client, smtp_server, through_celery
):
    to = address()
    smtp_server.refuse(to, times=1000)

    assert sign_up(client, to).status_code == 302

    email = OutgoingEmail.objects.get(to=[to])
    wait_until(
        lambda: OutgoingEmail.objects.filter(
            pk=email.pk, status=EmailStatus.FAILED
        ).exists()
    )
    assert len(smtp_server.tries_to(to)) == CHILD_EMAIL_MAX_ATTEMPTS
    assert smtp_server.received_by(to) == []

    smtp_server.refuse(to, times=0)  # the mail server is back
    email_send_again(email=email, actor=qa_user_make())

    smtp_server.wait_for(to)
    worker_caught_up()
    assert len(smtp_server.received_by(to)) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 1)
