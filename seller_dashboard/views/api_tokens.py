"""The seller's API keys: the list, creating a named key, revoking one.

The full key exists only in the response to the POST that created it: it is
never stored, put in a URL or a redirect, and that response is not cached.
Keys are looked up within the member's own refurbisher, so another seller's
key is a 404 that reveals nothing. Any member may create or revoke a key, as
any member may edit listings; creating one needs a session that passed a
second factor (a key acts as the refurbisher, like its people), revoking
does not (it only takes access away).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from marketplace.accounts.access import second_factor_url, session_is_verified
from marketplace.accounts.second_factor import second_factor_enabled
from refurbishers.exceptions import RefurbisherError
from refurbishers.models import ApiToken, Refurbisher
from refurbishers.services.api_tokens import (
    LIVE_KEYS_MAX,
    api_token_create,
    api_token_revoke,
)
from seller_dashboard.forms_api_tokens import ApiTokenCreateForm
from seller_dashboard.views.access import member_required, seller_render

# Revoked keys stay listed for the audit trail; the newest few are enough here.
REVOKED_SHOWN = 50


def api_keys_of(refurbisher: Refurbisher) -> tuple[list[ApiToken], list[ApiToken]]:
    """(live keys, the latest revoked keys), newest first, with who made them."""
    tokens = ApiToken.objects.filter(refurbisher=refurbisher).select_related(
        "created_by", "revoked_by"
    )
    live = list(tokens.filter(revoked_at__isnull=True).order_by("-created_at", "-pk"))
    revoked = list(
        tokens.filter(revoked_at__isnull=False).order_by("-revoked_at", "-pk")[
            : REVOKED_SHOWN + 1
        ]
    )
    return live, revoked


def _page(request, *, form=None, new_key: str = "", new_token=None, status=200):
    live, revoked = api_keys_of(request.refurbisher)
    return seller_render(
        request,
        "seller/api_tokens.html",
        {
            "live": live,
            "revoked": revoked[:REVOKED_SHOWN],
            "revoked_more": len(revoked) > REVOKED_SHOWN,
            "live_max": LIVE_KEYS_MAX,
            "form": form or ApiTokenCreateForm(),
            "new_key": new_key,
            "new_token": new_token,
            "api_base": request.build_absolute_uri("/api/v1/"),
            "verified": session_is_verified(request),
            "second_factor_on": second_factor_enabled(request.user),
            "second_factor_url": second_factor_url(
                request.user, reverse("seller:api-tokens")
            ),
        },
        current="api",
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def api_tokens(request):
    if request.method != "POST":
        return _page(request)
    if not session_is_verified(request):
        # The page explains it and links to the code or the set-up.
        return _page(request, status=403)
    form = ApiTokenCreateForm(request.POST)
    if form.is_valid():
        try:
            token, key = api_token_create(
                refurbisher=request.refurbisher,
                actor=request.user,
                name=form.cleaned_data["name"],
            )
        except RefurbisherError as error:
            form.add_error(error.field if error.field else None, error.message)
        else:
            # Shown in this response only: a redirect would need the key in a
            # URL or the session. A fresh form, so it is not made twice.
            response = _page(request, new_key=key, new_token=token, status=201)
            add_never_cache_headers(response)
            return response
    return _page(request, form=form, status=400)


def _own_token(request, token_id: int) -> ApiToken:
    token = (
        ApiToken.objects.filter(refurbisher=request.refurbisher, pk=token_id)
        .select_related("created_by", "revoked_by")
        .first()
    )
    if token is None:
        raise Http404("No such API key.")
    return token


@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def api_token_revoke_view(request, token_id: int):
    """Ask before revoking (works without JavaScript); the POST revokes."""
    token = _own_token(request, token_id)
    if request.method != "POST":
        return seller_render(
            request,
            "seller/api_tokens.html",
            {"revoking": token},
            current="api",
        )
    was_live = token.revoked_at is None
    api_token_revoke(token=token, actor=request.user)
    if was_live:
        messages.success(
            request,
            gettext(
                "The key “%(name)s” (rmk_%(prefix)s_…) is revoked: "
                "calls with it are refused from now on."
            )
            % {"name": token.name, "prefix": token.prefix},
        )
    else:
        messages.info(
            request,
            gettext("The key “%(name)s” was already revoked.") % {"name": token.name},
        )
    return redirect("seller:api-tokens")
