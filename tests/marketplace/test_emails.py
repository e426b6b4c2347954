"""The outbox, in this process: written with the change, sent once, retried, swept.

Sending goes to the session's real SMTP server (``smtp``), or to locmem
(``mailoutbox``) where only the content matters. Rows handed to nobody are
made directly, as the outbox writes them: they stand for an email whose
hand-over to Celery was lost.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives, send_mail
from django.db import connection, transaction
from django.utils import timezone

from marketplace.accounts.models import PendingSignup
from marketplace.emails import (
    PURGE_BATCH,
    EmailRefused,
    SendOutcome,
    email_queue,
    email_retry_delay,
    email_send,
    email_send_again,
    emails_purge,
    emails_requeue,
    emails_requeue_due,
)
from marketplace.models import EmailStatus, OutgoingEmail
from tests.support.emails import address, pending, sign_up
from tests.support.refurbisher_builders import qa_user_make, user_make
from tests.support.smtp_server import free_port

pytestmark = pytest.mark.django_db
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def due_now(email: OutgoingEmail) -> None:
    """Time passes: the email's next try is due."""
    OutgoingEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())


@pytest.fixture
def smtp(settings, smtp_server):
    """Emails of this process are sent by SMTP to the session's server."""
    settings.EMAIL_DELIVERY_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    settings.EMAIL_RETRY_DELAY_SECONDS = 60
    settings.EMAIL_MAX_ATTEMPTS = 10
    return smtp_server


# --- Writing ---------------------------------------------------------------------


