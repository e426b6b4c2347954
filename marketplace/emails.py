"""The outbox: every email is a row written with the change that decided it.

Writing. The apps' email helpers call ``email_queue(message=..., kind=...,
key=...)``; any other ``EmailMessage.send()`` or ``send_mail`` (Django's
password reset, say) takes the same road, since Django's ``EMAIL_BACKEND`` is
``marketplace.email_backend.OutboxBackend``. Either way the email becomes an
``OutgoingEmail`` row in the caller's transaction: if the change rolls back,
the email never existed; if it commits, so does the email. An email with a
``key`` (the event it is about, "order-paid:12:shopper") is written once: a
second one with the same key is dropped.

Handing over. Once the transaction commits, each new row's id goes to the
Celery task ``marketplace.tasks.email_send``. Nothing of the request waits on
the mail server, and a failed hand-over (the broker away, the process killed
between the commit and the hand-over) is logged, never raised: the periodic
``emails_requeue_due`` hands over every pending email left overdue.

Sending. ``email_send`` locks the row, skipping it when another worker holds
it (two deliveries of one task never both send), sends it with
``EMAIL_DELIVERY_BACKEND`` unless it is sent already or not due yet, and
records the outcome. A refusal or an unreachable server schedules the next
try with exponential backoff (``EMAIL_RETRY_DELAY_SECONDS`` doubled each time,
at most an hour); after ``EMAIL_MAX_ATTEMPTS`` tries the email is failed and
QA sees it in the admin, where it can be sent again.

Delivery is exactly once per row, except if a worker dies after the server
accepted the message and before its row is marked sent: then it is sent
again (at least once). Every try carries the Message-ID fixed when the row
was written, so mail clients treat such a repeat as the same message.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.core.mail.utils import DNS_NAME
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.errors import BusinessRuleError
from marketplace.models import EmailStatus, OutgoingEmail
from marketplace.status import actor_or_none

logger = logging.getLogger(__name__)

# The longest wait between two tries. Past Redis's visibility timeout (one
# hour) a task waiting for its countdown is delivered a second time.
RETRY_DELAY_MAX_SECONDS = 3600
# A task may start a moment before the row's next try is due (its countdown
# is counted by the worker's clock, the row's time by the one that wrote it).
DUE_TOLERANCE = dt.timedelta(seconds=2)
SWEEP_BATCH = 500
ERROR_MAX_CHARS = 2000


class EmailRefused(BusinessRuleError):
    """An outbox action the email's state does not allow; the message says why."""


@dataclass(frozen=True)
class SendOutcome:
    """What one try did: "sent", "retry" (in ``retry_in`` seconds), "failed",
    or "skipped" (sent already, not due, or being sent by another worker)."""

    status: str
    retry_in: int | None = None


# --- Writing ---------------------------------------------------------------------


def email_queue(
    *, message: EmailMessage, kind: str = "", key: str | None = None
) -> int:
    """Queue ``message`` for sending once the caller's transaction commits.

    ``kind`` names the email for QA (its template, say); ``key`` names the
    event it is about, so that the same event never queues two emails.
    Returns 1, or 0 when an email with this key was queued before. Goes
    through Django's configured backend (the outbox), so a process that
    switched emails off (the demo data, with the dummy backend) queues none.
    """
    return get_connection(kind=kind, key=key).send_messages([message]) or 0


def _bodies(message: EmailMessage) -> tuple[str, str]:
    """The text and HTML of a message; refuse what the outbox cannot carry."""
    if message.attachments:
        raise ValueError("The outbox carries text and HTML emails, no attachments.")
    html = ""
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype != "text/html" or html:
            raise ValueError("The outbox carries one HTML alternative at most.")
        html = content
    if message.content_subtype == "html":
        if html:
            raise ValueError("An HTML email cannot have another HTML alternative.")
        return "", message.body
    return message.body, html


