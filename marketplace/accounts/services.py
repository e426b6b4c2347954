"""Every write of accounts: signing up, confirming an address, resetting a password.

Sign-up never tells whether an address has an account: whatever was typed,
the page says a link was emailed. A new address gets a link that creates the
account (``PendingSignup``); an address that has an account gets an email
telling its owner someone tried, with a way to sign in or reset the
password. So an address belongs to whoever reads its mail: a stranger's
sign-up with it is replaced by the owner's, and an account whose owner
never confirmed the address is taken back by a password reset.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marketplace.accounts.models import (
    EmailConfirmation,
    PendingSignup,
    SecurityEvent,
    SecurityEventKind,
)
from marketplace.accounts.tokens import (
    MAX_AGE,
    TokenExpired,
    TokenInvalid,
    confirmation_token_make,
    confirmation_token_read,
)
from marketplace.emails import email_queue
from marketplace.errors import BusinessRuleError

# Wrong passwords on a sign-up's finishing page before the link stops working.
SIGNUP_FINISH_ATTEMPTS = 5


class AccountError(BusinessRuleError):
    """A sign-up or confirmation that cannot go through; the message is shown."""


def email_normalize(email: str) -> str:
    return (email or "").strip().lower()


def user_for_email(email: str):
    """The account an address names (its username, else its email), or None."""
    email = email_normalize(email)
    User = get_user_model()
    return (
        User.objects.filter(username__iexact=email).first()
        or User.objects.filter(email__iexact=email).order_by("pk").first()
    )


def email_is_taken(email: str) -> bool:
    return user_for_email(email) is not None


def email_is_confirmed(user) -> bool:
    """Whether ``user`` confirmed the address their account has now."""
    if not user.is_authenticated:
        return False
    return EmailConfirmation.objects.filter(
        user=user, email__iexact=user.email
    ).exists()


def security_event_record(*, user, kind: str, actor=None, reason: str = ""):
    """Note a change to how ``user`` signs in (shown on their security page)."""
    return SecurityEvent.objects.create(
        user=user, kind=kind, actor=actor if actor is not None else user, reason=reason
    )


# --- Emails -------------------------------------------------------------------------


def account_email_send(
    *, subject: str, template: str, context: dict, to: list[str]
) -> int:
    """Send an account email: ``emails/<template>.txt`` and its HTML twin."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        to=to,
    )
    message.attach_alternative(
        render_to_string(f"emails/{template}.html", context), "text/html"
    )
    return email_queue(message=message, kind=template)


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
    return account_email_send(
        subject="ReMarket: confirm your email address",
        template="account_confirm",
        context=context,
        to=[user.email],
    )


def _signup_link_send(*, email: str, token: str) -> int:
    context = {
        "finish_url": settings.SITE_URL
        + reverse("accounts:signup-finish", kwargs={"token": token}),
        "valid_days": MAX_AGE.days,
    }
    return account_email_send(
        subject=_("ReMarket: finish creating your account"),
        template="account_signup_link",
        context=context,
        to=[email],
    )


def _signup_taken_send(*, email: str) -> int:
    context = {
        "email": email,
        "signin_url": settings.SITE_URL + reverse("accounts:login"),
        "reset_url": settings.SITE_URL + reverse("accounts:password-reset"),
    }
    return account_email_send(
        subject=_("ReMarket: someone tried to create an account with your address"),
        template="account_signup_taken",
        context=context,
        to=[email],
    )


# --- Sign-up ------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def signup_request(*, email: str, password: str, next_url: str = "") -> int | None:
    """Start a sign-up; the same outcome for the caller whatever ``email`` is.

    A new address (or one with only someone's unfinished sign-up) gets a
    link that creates the account; the previous unfinished sign-up of that
    address, and its password, are deleted. An address with an account gets
    an email to its owner instead. The password is hashed either way, so the
    answer takes as long. Returns the pending sign-up's id, or None.

    The password must already have passed the validators (the form runs them
    with the email, so a password like the address is refused).
    """
    email = email_normalize(email)
    hashed = make_password(password)
    if email_is_taken(email):
        _signup_taken_send(email=email)
        return None
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    # Links nobody used go with the next sign-up (the table stays small).
    PendingSignup.objects.filter(expires_at__lt=now).delete()
    # The address row is locked (or its absence held by the unique index):
    # two sign-ups at once leave one row, the later one's.
    PendingSignup.objects.select_for_update().filter(email=email).delete()
    try:
        with transaction.atomic():
            pending = PendingSignup.objects.create(
                email=email,
                password=hashed,
                token_hash=_token_hash(token),
                next_url=next_url[:500],
                created_at=now,
                expires_at=now + MAX_AGE,
            )
    except IntegrityError:
        # Another sign-up of this address committed first: send nothing, as
        # its own link went out; the person can sign up again.
        return None
    _signup_link_send(email=email, token=token)
    return pending.pk


