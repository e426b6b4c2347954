"""Where a person goes who needs a verified second factor, and the check itself."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from marketplace.accounts.second_factor import second_factor_enabled


def session_is_verified(request: HttpRequest) -> bool:
    """Whether this session passed a second-factor code (django-otp)."""
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def second_factor_url(user, next_url: str) -> str:
    """The page that verifies ``user``'s session: the code, or the set-up first."""
    name = (
        "accounts:two-factor-verify"
        if second_factor_enabled(user)
        else "accounts:two-factor-setup"
    )
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def verified_required(view: Callable) -> Callable:
    """Let in signed-in people whose session passed its second factor.

    Others sign in, then enter a code (or set up an app first), and come back.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not session_is_verified(request):
            return redirect(second_factor_url(request.user, request.get_full_path()))
        return view(request, *args, **kwargs)

    return wrapper
