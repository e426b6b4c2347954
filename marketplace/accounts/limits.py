"""How often people may try to sign in or make the site send account emails.

Sign-in (password, then second-factor code) is watched by django-axes:
failures are counted per account and per client address, and past
``SIGN_IN_FAILURE_LIMIT`` that account or address is refused until
``SIGN_IN_LOCKOUT_MINUTES`` after its last failure. Emails an account asks
for (sign-up, a new confirmation link, a password reset) are counted by
django-ratelimit per email address and per client address. Both answer with
a page or a form error saying when to try again; nothing here is a 500.
"""

from __future__ import annotations

import datetime as dt
import math

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage

from marketplace.client_address import client_address


def sign_in_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The account a sign-in attempt names, as axes counts it (any case)."""
    username = (credentials or {}).get("username")
    if username is None and request is not None and request.method == "POST":
        username = request.POST.get("username")
    return username.strip().lower() if isinstance(username, str) else None


def _minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


def try_again_message(seconds: float) -> str:
    minutes = _minutes(seconds)
    return ngettext(
        "Try again in %(minutes)d minute.",
        "Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


# --- Sign-in lockouts (django-axes) -----------------------------------------------


def sign_in_lock_ends(request: HttpRequest, credentials: dict | None) -> dt.datetime:
    """When the lockout on this account or client address ends (the later one)."""
    cool_off = settings.AXES_COOLOFF_TIME
    now = timezone.now()
    ends = []
    for filters in (
        {"username": sign_in_username(request, credentials)},
        {"ip_address": client_address(request)},
    ):
        found = AccessAttempt.objects.filter(
            attempt_time__gte=now - cool_off, **filters
        ).aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        if (found["failures"] or 0) >= settings.AXES_FAILURE_LIMIT:
            ends.append(found["last"] + cool_off)
    return max(ends) if ends else now + cool_off


def sign_in_locked_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The page a locked-out sign-in gets (429): why, and when to try again."""
    ends = sign_in_lock_ends(request, credentials)
    seconds = max(0.0, (ends - timezone.now()).total_seconds())
    response = render(
        request,
        "accounts/locked_out.html",
        {
            "ends_at": ends,
            "try_again": try_again_message(seconds),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
        },
        status=429,
    )
    response["Retry-After"] = str(math.ceil(seconds) or 1)
    return response


def sign_in_is_locked(request: HttpRequest, *, username: str) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": username})


def sign_in_failed(request: HttpRequest, *, username: str) -> bool:
    """Count a failed second step like a wrong password; True if now locked."""
    user_login_failed.send(
        sender=__name__, credentials={"username": username}, request=request
    )
    return bool(getattr(request, "axes_locked_out", False))


# --- Account emails (django-ratelimit) --------------------------------------------


def _over(request: HttpRequest, *, group: str, value: str, rate: str) -> int | None:
    """Count one use; the seconds left in the window when over ``rate``."""
    usage = get_usage(
        request, group=group, key=lambda _group, _request: value, rate=rate,
        increment=True,
    )  # fmt: skip
    if usage is not None and usage["should_limit"]:
        return max(int(usage["time_left"]), 1)
    return None


def account_email_refusal(
    request: HttpRequest, *, action: str, email: str
) -> str | None:
    """A message when ``action`` (signup, resend, reset) asked too often, else None.

    Counted per email address (so nobody can fill someone's inbox) and per
    client address (so one machine cannot send to many addresses); both
    counters move on every call.
    """
    email = (email or "").strip().lower()
    per_email = _over(
        request,
        group=f"accounts.{action}.email",
        value=email,
        rate=settings.ACCOUNT_EMAIL_RATE_PER_EMAIL,
    )
    per_address = _over(
        request,
        group=f"accounts.{action}.address",
        value=client_address(request),
        rate=settings.ACCOUNT_EMAIL_RATE_PER_ADDRESS,
    )
    if per_email is not None:
        return _("We already sent several emails to this address. %(try_again)s") % {
            "try_again": try_again_message(per_email)
        }
    if per_address is not None:
        return _("Too many requests came from your network. %(try_again)s") % {
            "try_again": try_again_message(per_address)
        }
    return None
