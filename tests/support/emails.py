"""Emails in the tests: fresh addresses, outbox rows, a sign-up, the worker's pace."""

from __future__ import annotations

import uuid

from django.urls import reverse

from marketplace.models import OutgoingEmail
from marketplace.tasks import ping


def address() -> str:
    """An address no other test of the session writes to (one SMTP server)."""
    return f"to-{uuid.uuid4().hex[:12]}@example.com"


def pending(**fields) -> OutgoingEmail:
    """A pending email as the outbox writes it, handed over to nobody."""
    return OutgoingEmail.objects.create(
        **{
            "from_email": "ReMarket <hello@remarket.local>",
            "to": [address()],
            "subject": "Your order is confirmed",
            "body_text": "Thank you for your order.",
            "headers": {"Message-ID": f"<{uuid.uuid4().hex}@remarket.test>"},
            **fields,
        }
    )


def sign_up(client, email: str):
    return client.post(
        reverse("accounts:signup"),
        {"email": email, "password": "plum-orchard-kettle-93", "next": "/"},
    )


def worker_caught_up() -> None:
    """Wait until the worker took every task sent before this call.

    One process takes the queue in order: once a ping sent now comes back,
    the tasks before it have run (retries waiting for their time excepted).
    """
    assert ping.delay().get(timeout=30) == "pong"
