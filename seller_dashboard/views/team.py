"""The team page: members and invitations; owners invite, cancel and remove.

Staff see the team but not the controls, and their POSTs get a 403 page. Ids
in URLs are looked up within the member's own refurbisher only, so another
refurbisher's invitation or member is a 404 that reveals nothing.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_lazy, ngettext_lazy
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from refurbishers.exceptions import RefurbisherError
from refurbishers.models import Invitation, Membership, Refurbisher
from refurbishers.services.members import (
    INVITATION_DAYS,
    invitation_accept,
    invitation_cancel,
    invitation_create,
    invitation_for_token,
    membership_remove,
)
from seller_dashboard.views.access import (
    OWNER_ONLY_MESSAGE,
    member_required,
    seller_forbidden,
    seller_render,
)


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Email address"),
        max_length=254,
        help_text=ngettext_lazy(
            "They get a link to join as staff, valid %(days)d day.",
            "They get a link to join as staff, valid %(days)d days.",
            "days",
        )
        % {"days": INVITATION_DAYS},
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


def team_members(refurbisher: Refurbisher) -> list[Membership]:
    return list(
        Membership.objects.filter(refurbisher=refurbisher)
        .select_related("user")
        .order_by("role", "created_at", "pk")
    )


def team_invitations(refurbisher: Refurbisher) -> list[Invitation]:
    """Invitations not accepted yet, newest first, each marked expired or not."""
    now = timezone.now()
    invitations = list(
        Invitation.objects.filter(refurbisher=refurbisher, accepted_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at", "-pk")
    )
    for invitation in invitations:
        invitation.is_expired = invitation.expires_at <= now
    return invitations


def _team_page(request, *, form=None, error: str = "", status: int = 200):
    refurbisher = request.refurbisher
    return seller_render(
        request,
        "seller/team.html",
        {
            "members": team_members(refurbisher),
            "invitations": team_invitations(refurbisher),
            "form": form or InvitationForm(),
            "error": error,
        },
        current="team",
        status=status,
    )


def _forbidden(request):
    return seller_forbidden(
        request, OWNER_ONLY_MESSAGE % {"name": request.refurbisher.name}
    )


@require_safe
@member_required
def team(request):
    return _team_page(request)


@require_POST
@member_required(owner=True)
def team_invite(request):
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = invitation_create(
                refurbisher=request.refurbisher,
                actor=request.user,
                email=form.cleaned_data["email"],
            )
        except PermissionDenied:
            return _forbidden(request)
        except RefurbisherError as error:
            form.add_error("email", error.message)
        else:
            messages.success(
                request,
                gettext("Invitation sent to %(email)s.") % {"email": invitation.email},
            )
            return redirect("seller:team")
    return _team_page(request, form=form, status=400)


@require_POST
@member_required(owner=True)
def team_invitation_cancel(request, invitation_id: int):
    try:
        invitation = invitation_cancel(
            refurbisher=request.refurbisher,
            actor=request.user,
            invitation_id=invitation_id,
        )
    except PermissionDenied:
        return _forbidden(request)
    except Invitation.DoesNotExist:
        raise Http404("No such invitation.") from None
    messages.success(
        request,
        gettext("The invitation to %(email)s is cancelled.")
        % {"email": invitation.email},
    )
    return redirect("seller:team")


@require_POST
@member_required(owner=True)
def team_member_remove(request, membership_id: int):
    try:
        membership = membership_remove(
            refurbisher=request.refurbisher,
            actor=request.user,
            membership_id=membership_id,
        )
    except PermissionDenied:
        return _forbidden(request)
    except Membership.DoesNotExist:
        raise Http404("No such member.") from None
    except RefurbisherError as error:
        return _team_page(request, error=error.message, status=409)
    name = membership.user.get_full_name() or membership.user.email
    messages.success(
        request, gettext("%(name)s is no longer on the team.") % {"name": name}
    )
    return redirect("seller:team")


@require_http_methods(["GET", "HEAD", "POST"])
def invitation_respond(request, token: str):
    """Show an invitation; the invited person accepts it with a POST."""
    invitation = invitation_for_token(token)
    if invitation is None:
        return render(
            request, "seller/invitation.html", {"state": "unknown"}, status=404
        )
    now = timezone.now()
    user = request.user
    if invitation.accepted_at is not None:
        state, status = "used", 410
    elif invitation.expires_at <= now:
        state, status = "expired", 410
    elif not user.is_authenticated:
        state, status = "sign_in", 200
    elif (user.email or "").lower() != invitation.email.lower():
        state, status = "other_account", 403
    elif Membership.objects.filter(user=user).exists():
        state, status = "member_elsewhere", 409
    else:
        state, status = "ready", 200
    error = ""
    if request.method == "POST" and state == "ready":
        try:
            invitation_accept(token=token, user=user)
        except RefurbisherError as refused:
            error, status = refused.message, 409
        else:
            messages.success(
                request,
                gettext("Welcome to the team of %(name)s.")
                % {"name": invitation.refurbisher.name},
            )
            return redirect("seller:overview")
    elif request.method == "POST":
        status = max(status, 400)
    return render(
        request,
        "seller/invitation.html",
        {
            "invitation": invitation,
            "state": state,
            "error": error,
            "login_url": _login_url(request),
        },
        status=status,
    )


def _login_url(request) -> str:
    return f"{settings.LOGIN_URL}?{urlencode({'next': request.get_full_path()})}"
