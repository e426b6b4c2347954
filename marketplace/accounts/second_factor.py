"""Two-factor authentication: an authenticator app (TOTP) and recovery codes.

Built on django-otp: a ``TOTPDevice`` per person (confirmed once they typed a
code from their app) and a ``StaticDevice`` holding single-use recovery
codes. A session that passed a code is "verified" (``request.user.is_verified()``,
set by ``django_otp.login``). QA staff need that for the admin; a seller
owner needs it, and the code again, to change the payout account or make an
API key.

A code is checked in its own transaction that commits even when the code
was wrong: django-otp's throttling (each failure doubles the wait) and its
replay guard (a TOTP code is accepted once) are rows that must survive the
refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from marketplace.accounts.models import SecurityEventKind
from marketplace.accounts.services import AccountError, security_event_record

APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
TOTP_CODE = re.compile(r"\d{6}")


def totp_device(user, *, confirmed: bool = True) -> TOTPDevice | None:
    return (
        TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()
    )


def second_factor_enabled(user) -> bool:
    """Whether ``user`` set up an authenticator app (recovery codes come with it)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _clean(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


# --- Setting up -------------------------------------------------------------------


@transaction.atomic
def totp_setup_begin(*, user) -> TOTPDevice:
    """A new secret for ``user``'s app, not in force until a code confirms it.

    Keeps an unconfirmed one already begun (the page can be reloaded without
    invalidating the QR code just scanned).
    """
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=APP_DEVICE_NAME, confirmed=False
        )
    return device


@dataclass(frozen=True)
class SetupResult:
    device: TOTPDevice | None
    recovery_codes: list[str]
    error: str = ""


def totp_setup_confirm(*, user, code: str) -> SetupResult:
    """Turn two-factor on once ``code`` comes from the app just set up.

    Replaces any app set up before and makes a new set of recovery codes,
    returned to be shown once.
    """
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            return SetupResult(None, [], _("Start the set-up again."))
        error = _verify(device, _clean(code))
    if error:
        return SetupResult(None, [], error)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_replace(user)
        security_event_record(user=user, kind=SecurityEventKind.TWO_FACTOR_ON)
    return SetupResult(device, codes)


def _recovery_codes_replace(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(
        user=user, name=RECOVERY_DEVICE_NAME, confirmed=True
    )
    codes = [StaticToken.random_token() for _ in range(settings.RECOVERY_CODES)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=code) for code in codes]
    )
    return codes


@transaction.atomic
def recovery_codes_renew(*, user) -> list[str]:
    """A new set of recovery codes; the old ones stop working."""
    if not second_factor_enabled(user):
        raise AccountError(_("Turn on two-factor authentication first."))
    codes = _recovery_codes_replace(user)
    security_event_record(user=user, kind=SecurityEventKind.RECOVERY_CODES_NEW)
    return codes


@transaction.atomic
def totp_device_install(*, user, key: str, actor=None) -> TOTPDevice:
    """Give ``user`` a confirmed app with a known ``key`` (hex); for demo data only.

    The demo's published secret lets a newcomer without a phone compute codes
    (``manage.py demo_totp``); the ``demo`` app calls this only with DEBUG on.
    """
    device, _created = TOTPDevice.objects.update_or_create(
        user=user,
        name=APP_DEVICE_NAME,
        defaults={"key": key, "confirmed": True},
    )
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    if not StaticDevice.objects.filter(user=user).exists():
        _recovery_codes_replace(user)
    security_event_record(
        user=user,
        kind=SecurityEventKind.TWO_FACTOR_ON,
        actor=actor,
        reason="Demo authenticator with a published secret (DEBUG only).",
    )
    return device


# --- Checking a code ---------------------------------------------------------------


def _verify(device, code: str) -> str:
    """Check ``code`` on ``device``; an error message, or "" when it matched."""
    allowed, details = device.verify_is_allowed()
    if not allowed:
        wait = details.get("locked_until") if details else None
        seconds = (wait - timezone.now()).total_seconds() if wait else 1
        seconds = max(1, round(seconds))
        return ngettext(
            "Too many wrong codes in a row: wait %(seconds)d second, then try again.",
            "Too many wrong codes in a row: wait %(seconds)d seconds, then try again.",
            seconds,
        ) % {"seconds": seconds}
    if not device.verify_token(code):
        return _("That code is not right. Codes change every 30 seconds.")
    return ""


@dataclass(frozen=True)
class CheckResult:
    device: TOTPDevice | StaticDevice | None
    error: str = ""


def second_factor_check(*, user, code: str) -> CheckResult:
    """Check a code from ``user``'s app, or one of their recovery codes.

    Commits whatever it learnt (a code used, a failure counted) even when the
    code was wrong. A recovery code works once and is noted on the account.
    """
    code = _clean(code)
    if not code:
        return CheckResult(None, _("Enter the code."))
    with transaction.atomic():
        if TOTP_CODE.fullmatch(code):
            device = (
                TOTPDevice.objects.select_for_update()
                .filter(user=user, confirmed=True)
                .order_by("pk")
                .first()
            )
        else:
            device = (
                StaticDevice.objects.select_for_update()
                .filter(user=user, confirmed=True)
                .order_by("pk")
                .first()
            )
        if device is None:
            return CheckResult(None, _("That code is not right."))
        error = _verify(device, code)
        if not error and isinstance(device, StaticDevice):
            security_event_record(user=user, kind=SecurityEventKind.RECOVERY_CODE_USED)
    return CheckResult(None if error else device, error)


def identity_reverify(*, user, password: str, code: str) -> None:
    """Ask again for the password and the second factor before a sensitive change.

    Raises AccountError (with the field to mark) when either is wrong or
    ``user`` has no second factor. Commits the code's use on its own.
    """
    if not second_factor_enabled(user):
        raise AccountError(_("Turn on two-factor authentication first."))
    if not password or not user.check_password(password):
        raise AccountError(_("That is not your password."), field="password")
    result = second_factor_check(user=user, code=code)
    if result.device is None:
        raise AccountError(result.error, field="code")


@transaction.atomic
def second_factor_turn_off(*, user, password: str) -> None:
    """Remove the app and the recovery codes (the password is asked again)."""
    if not password or not user.check_password(password):
        raise AccountError(_("That is not your password."), field="password")
    deleted = TOTPDevice.objects.filter(user=user).delete()[0]
    deleted += StaticDevice.objects.filter(user=user).delete()[0]
    if deleted:
        security_event_record(user=user, kind=SecurityEventKind.TWO_FACTOR_OFF)