def email_outbox_add(
    *, message: EmailMessage, kind: str = "", key: str | None = None
) -> OutgoingEmail | None:
    """Write ``message`` as a pending row; hand it to Celery once committed.

    Returns the row, or None when an email with this ``key`` exists already.
    """
    if not (message.to or message.cc or message.bcc):
        raise ValueError("An email needs at least one recipient.")
    text, html = _bodies(message)
    headers = dict(message.extra_headers)
    if not any(name.lower() == "message-id" for name in headers):
        headers["Message-ID"] = make_msgid(domain=DNS_NAME)
    email = OutgoingEmail(
        kind=kind[:60],
        key=key or None,
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        to=list(message.to),
        cc=list(message.cc),
        bcc=list(message.bcc),
        reply_to=list(message.reply_to),
        headers=headers,
        subject=str(message.subject),
        body_text=text,
        body_html=html,
    )
    if email.key is None:
        email.save()
    else:
        try:
            # A savepoint: a duplicate key leaves the caller's transaction usable.
            # Two writers of one key at once: the second waits for the first.
            with transaction.atomic():
                email.save()
        except IntegrityError:
            if OutgoingEmail.objects.filter(key=email.key).exists():
                return None
            raise
    _hand_over_on_commit([email.pk])
    return email


def _hand_over(email_ids: list[int]) -> None:
    if settings.EMAIL_SEND_INLINE:
        for email_id in email_ids:
            email_send(email_id=email_id)
        return
    from marketplace.tasks import email_send as email_send_task

    for email_id in email_ids:
        email_send_task.delay(email_id)


def _hand_over_on_commit(email_ids: list[int]) -> None:
    """Give the emails to Celery after the commit (at once outside a transaction).

    ``robust``: a broker that cannot be reached is logged, and the change
    that was just saved still answers as saved; the sweep sends the emails.
    """
    if email_ids:
        transaction.on_commit(partial(_hand_over, list(email_ids)), robust=True)


# --- Sending ---------------------------------------------------------------------