class TestWriting:
    def test_an_email_is_written_with_the_change_and_leaves_after_the_commit(
        self, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            user = user_make()
            message = EmailMultiAlternatives(
                subject="Welcome", body="Hello in text", to=[user.email]
            )
            message.attach_alternative("<p>Hello in HTML</p>", "text/html")
            queued = email_queue(
                message=message, kind="welcome", key=f"welcome:{user.pk}"
            )
            email = OutgoingEmail.objects.get(key=f"welcome:{user.pk}")
            assert queued == 1
            assert (email.status, email.attempts) == (EmailStatus.PENDING, 0)
            assert mailoutbox == []  # nothing leaves before the commit

        email.refresh_from_db()
        assert (email.status, email.attempts, email.kind) == (
            EmailStatus.SENT,
            1,
            "welcome",
        )
        assert email.sent_at is not None
        (sent,) = mailoutbox
        assert (sent.to, sent.subject, sent.body) == (
            [user.email],
            "Welcome",
            "Hello in text",
        )
        assert sent.alternatives == [("<p>Hello in HTML</p>", "text/html")]
        assert sent.from_email == "ReMarket <hello@remarket.local>"
        # The Message-ID fixed when the row was written is the one sent.
        assert sent.message()["Message-ID"] == email.headers["Message-ID"]

    def test_the_email_of_a_change_that_rolls_back_never_exists(
        self, mailoutbox, django_capture_on_commit_callbacks
    ):
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            send_mail("Welcome", "Hello", None, [address()])
            raise RuntimeError("the change failed")

        assert not OutgoingEmail.objects.exists()
        assert mailoutbox == []

    def test_one_event_queues_one_email_whatever_the_number_of_calls(
        self, mailoutbox, django_capture_on_commit_callbacks
    ):
        to = address()
        with django_capture_on_commit_callbacks(execute=True):
            counts = [
                email_queue(
                    message=EmailMessage("Paid", "Thanks", to=[to]),
                    key="order-paid:7:shopper",
                )
                for _ in range(3)
            ]

        assert counts == [1, 0, 0]
        assert OutgoingEmail.objects.get().key == "order-paid:7:shopper"
        assert [m.to for m in mailoutbox] == [[to]]

    def test_a_plain_send_and_djangos_own_emails_go_through_the_outbox_too(
        self, mailoutbox, django_capture_on_commit_callbacks
    ):
        to = address()
        with django_capture_on_commit_callbacks(execute=True):
            assert send_mail("Reset your password", "Follow the link", None, [to])

        email = OutgoingEmail.objects.get()
        assert (email.to, email.kind, email.status) == ([to], "", EmailStatus.SENT)
        assert [m.subject for m in mailoutbox] == ["Reset your password"]

    def test_an_html_only_email_stays_html(
        self, mailoutbox, django_capture_on_commit_callbacks
    ):
        message = EmailMessage("News", "<p>Only HTML</p>", to=[address()])
        message.content_subtype = "html"
        with django_capture_on_commit_callbacks(execute=True):
            email_queue(message=message)

        email = OutgoingEmail.objects.get()
        assert (email.body_text, email.body_html) == ("", "<p>Only HTML</p>")
        (sent,) = mailoutbox
        assert (sent.body, sent.content_subtype) == ("<p>Only HTML</p>", "html")

    def test_what_the_outbox_cannot_carry_is_refused_not_dropped(self):
        with_file = EmailMessage("Invoice", "Attached", to=[address()])
        with_file.attach("invoice.pdf", b"%PDF-1.4", "application/pdf")
        nobody = EmailMessage("Hello", "Nobody reads this")

        with pytest.raises(ValueError, match="no attachments"):
            email_queue(message=with_file)
        with pytest.raises(ValueError, match="recipient"):
            email_queue(message=nobody)
        assert not OutgoingEmail.objects.exists()


# --- Sending ---------------------------------------------------------------------


class TestSending:
    def test_a_refused_try_waits_longer_each_time_and_the_email_arrives_once(
        self, smtp
    ):
        email = pending()
        to = email.to[0]
        smtp.refuse(to, times=2)

        assert email_send(email_id=email.pk) == SendOutcome("retry", retry_in=60)
        email.refresh_from_db()
        assert (email.status, email.attempts) == (EmailStatus.PENDING, 1)
        assert email.last_error == "451 4.3.0 Mailbox busy, try again later"
        assert email.next_attempt_at == email.last_attempt_at + dt.timedelta(seconds=60)
        # A copy of the task arriving before the next try is due does nothing.
        assert email_send(email_id=email.pk) == SendOutcome("skipped")
        assert len(smtp.tries_to(to)) == 1

        due_now(email)
        assert email_send(email_id=email.pk) == SendOutcome("retry", retry_in=120)
        due_now(email)
        assert email_send(email_id=email.pk) == SendOutcome("sent")
        assert email_send(email_id=email.pk) == SendOutcome("skipped")

        email.refresh_from_db()
        assert (email.status, email.attempts) == (EmailStatus.SENT, 3)
        assert [t.accepted for t in smtp.tries_to(to)] == [False, False, True]
        (received,) = smtp.received_by(to)
        assert received["Subject"] == "Your order is confirmed"
        assert received["Message-ID"] == email.headers["Message-ID"]
        # Every try carried the same message.
        assert {t.message["Message-ID"] for t in smtp.tries_to(to)} == {
            email.headers["Message-ID"]
        }

    def test_after_the_last_try_the_email_is_failed_for_qa(self, smtp, settings):
        settings.EMAIL_MAX_ATTEMPTS = 2
        email = pending()
        smtp.refuse(email.to[0], times=10)

        assert email_send(email_id=email.pk).status == "retry"
        due_now(email)
        assert email_send(email_id=email.pk) == SendOutcome("failed")
        due_now(email)
        assert email_send(email_id=email.pk) == SendOutcome("skipped")

        email.refresh_from_db()
        assert (email.status, email.attempts) == (EmailStatus.FAILED, 2)
        assert email.last_error.startswith("451")
        assert len(smtp.tries_to(email.to[0])) == 2

    def test_an_unreachable_mail_server_is_a_failed_try_like_a_refusal(
        self, smtp, settings
    ):
        settings.EMAIL_PORT = free_port()  # nothing listens there
        email = pending()

        assert email_send(email_id=email.pk) == SendOutcome("retry", retry_in=60)
        email.refresh_from_db()
        assert email.status == EmailStatus.PENDING
        assert email.last_error.startswith("ConnectionRefusedError")

    def test_the_wait_doubles_from_the_first_delay_up_to_an_hour(self, settings):
        settings.EMAIL_RETRY_DELAY_SECONDS = 60

        delays = [email_retry_delay(attempts) for attempts in range(1, 10)]

        assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]

    def test_an_email_that_no_longer_exists_is_skipped(self):
        assert email_send(email_id=0) == SendOutcome("skipped")


