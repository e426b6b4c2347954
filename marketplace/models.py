"""The kernel's own tables: the outbox of every email the site sends."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


def _addresses(verbose_name):
    return ArrayField(
        models.CharField(max_length=320),
        default=list,
        blank=True,
        verbose_name=verbose_name,
    )


class OutgoingEmail(models.Model):
    """One email, written in the transaction that decided it; sent by Celery.

    ``marketplace.emails`` writes and sends these rows: a row exists only if
    its change committed, and stays pending until the mail server accepted it
    (or ``EMAIL_MAX_ATTEMPTS`` tries failed: then QA sees it in the admin).
    """

    kind = models.CharField(_("kind"), max_length=60, blank=True)
    # The event the email is about ("order-paid:12:shopper"): the same event
    # never queues a second email. Empty for emails that need no such guard.
    key = models.CharField(_("key"), max_length=200, unique=True, null=True)
    from_email = models.CharField(_("from"), max_length=320)
    to = _addresses(_("to"))
    cc = _addresses(_("cc"))
    bcc = _addresses(_("bcc"))
    reply_to = _addresses(_("reply to"))
    # Extra headers, among them a Message-ID fixed when the row is written,
    # so every attempt sends the same message.
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    subject = models.TextField(_("subject"))
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EmailStatus.choices,
        default=EmailStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    # When the next try is due: now for a new email, later after a failure
    # (exponential backoff). The periodic sweep hands over rows overdue.
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    retried_at = models.DateTimeField(_("sent again at"), null=True, blank=True)
    retried_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent again by"),
    )

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The sweep's question: which pending emails are overdue?
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="outgoing_email_due",
            ),
            models.Index(fields=["status", "-created_at"], name="outgoing_email_list"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="outgoing_email_sent_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(to=[]) | ~Q(cc=[]) | ~Q(bcc=[]),
                name="outgoing_email_has_recipient",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def recipients(self) -> list[str]:
        return [*self.to, *self.cc, *self.bcc]
