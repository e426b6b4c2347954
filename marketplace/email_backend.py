"""Django's email backend for the site: every email goes into the outbox.

``EMAIL_BACKEND`` names this class, so ``EmailMessage.send()``,
``send_mail`` and Django's own emails (password reset) write an outbox row in
the caller's transaction instead of talking to a mail server; the Celery task
sends the row with ``EMAIL_DELIVERY_BACKEND`` (see ``marketplace.emails``).
"""

from __future__ import annotations

import logging

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)


class OutboxBackend(BaseEmailBackend):
    """Queue messages in the outbox; ``kind`` and ``key`` label them (see
    ``marketplace.emails.email_queue``)."""

    def __init__(self, fail_silently: bool = False, *, kind: str = "", key=None, **kw):
        super().__init__(fail_silently=fail_silently, **kw)
        self.kind = kind
        self.key = key

    def send_messages(self, email_messages) -> int:
        from marketplace.emails import email_outbox_add

        messages = list(email_messages)
        if self.key and len(messages) > 1:
            raise ValueError("One key names one email.")
        queued = 0
        for message in messages:
            try:
                email = email_outbox_add(message=message, kind=self.kind, key=self.key)
            except Exception:
                if not self.fail_silently:
                    raise
                logger.exception("Email %r not queued", message.subject)
                continue
            queued += email is not None
        return queued
