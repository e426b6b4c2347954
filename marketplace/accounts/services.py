"""Every write of accounts: signing up and confirming an email address."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.models import EmailConfirmation
from marketplace.accounts.tokens import (
    MAX_AGE,
    TokenExpired,
    TokenInvalid,
    confirmation_token_make,
    confirmation_token_read,
)
from marketplace.emails import email_queue


class AccountError(Exception):
    """A sign-up or confirmation that cannot go through; the message is shown."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def email_normalize(email: str) -> str:
    return (email or "").strip().lower()


def email_is_taken(email: str) -> bool:
    email = email_normalize(email)
    User = get_user_model()
    return (
        User.objects.filter(username__iexact=email).exists()
        or User.objects.filter(email__iexact=email).exists()
    )


def email_is_confirmed(user) -> bool:
    """Whether ``user`` confirmed the address their account has now."""
    if not user.is_authenticated:
        return False
    return EmailConfirmation.objects.filter(
        user=user, email__iexact=user.email
    ).exists()


@transaction.atomic
def user_signup(*, email: str, password: str):
    """Create an account whose username is the email, lowercased; send the link.

    The password must already have passed the validators (the form runs them
    with the email, so a password like the address is refused).
    """
    email = email_normalize(email)
    if email_is_taken(email):
        raise AccountError("An account with this email already exists.", field="email")
    User = get_user_model()
    try:
        # A savepoint, so a concurrent sign-up's unique username is a clean error.
        with transaction.atomic():
            user = User.objects.create_user(
                username=email, email=email, password=password
            )
    except IntegrityError as error:
        raise AccountError(
            "An account with this email already exists.", field="email"
        ) from error
    confirmation_email_send(user=user)
    return user


def confirmation_email_send(*, user) -> int:
    """Email ``user`` a link confirming their address (valid for MAX_AGE).

    Queued in the outbox (``marketplace.emails``): sent once the caller's
    transaction commits. A new link each time, so no key.
    """
    token = confirmation_token_make(user_id=user.pk, email=user.email)
    context = {
        "user": user,
        "confirm_url": settings.SITE_URL
        + reverse("accounts:confirm", kwargs={"token": token}),
        "valid_days": MAX_AGE.days,
    }
    message = EmailMultiAlternatives(
        subject="ReMarket: confirm your email address",
        body=render_to_string("emails/account_confirm.txt", context),
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("emails/account_confirm.html", context), "text/html"
    )
    return email_queue(message=message, kind="account_confirm")


@transaction.atomic
def email_confirm(*, token: str):
    """Mark the address in ``token`` confirmed; returns the user.

    AccountError when the link expired, was altered, or names an address the
    account no longer has.
    """
    try:
        claim = confirmation_token_read(token)
    except TokenExpired as error:
        raise AccountError(
            f"This link is more than {MAX_AGE.days} days old. "
            "Sign in and ask for a new one."
        ) from error
    except TokenInvalid as error:
        raise AccountError(
            "This link is not valid. Copy the whole link from the email, "
            "or sign in and ask for a new one."
        ) from error
    User = get_user_model()
    user = User.objects.select_for_update().filter(pk=claim.user_id).first()
    if user is None or email_normalize(user.email) != email_normalize(claim.email):
        raise AccountError(
            "This link is for an address the account no longer uses. "
            "Sign in and ask for a new one."
        )
    EmailConfirmation.objects.update_or_create(
        user=user, defaults={"email": user.email, "confirmed_at": timezone.now()}
    )
    return user
