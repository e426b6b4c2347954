"""An account's security page: two-factor set-up, codes, recovery codes."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)
from django_otp import login as otp_login

from marketplace.accounts.access import session_is_verified, verified_required
from marketplace.accounts.forms import CodeForm, PasswordConfirmForm, SetupCodeForm
from marketplace.accounts.limits import (
    sign_in_failed,
    sign_in_is_locked,
    sign_in_locked_response,
)
from marketplace.accounts.models import SecurityEvent
from marketplace.accounts.second_factor import (
    recovery_codes_left,
    recovery_codes_renew,
    second_factor_check,
    second_factor_enabled,
    second_factor_turn_off,
    totp_device,
    totp_setup_begin,
    totp_setup_confirm,
)
from marketplace.accounts.services import AccountError
from marketplace.accounts.views import _next_url, _posted
from marketplace.errors import refusal_to_form

EVENTS_SHOWN = 10


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _secret_groups(device) -> str:
    """The secret in base32, in groups of four, for typing into an app."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@require_safe
@login_required
def security(request):
    user = request.user
    return render(
        request,
        "accounts/security.html",
        {
            "enabled": second_factor_enabled(user),
            "verified": session_is_verified(request),
            "codes_left": recovery_codes_left(user),
            "events": SecurityEvent.objects.filter(user=user)[:EVENTS_SHOWN],
            "turn_off_form": PasswordConfirmForm(),
        },
    )


def _recovery_codes_page(request, codes: list[str], next_url: str, *, first: bool):
    response = render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": next_url, "first": first},
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def two_factor_setup(request):
    """Scan a QR code (or type the secret), then type a code to turn it on."""
    user = request.user
    next_url = _next_url(request, "accounts:security")
    if second_factor_enabled(user):
        if session_is_verified(request):
            return redirect(next_url)
        return redirect(_with_next("accounts:two-factor-verify", next_url))
    if request.method == "POST" and "start" in request.POST:
        totp_setup_begin(user=user)
        return redirect(_with_next("accounts:two-factor-setup", next_url))
    device = totp_device(user, confirmed=False)
    form = SetupCodeForm(_posted(request) if device else None)
    if device is not None and request.method == "POST" and form.is_valid():
        result = totp_setup_confirm(user=user, code=form.cleaned_data["code"])
        if result.device is not None:
            otp_login(request, result.device)
            return _recovery_codes_page(
                request, result.recovery_codes, next_url, first=True
            )
        form.add_error("code", result.error)
    qr = None
    if device is not None:
        qr = segno.make(device.config_url, error="m").svg_inline(
            scale=5, dark="#1b1f24", title=_("QR code to scan with your app")
        )
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "device": device,
            "form": form,
            "qr": qr,
            "secret": _secret_groups(device) if device else "",
            "issuer": settings.OTP_TOTP_ISSUER,
            "next": next_url,
        },
        status=400 if form.errors else 200,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def two_factor_verify(request):
    """A signed-in session proves its second factor (before the admin, say)."""
    user = request.user
    next_url = _next_url(request, "accounts:security")
    if not second_factor_enabled(user):
        return redirect(_with_next("accounts:two-factor-setup", next_url))
    if session_is_verified(request):
        return redirect(next_url)
    username = user.get_username()
    if sign_in_is_locked(request, username=username):
        return sign_in_locked_response(request, None, {"username": username})
    form = CodeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        result = second_factor_check(user=user, code=form.cleaned_data["code"])
        if result.device is not None:
            otp_login(request, result.device)
            return redirect(next_url)
        if sign_in_failed(request, username=username):
            return sign_in_locked_response(request, None, {"username": username})
        form.add_error("code", result.error)
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": next_url},
        status=400 if form.errors else 200,
    )


@require_POST
@verified_required
def recovery_codes_new(request):
    try:
        codes = recovery_codes_renew(user=request.user)
    except AccountError as error:
        messages.error(request, error.message)
        return redirect("accounts:security")
    return _recovery_codes_page(
        request, codes, _next_url(request, "accounts:security"), first=False
    )


@require_POST
@verified_required
def two_factor_off(request):
    form = PasswordConfirmForm(request.POST)
    if form.is_valid():
        try:
            second_factor_turn_off(
                user=request.user, password=form.cleaned_data["password"]
            )
        except AccountError as error:
            refusal_to_form(form, error)
        else:
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("accounts:security")
    user = request.user
    return render(
        request,
        "accounts/security.html",
        {
            "enabled": second_factor_enabled(user),
            "verified": True,
            "codes_left": recovery_codes_left(user),
            "events": SecurityEvent.objects.filter(user=user)[:EVENTS_SHOWN],
            "turn_off_form": form,
        },
        status=400,
    )
