"""Who may open the seller dashboard, and the frame every seller page shares.

The refurbisher a page shows is always the signed-in person's own, read from
their membership; no refurbisher id ever comes from the URL or a form. Views
scope every query by ``request.refurbisher``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext_lazy

from refurbishers.models import MemberRole, RefurbisherStatus
from refurbishers.selectors import membership_for_user

APPLY_URL = "/seller/apply/"
# A refurbisher in these states has no dashboard yet: its page is the application.
APPLYING = (
    RefurbisherStatus.DRAFT,
    RefurbisherStatus.SUBMITTED,
    RefurbisherStatus.IN_REVIEW,
    RefurbisherStatus.CHANGES_REQUESTED,
    RefurbisherStatus.REJECTED,
)
OWNER_ONLY_MESSAGE = gettext_lazy(
    "Only an owner of %(name)s can manage its team. Ask an owner to make this change."
)

# The left navigation of UI.md: (key, label, URL name or path). Items without
# a page yet are shown as text marked "soon", never as dead links.
NAV = (
    ("overview", gettext_lazy("Overview"), "seller:overview"),
    ("listings", gettext_lazy("Listings"), "/seller/listings/"),
    ("orders", gettext_lazy("Orders"), "seller:orders"),
    ("claims", gettext_lazy("Claims and returns"), "/seller/claims/"),
    ("messages", gettext_lazy("Messages"), "seller:messages"),
    ("payouts", gettext_lazy("Payouts"), "/seller/payouts/"),
    ("reviews", gettext_lazy("Reviews"), "/seller/reviews/"),
    ("performance", gettext_lazy("Performance"), "/seller/performance/"),
    ("api", gettext_lazy("API tokens"), "/seller/api-tokens/"),
    ("team", gettext_lazy("Team"), "seller:team"),
    ("application", gettext_lazy("Application"), APPLY_URL),
)


def _url(target: str | None) -> str | None:
    if target is None:
        return None
    if not target.startswith("/"):
        return reverse(target)
    try:
        resolve(target)
    except Resolver404:
        return None
    return target


def seller_nav(current: str) -> list[dict]:
    return [
        {"key": key, "label": label, "url": _url(target), "current": key == current}
        for key, label, target in NAV
    ]


def seller_render(
    request: HttpRequest,
    template: str,
    context: dict | None = None,
    *,
    current: str,
    status: int = 200,
) -> HttpResponse:
    """Render a seller page inside the dashboard frame (navigation, team badge)."""
    membership = request.membership
    frame = {
        "membership": membership,
        "refurbisher": membership.refurbisher,
        "is_owner": membership.role == MemberRole.OWNER,
        "nav": seller_nav(current),
    }
    return render(request, template, {**frame, **(context or {})}, status=status)


def seller_forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return seller_render(
        request, "seller/forbidden.html", {"message": message},
        current="", status=403,
    )  # fmt: skip


def member_required(
    view: Callable | None = None, *, owner: bool = False, approved: bool = True
):
    """Let in signed-in members of a refurbisher; set ``request.membership``.

    Anonymous people go to the sign-in page; a signed-in person who works for
    no refurbisher gets an invitation to apply; members of a refurbisher that
    is still applying go to the application (unless ``approved=False``); with
    ``owner=True`` staff members get a 403 page saying who may do it.
    """

    def decorate(view_func: Callable) -> Callable:
        @wraps(view_func)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = membership_for_user(request.user)
            if membership is None:
                return render(request, "seller/not_member.html")
            if approved and membership.refurbisher.status in APPLYING:
                return redirect(APPLY_URL)
            request.membership = membership
            request.refurbisher = membership.refurbisher
            # The shop's header reads user.membership: answer it from here.
            request.user.membership = membership
            if owner and membership.role != MemberRole.OWNER:
                return seller_forbidden(
                    request,
                    OWNER_ONLY_MESSAGE % {"name": membership.refurbisher.name},
                )
            return view_func(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