@dataclass(frozen=True)
class SignupFinished:
    user: object
    next_url: str


def pending_signup_for_token(token: str) -> PendingSignup | None:
    """The unfinished sign-up a link names, if it still waits (read only)."""
    pending = PendingSignup.objects.filter(token_hash=_token_hash(token)).first()
    if pending is None or pending.expires_at <= timezone.now():
        return None
    return pending


def signup_finish(
    *, token: str, password: str = "", same_browser: bool = False
) -> SignupFinished:
    """Create the account a sign-up link names, its address confirmed.

    Opened in the browser that signed up (``same_browser``), the link is
    enough; elsewhere the password chosen at sign-up is asked, so a link a
    stranger's sign-up sent to someone else's mailbox cannot create an
    account with the stranger's password. After SIGNUP_FINISH_ATTEMPTS wrong
    passwords the link stops working. A refusal is raised after its
    transaction committed, so a counted attempt or a dropped link stays.
    """
    with transaction.atomic():
        outcome = _signup_finish(
            token=token, password=password, same_browser=same_browser
        )
    if isinstance(outcome, AccountError):
        raise outcome
    return outcome


def _signup_finish(
    *, token: str, password: str, same_browser: bool
) -> SignupFinished | AccountError:
    pending = (
        PendingSignup.objects.select_for_update()
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if pending is None:
        return AccountError(
            _(
                "This link is not valid: it was already used, or a newer sign-up "
                "with this address replaced it. Sign in, or sign up again."
            )
        )
    if pending.expires_at <= timezone.now():
        pending.delete()
        return AccountError(
            ngettext(
                "This link is more than %(days)d day old. Sign up again.",
                "This link is more than %(days)d days old. Sign up again.",
                MAX_AGE.days,
            )
            % {"days": MAX_AGE.days}
        )
    if not same_browser and not check_password(password, pending.password):
        pending.failed_attempts += 1
        if pending.failed_attempts >= SIGNUP_FINISH_ATTEMPTS:
            pending.delete()
            return AccountError(
                _("That password was wrong too many times. Sign up again.")
            )
        pending.save(update_fields=["failed_attempts"])
        return AccountError(
            _("That is not the password chosen when signing up."), field="password"
        )
    if email_is_taken(pending.email):
        pending.delete()
        return AccountError(
            _(
                "An account with this address already exists. Sign in, or reset "
                "its password."
            )
        )
    User = get_user_model()
    try:
        with transaction.atomic():
            user = User(username=pending.email, email=pending.email)
            user.password = pending.password
            user.save()
    except IntegrityError:
        return AccountError(
            _("An account with this address already exists. Sign in instead.")
        )
    EmailConfirmation.objects.create(
        user=user, email=user.email, confirmed_at=timezone.now()
    )
    security_event_record(user=user, kind=SecurityEventKind.SIGNED_UP)
    next_url = pending.next_url
    pending.delete()
    return SignupFinished(user=user, next_url=next_url)


# --- Confirming the address of an existing account -----------------------------------


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
    _address_confirmed(user)
    return user


def _address_confirmed(user) -> None:
    EmailConfirmation.objects.update_or_create(
        user=user, defaults={"email": user.email, "confirmed_at": timezone.now()}
    )
    security_event_record(user=user, kind=SecurityEventKind.EMAIL_CONFIRMED)


# --- Password reset -----------------------------------------------------------------


@transaction.atomic
def password_reset_done(*, user) -> None:
    """After a reset by emailed link: the address is proven, note it.

    Django's view has set the new password (which ends the account's other
    sessions); the link reached the account's address, so it counts as
    confirmed, and the account's sign-in failures are forgotten.
    """
    from axes.handlers.proxy import AxesProxyHandler

    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if not email_is_confirmed(user) and user.email:
        _address_confirmed(user)
    security_event_record(user=user, kind=SecurityEventKind.PASSWORD_RESET)
    AxesProxyHandler.reset_attempts(username=user.get_username())


def password_reset_email_send(*, context: dict, to_email: str) -> int:
    """The password reset link (Django's reset form builds ``context``)."""
    return account_email_send(
        subject=_("ReMarket: reset your password"),
        template="account_password_reset",
        context=context,
        to=[to_email],
    )