def email_retry_delay(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed try (1st: the base delay)."""
    delay = settings.EMAIL_RETRY_DELAY_SECONDS * 2 ** max(attempts - 1, 0)
    return int(min(delay, RETRY_DELAY_MAX_SECONDS))


def _deliver(email: OutgoingEmail) -> None:
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text or email.body_html,
        from_email=email.from_email,
        to=email.to,
        cc=email.cc,
        bcc=email.bcc,
        reply_to=email.reply_to,
        headers=email.headers,
        connection=connection,
    )
    if email.body_html and email.body_text:
        message.attach_alternative(email.body_html, "text/html")
    elif email.body_html:
        message.content_subtype = "html"
    if message.send() != 1:
        raise smtplib.SMTPException("The email backend did not send the email.")


def _error_words(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        detail = error.smtp_error
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        return f"{error.smtp_code} {detail}"[:ERROR_MAX_CHARS]
    return f"{type(error).__name__}: {error}"[:ERROR_MAX_CHARS]


def email_send(*, email_id: int) -> SendOutcome:
    """Try to send one pending email; record what happened.

    Locks the row for the time of the conversation with the mail server
    (``EMAIL_TIMEOUT`` bounds it); a row locked by another try is skipped,
    as are rows sent, failed or not due yet, so the task may run any number
    of times.
    """
    with transaction.atomic():
        email = (
            OutgoingEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id)
            .first()
        )
        now = timezone.now()
        if (
            email is None
            or email.status != EmailStatus.PENDING
            or email.next_attempt_at > now + DUE_TOLERANCE
        ):
            return SendOutcome("skipped")
        email.attempts += 1
        email.last_attempt_at = now
        fields = ["attempts", "last_attempt_at", "last_error", "status"]
        try:
            _deliver(email)
        except Exception as error:  # whatever the backend raised: kept on the row
            email.last_error = _error_words(error)
            if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
                email.status = EmailStatus.FAILED
                outcome = SendOutcome("failed")
            else:
                delay = email_retry_delay(email.attempts)
                email.next_attempt_at = now + dt.timedelta(seconds=delay)
                fields.append("next_attempt_at")
                outcome = SendOutcome("retry", retry_in=delay)
            logger.warning(
                "Email %s (%s) not sent, try %s: %s",
                email.pk, email.kind, email.attempts, email.last_error,
                exc_info=not isinstance(error, smtplib.SMTPException | OSError),
            )  # fmt: skip
            email.save(update_fields=fields)
            return outcome
        email.status = EmailStatus.SENT
        email.sent_at = timezone.now()
        email.save(update_fields=[*fields, "sent_at"])
    return SendOutcome("sent")


# --- Handing over again -------------------------------------------------------------


def _hand_over_again(ids: Iterable[int]) -> int:
    ids = list(ids)
    OutgoingEmail.objects.filter(pk__in=ids).update(next_attempt_at=timezone.now())
    _hand_over_on_commit(ids)
    return len(ids)


@transaction.atomic
def emails_requeue_due(*, at: dt.datetime | None = None) -> int:
    """Hand over again the pending emails whose try is overdue; return how many.

    Overdue: due ``EMAIL_REQUEUE_AFTER_SECONDS`` ago or more, so their task
    was lost (never handed over, or its worker died). A bounded batch, oldest
    first; each becomes due now, so the next sweep leaves it alone for as long
    again.
    """
    at = at or timezone.now()
    before = at - dt.timedelta(seconds=settings.EMAIL_REQUEUE_AFTER_SECONDS)
    ids = (
        OutgoingEmail.objects.filter(
            status=EmailStatus.PENDING, next_attempt_at__lte=before
        )
        .order_by("next_attempt_at", "pk")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return _hand_over_again(ids)


@transaction.atomic
def emails_requeue(*, key_prefix: str) -> int:
    """Hand over again the pending emails due now whose key starts with ``key_prefix``.

    For a caller who learns that an event's emails may have been left behind
    (a payment webhook delivered again); a task already on its way finds the
    email sent, or locked, and does nothing.
    """
    if not key_prefix:
        raise ValueError("Name the emails by a key prefix.")
    ids = (
        OutgoingEmail.objects.filter(
            status=EmailStatus.PENDING,
            key__startswith=key_prefix,
            next_attempt_at__lte=timezone.now(),
        )
        .order_by("pk")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return _hand_over_again(ids)


@transaction.atomic
def email_send_again(
    *, email: OutgoingEmail, actor: AbstractBaseUser | None
) -> OutgoingEmail:
    """Send a failed or pending email again now, with a fresh set of tries.

    Asked by QA in the admin. ``EmailRefused`` for an email already sent: an
    email is never sent twice on purpose. Waits for a try under way.
    """
    email = OutgoingEmail.objects.select_for_update().get(pk=email.pk)
    if email.status == EmailStatus.SENT:
        raise EmailRefused(
            _("This email was sent already; it is not sent a second time.")
        )
    now = timezone.now()
    email.status = EmailStatus.PENDING
    email.attempts = 0
    email.next_attempt_at = now
    email.retried_at = now
    email.retried_by = actor_or_none(actor)
    email.save(
        update_fields=[
            "status", "attempts", "next_attempt_at", "retried_at", "retried_by",
        ]
    )  # fmt: skip
    _hand_over_on_commit([email.pk])
    return email


# --- Keeping ----------------------------------------------------------------------

PURGE_BATCH = 5000


def emails_purge(*, at: dt.datetime | None = None) -> int:
    """Delete the emails sent more than ``EMAIL_KEEP_DAYS`` ago; return how many.

    They hold addresses and order details nobody needs once delivered, so they
    are not kept forever. Pending and failed emails stay whatever their age
    (QA still has to see a failed one). Works in batches, each its own short
    transaction, so a large backlog never holds many row locks at once.
    """
    before = (at or timezone.now()) - dt.timedelta(days=settings.EMAIL_KEEP_DAYS)
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                OutgoingEmail.objects.filter(
                    status=EmailStatus.SENT, sent_at__lt=before
                )
                .order_by("pk")
                .values_list("pk", flat=True)[:PURGE_BATCH]
            )
            if not ids:
                return deleted
            deleted += OutgoingEmail.objects.filter(pk__in=ids).delete()[0]