@pytest.mark.django_db(transaction=True)
def test_two_tries_of_one_email_at_once_send_it_once(smtp):
    """The first locks the row while it talks to a slow server; the second skips."""
    email = pending()
    smtp.pause(email.to[0], seconds=1.5)
    start = Barrier(2)

    def attempt(_: int) -> str:
        start.wait()
        try:
            return email_send(email_id=email.pk).status
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(attempt, range(2)))

    assert outcomes == ["sent", "skipped"]
    assert len(smtp.received_by(email.to[0])) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 1)


# --- Handing over again -------------------------------------------------------


class TestSweep:
    def test_the_sweep_sends_only_the_emails_whose_task_was_lost(
        self, mailoutbox, django_capture_on_commit_callbacks
    ):
        now = timezone.now()
        lost = pending(next_attempt_at=now - dt.timedelta(minutes=10))
        pending()  # due now: its task is on its way
        pending(attempts=1, next_attempt_at=now + dt.timedelta(minutes=1))
        pending(status=EmailStatus.SENT, sent_at=now, next_attempt_at=now)
        failed = pending(status=EmailStatus.FAILED, attempts=10)
        OutgoingEmail.objects.filter(pk=failed.pk).update(
            next_attempt_at=now - dt.timedelta(hours=1)
        )

        with django_capture_on_commit_callbacks(execute=True):
            assert emails_requeue_due() == 1

        assert [m.to for m in mailoutbox] == [lost.to]
        lost.refresh_from_db()
        assert lost.status == EmailStatus.SENT
        failed.refresh_from_db()
        assert failed.status == EmailStatus.FAILED

    def test_an_email_handed_over_again_waits_as_long_before_the_next_sweep(
        self, settings
    ):
        settings.EMAIL_REQUEUE_AFTER_SECONDS = 300
        lost = pending(next_attempt_at=timezone.now() - dt.timedelta(minutes=10))

        # Its new task is on its way (not run here): the next sweeps leave it.
        assert emails_requeue_due() == 1
        assert emails_requeue_due() == 0
        later = timezone.now() + dt.timedelta(seconds=301)
        assert emails_requeue_due(at=later) == 1
        lost.refresh_from_db()
        assert lost.status == EmailStatus.PENDING

    def test_an_events_waiting_emails_are_handed_over_by_their_key(
        self, mailoutbox, django_capture_on_commit_callbacks
    ):
        now = timezone.now()
        shopper = pending(key="order-paid:7:shopper")
        seller = pending(key="order-paid:7:seller-order:3")
        pending(key="order-paid:70:shopper")  # another order
        pending(
            key="order-paid:7:seller-order:4",
            attempts=1,
            next_attempt_at=now + dt.timedelta(minutes=1),
        )  # refused a moment ago: its retry is scheduled

        with django_capture_on_commit_callbacks(execute=True):
            assert emails_requeue(key_prefix="order-paid:7:") == 2

        assert sorted(m.to for m in mailoutbox) == sorted([shopper.to, seller.to])


