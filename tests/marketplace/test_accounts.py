"""Accounts: sign up with an email, confirm it by a signed link, sign in and out."""

from __future__ import annotations

import re
import time
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from marketplace.accounts.models import EmailConfirmation
from marketplace.accounts.services import email_is_confirmed
from marketplace.accounts.tokens import MAX_AGE, confirmation_token_make
from tests.refurbishers.builders import PASSWORD, applicant_make, user_make

pytestmark = pytest.mark.django_db
STRONG = "plum-orchard-kettle-93"


def _signup(client, email="Ana@Example.com", password=STRONG, **extra):
    return client.post(
        reverse("accounts:signup"), {"email": email, "password": password, **extra}
    )


def _link(message) -> str:
    return re.search(r"https?://\S+/accounts/confirm/\S+/", message.body).group(0)


def test_signing_up_creates_an_account_named_by_the_email_and_signs_in(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(client, next="/seller/apply/company/")

    assert response.status_code == 302
    assert response["Location"] == "/seller/apply/company/"
    user = get_user_model().objects.get()
    assert user.username == user.email == "ana@example.com"
    assert user.check_password(STRONG)
    assert client.get("/seller/apply/company/").wsgi_request.user == user
    # One email with a text and an HTML part and one link.
    (message,) = mail.outbox
    assert message.to == ["ana@example.com"]
    assert "confirm" in message.subject.lower()
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    assert _link(message) in html
    assert not email_is_confirmed(user)


def test_a_duplicate_email_is_a_form_error_whatever_its_case(client):
    user_make(email="ana@example.com")

    response = _signup(client, email="ANA@example.com ")

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert get_user_model().objects.count() == 1


def test_a_weak_password_is_refused_and_the_typed_email_is_kept(client):
    response = _signup(client, email="bo@example.com", password="12345678")

    page = response.content.decode()
    assert response.status_code == 200
    assert "too common" in page or "entirely numeric" in page
    assert 'value="bo@example.com"' in page
    assert 'aria-invalid="true"' in page
    assert not get_user_model().objects.exists()


def test_a_password_like_the_email_is_refused(client):
    response = _signup(client, email="kettlebell@example.com", password="kettlebell")

    assert "too similar" in response.content.decode()


def test_the_emailed_link_confirms_the_address(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client)
    link = _link(mail.outbox[0])

    response = client.get(urlsplit(link).path)

    assert response.status_code == 200
    assert "Email confirmed" in response.content.decode()
    user = get_user_model().objects.get()
    assert email_is_confirmed(user)
    assert EmailConfirmation.objects.get(user=user).email == "ana@example.com"


def test_a_tampered_link_confirms_nothing(client):
    user = user_make()
    token = confirmation_token_make(user_id=user.pk, email=user.email)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")

    response = client.get(reverse("accounts:confirm", args=[tampered]))

    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert not EmailConfirmation.objects.exists()


def test_an_expired_link_confirms_nothing_and_says_so(client):
    user = user_make()
    long_ago = time.time() - MAX_AGE.total_seconds() - 60
    with mock.patch("django.core.signing.time.time", return_value=long_ago):
        token = confirmation_token_make(user_id=user.pk, email=user.email)

    response = client.get(reverse("accounts:confirm", args=[token]))

    assert response.status_code == 400
    assert "3 days old" in response.content.decode()
    assert not email_is_confirmed(user)


def test_a_link_for_an_address_the_account_no_longer_has_confirms_nothing(client):
    user = user_make(email="old@example.com")
    token = confirmation_token_make(user_id=user.pk, email=user.email)
    user.email = "new@example.com"
    user.save(update_fields=["email"])

    response = client.get(reverse("accounts:confirm", args=[token]))

    assert response.status_code == 400
    assert not EmailConfirmation.objects.exists()


def test_resending_the_link_emails_a_new_one(
    client, django_capture_on_commit_callbacks
):
    user = user_make()
    client.force_login(user)

    # The email leaves once its outbox row is committed.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:confirm-resend"), {"next": "/seller/apply/review/"}
        )

    assert response["Location"] == "/seller/apply/review/"
    assert len(mail.outbox) == 1
    assert _link(mail.outbox[0])


def test_sign_in_with_the_email_in_any_case_and_sign_out_by_post(client):
    user = user_make(email="cy@example.com")

    response = client.post(
        reverse("accounts:login"), {"username": "CY@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == user

    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_a_wrong_password_is_a_form_error_keeping_the_email(client):
    user_make(email="cy@example.com")

    response = client.post(
        reverse("accounts:login"), {"username": "cy@example.com", "password": "nope"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "do not match" in page
    assert 'value="cy@example.com"' in page


def test_an_account_whose_username_is_not_its_email_signs_in_by_email(client):
    user = user_make(email="qa@example.com", username="qa-lead")

    client.post(
        reverse("accounts:login"), {"username": "qa@example.com", "password": PASSWORD}
    )

    assert client.get("/").wsgi_request.user == user


def test_after_sign_in_a_member_lands_on_the_application_and_others_on_the_shop(
    client,
):
    applicant, _ = applicant_make(complete=False)
    client.force_login(applicant)
    assert client.get(reverse("accounts:home"))["Location"] == "/seller/apply/"

    client.force_login(user_make())
    assert client.get(reverse("accounts:home"))["Location"] == "/"


def test_the_header_offers_sign_in_then_the_account_menu(client):
    page = client.get("/").content.decode()
    assert reverse("accounts:login") in page

    applicant, _ = applicant_make(complete=False)
    client.force_login(applicant)
    page = client.get("/").content.decode()
    assert "Your application" in page
    assert reverse("accounts:logout") in page
