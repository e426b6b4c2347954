"""Second factors in tests: a real authenticator app, computed from its key.

Nothing here bypasses the check: a test gets a TOTP device through the
accounts service, computes the code an app would show (RFC 6238, from the
device's key) and types it into the real pages, which verify it as they
would for a person.
"""

from __future__ import annotations

import time

from django.urls import reverse
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from marketplace.accounts.second_factor import (
    totp_device,
    totp_setup_begin,
    totp_setup_confirm,
)


def totp_code(device: TOTPDevice) -> str:
    """The code an app would show now, later than any code already used.

    django-otp accepts one step either side of now and each step once; a
    second code within the same 30 seconds is the next step's.
    """
    device.refresh_from_db()
    now_t = int(time.time() - device.t0) // device.step + device.drift
    counter = max(now_t, device.last_t + 1)
    if counter > now_t + device.tolerance:
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.1)
        return totp_code(device)
    return f"{hotp(device.bin_key, counter, digits=device.digits):0{device.digits}d}"


def second_factor_give(user) -> tuple[TOTPDevice, list[str]]:
    """Set up an authenticator app for ``user`` as they would: begin, confirm."""
    device = totp_setup_begin(user=user)
    result = totp_setup_confirm(user=user, code=totp_code(device))
    assert result.device is not None, result.error
    return result.device, result.recovery_codes


def session_verify(client, user, next_url: str = "/") -> None:
    """Pass the second factor in ``client``'s signed-in session (set up if needed).

    Types the code into the real code page, as a person with the app would.
    """
    device = totp_device(user) or second_factor_give(user)[0]
    response = client.post(
        reverse("accounts:two-factor-verify"),
        {"code": totp_code(device), "next": next_url},
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def staff_sign_in(client, user) -> None:
    """Sign ``user`` in and pass the second factor, as QA staff do."""
    client.force_login(user)
    session_verify(client, user)


def sign_in_verified(client, user) -> None:
    """Sign ``user`` in with a session that passed its second factor."""
    staff_sign_in(client, user)