class TestKeeping:
    def test_sent_emails_go_after_the_days_kept_and_the_others_stay(self, settings):
        settings.EMAIL_KEEP_DAYS = 90
        now = timezone.now()
        old = now - dt.timedelta(days=91)
        sent_long_ago = [
            pending(status=EmailStatus.SENT, sent_at=old, attempts=1) for _ in range(3)
        ]
        sent_lately = pending(
            status=EmailStatus.SENT, sent_at=now - dt.timedelta(days=89), attempts=1
        )
        failed = pending(status=EmailStatus.FAILED, attempts=10, created_at=old)
        waiting = pending(created_at=old, next_attempt_at=old)

        assert emails_purge() == 3

        assert not OutgoingEmail.objects.filter(
            pk__in=[email.pk for email in sent_long_ago]
        ).exists()
        assert set(OutgoingEmail.objects.values_list("pk", flat=True)) >= {
            sent_lately.pk, failed.pk, waiting.pk,
        }  # fmt: skip
        assert emails_purge() == 0

    def test_the_purge_works_through_more_emails_than_one_batch(self, settings):
        settings.EMAIL_KEEP_DAYS = 1
        old = timezone.now() - dt.timedelta(days=2)
        sent = {
            "from_email": "ReMarket <hello@remarket.local>",
            "subject": "Sent",
            "body_text": "Sent.",
            "status": EmailStatus.SENT,
            "attempts": 1,
            "sent_at": old,
        }
        OutgoingEmail.objects.bulk_create(
            OutgoingEmail(to=[f"{n}@example.com"], **sent)
            for n in range(PURGE_BATCH + 5)
        )

        assert emails_purge() == PURGE_BATCH + 5
        assert not OutgoingEmail.objects.filter(status=EmailStatus.SENT).exists()


class TestSendAgain:
    def test_qa_sends_a_failed_email_again_with_a_fresh_set_of_tries(
        self, mailoutbox, django_capture_on_commit_callbacks
    ):
        email = pending(status=EmailStatus.FAILED, attempts=10, last_error="451")
        qa = qa_user_make()

        with django_capture_on_commit_callbacks(execute=True):
            email_send_again(email=email, actor=qa)

        email.refresh_from_db()
        assert (email.status, email.attempts) == (EmailStatus.SENT, 1)
        assert email.retried_by == qa and email.retried_at is not None
        assert [m.to for m in mailoutbox] == [email.to]

    def test_an_email_sent_is_never_sent_again(self, mailoutbox):
        email = pending(status=EmailStatus.SENT, sent_at=timezone.now(), attempts=1)

        with pytest.raises(EmailRefused, match="not sent a second time"):
            email_send_again(email=email, actor=qa_user_make())

        email.refresh_from_db()
        assert (email.status, email.attempts, email.retried_at) == (
            EmailStatus.SENT,
            1,
            None,
        )
        assert mailoutbox == []


# --- Requests ------------------------------------------------------------------


class TestRequests:
    def test_a_mail_server_refusing_never_answers_500_nor_undoes_the_change(
        self, client, smtp, django_capture_on_commit_callbacks
    ):
        """Even sent by the committing process itself (EMAIL_SEND_INLINE)."""
        to = address()
        smtp.refuse(to, times=1)

        with django_capture_on_commit_callbacks(execute=True):
            response = sign_up(client, to)

        assert response.status_code == 302
        assert PendingSignup.objects.filter(email=to).exists()
        email = OutgoingEmail.objects.get(to=[to])
        assert (email.status, email.attempts) == (EmailStatus.PENDING, 1)
        assert email.last_error.startswith("451")

    def test_a_request_never_waits_for_the_mail_server(
        self, client, smtp, settings, django_capture_on_commit_callbacks
    ):
        """Through Celery (as in production), the request does not reach it."""
        settings.EMAIL_SEND_INLINE = False
        to = address()

        with django_capture_on_commit_callbacks(execute=True):
            response = sign_up(client, to)

        assert response.status_code == 302
        email = OutgoingEmail.objects.get(to=[to])
        assert (email.status, email.attempts) == (EmailStatus.PENDING, 0)
        assert smtp.tries_to(to) == []
