"""Sign up, sign in and out, and confirm an email address: thin views."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.accounts.forms import EmailAuthenticationForm, SignupForm
from marketplace.accounts.services import (
    MAX_AGE,
    AccountError,
    confirmation_email_send,
    email_confirm,
    email_is_confirmed,
    user_signup,
)
from marketplace.next_url import local_next_url
from refurbishers.models import RefurbisherStatus
from refurbishers.selectors import membership_for_user

# A member of a refurbisher in these states has a dashboard to go to.
DASHBOARD_STATUSES = {
    RefurbisherStatus.TRIAL,
    RefurbisherStatus.ACTIVE,
    RefurbisherStatus.SUSPENDED,
}


def _posted(request):
    """The POST data to bind a form to (an empty POST binds too), else None."""
    return request.POST if request.method == "POST" else None


def _next_url(request, default: str) -> str:
    return local_next_url(request) or resolve_url(default)


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request):
    next_url = _next_url(request, settings.LOGIN_REDIRECT_URL)
    if request.user.is_authenticated:
        return redirect(next_url)
    form = SignupForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            user = user_signup(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
            )
        except AccountError as error:
            form.add_error(error.field, error.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                f"Welcome to ReMarket. We sent a link to {user.email}: "
                "open it to confirm your address.",
            )
            return redirect(next_url)
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


class SignInView(auth_views.LoginView):
    template_name = "accounts/signin.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]
    next_page = "home"


@login_required
def account_home(request):
    """Where a sign-in lands: the seller area for members, the shop otherwise."""
    membership = membership_for_user(request.user)
    if membership is None:
        return redirect("home")
    if membership.refurbisher.status in DASHBOARD_STATUSES:
        return redirect("/seller/")
    return redirect("apply")


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
    if email_is_confirmed(request.user):
        messages.info(request, "Your email address is already confirmed.")
    else:
        confirmation_email_send(user=request.user)
        messages.success(
            request,
            f"We sent a new link to {request.user.email}. "
            f"It is valid for {MAX_AGE.days} days.",
        )
    return redirect(_next_url(request, settings.LOGIN_REDIRECT_URL))
