"""Password reset by email: Django's views, our pages and email, a link used once."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse

from marketplace.accounts.models import SecurityEvent, SecurityEventKind
from tests.support.refurbisher_builders import PASSWORD, user_make

pytestmark = pytest.mark.django_db
RESET = reverse("accounts:password-reset")
NEW = "quince-lantern-harbour-58"


def _ask(client, email, capture):
    with capture(execute=True):
        return client.post(RESET, {"email": email})


def _link_path(message) -> str:
    found = re.search(r"https?://\S+/accounts/password/reset/\S+/", message.body)
    return urlsplit(found.group(0)).path


def test_the_sign_in_page_offers_a_reset(client):
    assert RESET in client.get(reverse("accounts:login")).content.decode()


def test_a_reset_link_by_email_sets_a_new_password_once(
    client, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://shop.example.com"
    user = user_make(email="ana@example.com")

    response = _ask(client, "Ana@Example.com", django_capture_on_commit_callbacks)

    assert response["Location"] == reverse("accounts:password-reset-sent")
    (message,) = mail.outbox
    assert message.to == ["ana@example.com"]
    assert "https://shop.example.com/accounts/password/reset/" in message.body
    assert message.alternatives[0][1] == "text/html"
    form = client.get(_link_path(message), follow=True)
    assert "Choose a new password" in form.content.decode()
    saved = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}
    )
    assert saved["Location"] == reverse("accounts:password-reset-complete")
    user.refresh_from_db()
    assert user.check_password(NEW) and not user.check_password(PASSWORD)
    assert SecurityEvent.objects.filter(
        user=user, kind=SecurityEventKind.PASSWORD_RESET
    ).exists()
    # Used once: the same link no longer works.
    again = Client().get(_link_path(message), follow=True)
    assert "This link does not work" in again.content.decode()


def test_an_address_without_an_account_gets_the_same_page_and_no_email(
    client, django_capture_on_commit_callbacks
):
    response = _ask(client, "nobody@example.com", django_capture_on_commit_callbacks)

    assert response["Location"] == reverse("accounts:password-reset-sent")
    assert mail.outbox == []


def test_a_reset_forgets_the_accounts_sign_in_failures(
    client, django_capture_on_commit_callbacks
):
    user = user_make(email="ana@example.com")
    for _ in range(5):
        Client().post(
            reverse("accounts:login"), {"username": user.email, "password": "x"}
        )
    assert AccessAttempt.objects.filter(username=user.email).exists()
    _ask(client, user.email, django_capture_on_commit_callbacks)
    form = client.get(_link_path(mail.outbox[0]), follow=True)
    client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}
    )

    response = Client().post(
        reverse("accounts:login"),
        {"username": user.email, "password": NEW},
        REMOTE_ADDR="198.51.100.4",
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=user.email).exists()
