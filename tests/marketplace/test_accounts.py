"""Accounts: sign up by an emailed link, confirm an address, sign in and out."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.models import EmailConfirmation, PendingSignup
from marketplace.accounts.services import email_is_confirmed
from marketplace.accounts.tokens import MAX_AGE, confirmation_token_make
from tests.support.refurbisher_builders import PASSWORD, applicant_make, user_make

pytestmark = pytest.mark.django_db
STRONG = "plum-orchard-kettle-93"


def _signup(client, email="Ana@Example.com", password=STRONG, **extra):
    return client.post(
        reverse("accounts:signup"), {"email": email, "password": password, **extra}
    )


def _link(message) -> str:
    return re.search(r"https?://\S+/accounts/confirm/\S+/", message.body).group(0)


def _finish_link(message) -> str:
    return re.search(r"https?://\S+/accounts/sign-up/finish/\S+/", message.body).group(
        0
    )


def test_signing_up_emails_a_link_and_creates_no_account_until_it_is_used(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(client, next="/seller/apply/company/")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:signup-sent")
    page = client.get(response["Location"]).content.decode()
    assert "Check your email" in page
    assert "ana@example.com" in page
    assert not get_user_model().objects.exists()
    assert not client.get("/").wsgi_request.user.is_authenticated
    # One email with a text and an HTML part and one link.
    (message,) = mail.outbox
    assert message.to == ["ana@example.com"]
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    assert _finish_link(message) in html


def test_the_link_in_the_same_browser_creates_the_account_signs_in_and_goes_on(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client, next="/seller/apply/company/")
    path = urlsplit(_finish_link(mail.outbox[0])).path

    # Opening the link (a mail scanner would too) creates nothing yet.
    page = client.get(path)
    assert page.status_code == 200
    assert 'name="password"' not in page.content.decode()
    assert not get_user_model().objects.exists()

    response = client.post(path)

    assert response.status_code == 302
    assert response["Location"] == "/seller/apply/company/"
    user = get_user_model().objects.get()
    assert user.username == user.email == "ana@example.com"
    assert user.check_password(STRONG)
    assert email_is_confirmed(user)
    assert EmailConfirmation.objects.get(user=user).email == "ana@example.com"
    assert client.get("/seller/apply/company/").wsgi_request.user == user
    assert not PendingSignup.objects.exists()
    # The link works once.
    assert client.post(path).status_code == 400


def test_the_link_in_another_browser_asks_for_the_password_chosen(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client)
    path = urlsplit(_finish_link(mail.outbox[0])).path
    other = Client()

    assert 'name="password"' in other.get(path).content.decode()
    wrong = other.post(path, {"password": "not-the-one-42"})
    assert wrong.status_code == 400
    assert "not the password chosen" in wrong.content.decode()
    assert not get_user_model().objects.exists()

    response = other.post(path, {"password": STRONG})

    assert response.status_code == 302
    assert other.get("/").wsgi_request.user.email == "ana@example.com"


def test_a_link_opened_elsewhere_stops_working_after_five_wrong_passwords(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client)
    path = urlsplit(_finish_link(mail.outbox[0])).path
    other = Client()
    for _ in range(4):
        assert other.post(path, {"password": "guess-guess-1"}).status_code == 400

    last = other.post(path, {"password": "guess-guess-1"})

    assert "too many times" in last.content.decode()
    assert other.post(path, {"password": STRONG}).status_code == 400
    assert not get_user_model().objects.exists()


def test_signing_up_with_a_taken_address_looks_the_same_and_tells_its_owner(
    client, django_capture_on_commit_callbacks
):
    owner = user_make(email="ana@example.com")
    new_person = Client()
    with django_capture_on_commit_callbacks(execute=True):
        fresh = _signup(new_person, email="zoe@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        taken = _signup(client, email="ANA@example.com ")

    # The same answer, the same page as for a new address.
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"]
    assert "already" not in client.get(taken["Location"]).content.decode()
    # The owner is told, with a way to sign in or reset; nothing else changed.
    told = mail.outbox[-1]
    assert told.to == ["ana@example.com"]
    assert "someone tried" in told.subject.lower()
    assert reverse("accounts:password-reset") in told.body
    assert reverse("accounts:login") in told.body
    assert "/sign-up/finish/" not in told.body
    users = get_user_model().objects.filter(email__iexact="ana@example.com")
    assert users.count() == 1
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_a_strangers_unfinished_sign_up_does_not_keep_the_owner_out(
    client, django_capture_on_commit_callbacks
):
    """The owner signs up too: the stranger's link and password are gone."""
    stranger = Client()
    with django_capture_on_commit_callbacks(execute=True):
        _signup(stranger, email="ana@example.com", password="stranger-pass-981")
    strangers_link = urlsplit(_finish_link(mail.outbox[0])).path
    # The owner opens the stranger's link by mistake: it asks for a password
    # the owner does not know, so it creates nothing.
    assert 'name="password"' in client.get(strangers_link).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        _signup(client, email="ana@example.com")
    owners_link = urlsplit(_finish_link(mail.outbox[-1])).path
    assert owners_link != strangers_link
    pending = PendingSignup.objects.get()
    assert not check_password("stranger-pass-981", pending.password)

    assert stranger.post(strangers_link).status_code == 400
    assert client.post(owners_link).status_code == 302
    user = get_user_model().objects.get()
    assert user.check_password(STRONG)
    assert not user.check_password("stranger-pass-981")
    assert email_is_confirmed(user)


def test_an_account_whose_address_was_never_confirmed_is_taken_back_by_a_reset(
    client, django_capture_on_commit_callbacks
):
    """An account made before sign-up links existed (or by staff) that was
    never confirmed: a reset by email gives the address to whoever reads it."""
    squatter = user_make(email="ana@example.com")
    squatters_session = Client()
    squatters_session.force_login(squatter)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password-reset"), {"email": "ana@example.com"})
    link = re.search(
        r"https?://\S+/accounts/password/reset/\S+/", mail.outbox[-1].body
    ).group(0)
    form_page = client.get(urlsplit(link).path, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": STRONG, "new_password2": STRONG},
    )

    assert response.status_code == 302
    squatter.refresh_from_db()
    assert squatter.check_password(STRONG)
    assert not squatter.check_password(PASSWORD)
    assert email_is_confirmed(squatter)
    # The squatter's session ended with its password.
    assert not squatters_session.get("/").wsgi_request.user.is_authenticated


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


def test_a_sign_up_link_older_than_three_days_creates_nothing_and_is_cleared(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client)
    path = urlsplit(_finish_link(mail.outbox[0])).path
    PendingSignup.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    assert client.get(path).status_code == 400
    response = client.post(path)

    assert response.status_code == 400
    assert "3 days old" in response.content.decode()
    assert not get_user_model().objects.exists()
    # Another address's sign-up clears any link nobody used in time.
    PendingSignup.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client)
    PendingSignup.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    _signup(Client(), email="zoe@example.com")
    assert list(PendingSignup.objects.values_list("email", flat=True)) == [
        "zoe@example.com"
    ]
