"""Sign up, sign in (with the second step), sign out, confirm an address: thin views."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from marketplace.accounts.forms import (
    CodeForm,
    EmailAuthenticationForm,
    SignupFinishForm,
    SignupForm,
)
from marketplace.accounts.limits import (
    account_email_refusal,
    sign_in_failed,
    sign_in_is_locked,
    sign_in_locked_response,
)
from marketplace.accounts.second_factor import (
    second_factor_check,
    second_factor_enabled,
)
from marketplace.accounts.services import (
    MAX_AGE,
    AccountError,
    confirmation_email_send,
    email_confirm,
    email_is_confirmed,
    pending_signup_for_token,
    signup_finish,
    signup_request,
)
from marketplace.errors import refusal_to_form
from marketplace.next_url import local_next_url, local_path

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
# The browser's unfinished sign-up (its PendingSignup id) and where it was sent.
SIGNUP_SESSION_KEY = "accounts.signup"
# A password that passed, waiting for the second-factor code (not signed in yet).
SIGN_IN_SESSION_KEY = "accounts.sign_in"
SIGN_IN_CODE_SECONDS = 300


def _posted(request):
    """The POST data to bind a form to (an empty POST binds too), else None."""
    return request.POST if request.method == "POST" else None


def safe_next(request, candidate: str, default: str) -> str:
    """``candidate`` (a ``next`` kept from an earlier request) if it is a path
    on this site, else ``default``."""
    return local_path(request, candidate or "") or resolve_url(default)


def _next_url(request, default: str) -> str:
    return local_next_url(request) or resolve_url(default)


# --- Sign-up ------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request):
    next_url = _next_url(request, settings.LOGIN_REDIRECT_URL)
    if request.user.is_authenticated:
        return redirect(next_url)
    form = SignupForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        refusal = account_email_refusal(request, action="signup", email=email)
        if refusal:
            form.add_error(None, refusal)
        else:
            pending_id = signup_request(
                email=email, password=form.cleaned_data["password"], next_url=next_url
            )
            request.session[SIGNUP_SESSION_KEY] = {"id": pending_id, "email": email}
            return redirect("accounts:signup-sent")
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "HEAD"])
def signup_sent(request):
    """The same page whether the address was new or had an account."""
    sent = request.session.get(SIGNUP_SESSION_KEY)
    if not sent:
        return redirect("accounts:signup")
    return render(
        request,
        "accounts/signup_sent.html",
        {"email": sent["email"], "valid_days": MAX_AGE.days},
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def signup_finish_view(request, token: str):
    """Create the account from the emailed link (a button: a mail scanner's GET
    creates nothing). The password is asked only in another browser."""
    pending = pending_signup_for_token(token)
    if pending is None and request.method != "POST":
        return render(
            request,
            "accounts/signup_finish.html",
            {
                "error": _(
                    "This link does not work any more: it was used already, it is "
                    "older than %(days)d days, or a newer sign-up replaced it. "
                    "Sign in, or sign up again."
                )
                % {"days": MAX_AGE.days}
            },
            status=400,
        )
    sent = request.session.get(SIGNUP_SESSION_KEY) or {}
    same_browser = pending is not None and sent.get("id") == pending.pk
    form = SignupFinishForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            finished = signup_finish(
                token=token,
                password=form.cleaned_data["password"],
                same_browser=same_browser,
            )
        except AccountError as error:
            if error.field is None:
                return render(
                    request,
                    "accounts/signup_finish.html",
                    {"error": error.message},
                    status=400,
                )
            refusal_to_form(form, error)
        else:
            request.session.pop(SIGNUP_SESSION_KEY, None)
            login(request, finished.user, backend=MODEL_BACKEND)
            messages.success(
                request,
                _("Welcome to ReMarket. Your account for %(email)s is ready.")
                % {"email": finished.user.email},
            )
            return redirect(
                safe_next(request, finished.next_url, settings.LOGIN_REDIRECT_URL)
            )
    return render(
        request,
        "accounts/signup_finish.html",
        {
            "form": form,
            "email": pending.email if pending else "",
            "ask": not same_browser,
        },
        status=400 if form.errors else 200,
    )


# --- Sign-in ------------------------------------------------------------------------


class SignInView(auth_views.LoginView):
    """Email and password; then, for accounts with two-factor, the code.

    With a second factor the person is not signed in after the password: the
    session only remembers who passed it, for a few minutes, until the code.
    """

    template_name = "accounts/signin.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not second_factor_enabled(user):
            return super().form_valid(form)
        self.request.session[SIGN_IN_SESSION_KEY] = {
            "user": user.pk,
            "username": user.get_username(),
            "backend": user.backend,
            "at": time.time(),
            "next": self.get_success_url(),
        }
        return redirect("accounts:sign-in-code")


def _pending_sign_in(request):
    pending = request.session.get(SIGN_IN_SESSION_KEY)
    if not pending or time.time() - pending.get("at", 0) > SIGN_IN_CODE_SECONDS:
        request.session.pop(SIGN_IN_SESSION_KEY, None)
        return None
    return pending


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_code(request):
    """The second step of signing in: a code from the app, or a recovery code."""
    from django.contrib.auth import get_user_model

    pending = _pending_sign_in(request)
    user = None
    if pending is not None:
        user = (
            get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
        )
    if user is None:
        messages.info(request, _("Sign in again: the code was not entered in time."))
        return redirect("accounts:login")
    username = pending["username"]
    if sign_in_is_locked(request, username=username):
        return sign_in_locked_response(request, None, {"username": username})
    form = CodeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        result = second_factor_check(user=user, code=form.cleaned_data["code"])
        if result.device is not None:
            del request.session[SIGN_IN_SESSION_KEY]
            login(request, user, backend=pending["backend"])
            otp_login(request, result.device)
            return redirect(
                safe_next(request, pending["next"], settings.LOGIN_REDIRECT_URL)
            )
        if sign_in_failed(request, username=username):
            return sign_in_locked_response(request, None, {"username": username})
        form.add_error("code", result.error)
    return render(
        request,
        "accounts/sign_in_code.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


class SignOutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]
    next_page = "home"


@login_required
def account_home(request):
    """Where a sign-in lands: the home the ``ACCOUNT_HOME_CALLABLE`` setting
    gives this person (members: the seller area or their application), the
    shop otherwise."""
    home = import_string(settings.ACCOUNT_HOME_CALLABLE)(request.user)
    return redirect(home or "home")


# --- Confirming an existing account's address --------------------------------------


def confirm(request, token: str):
    try:
        user = email_confirm(token=token)
    except AccountError as error:
        return render(
            request, "accounts/confirm.html", {"error": error.message}, status=400
        )
    return render(request, "accounts/confirm.html", {"confirmed_email": user.email})


@require_POST
@login_required
def confirm_resend(request):
    next_url = _next_url(request, settings.LOGIN_REDIRECT_URL)
    if email_is_confirmed(request.user):
        messages.info(request, "Your email address is already confirmed.")
        return redirect(next_url)
    refusal = account_email_refusal(request, action="resend", email=request.user.email)
    if refusal:
        messages.error(request, refusal)
        return redirect(next_url)
    confirmation_email_send(user=request.user)
    messages.success(
        request,
        f"We sent a new link to {request.user.email}. "
        f"It is valid for {MAX_AGE.days} days.",
    )
    return redirect(next_url)
