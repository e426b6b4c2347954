"""The Django admin for QA staff: one sign-in with the site, a second factor required.

The admin has no login form of its own: its login page sends people to the
site's sign-in (limited by django-axes, with the code step), so there is one
way in to guard. A staff member whose session has not passed a second factor
is sent to enter a code, or to set up an authenticator app first; until then
no admin page opens.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.shortcuts import redirect, render
from django.urls import reverse

# Loaded with the app registry, before models: anything that imports a model
# (the accounts helpers, django.contrib.auth.views) is imported where used.
REDIRECT_FIELD_NAME = "next"


class RemarketAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        from marketplace.accounts.access import session_is_verified

        return super().has_permission(request) and session_is_verified(request)

    def login(self, request, extra_context=None):
        from django.contrib.auth.views import redirect_to_login

        from marketplace.accounts.access import second_factor_url
        from marketplace.accounts.views import safe_next

        index = reverse("admin:index", current_app=self.name)
        next_url = safe_next(
            request,
            request.GET.get(REDIRECT_FIELD_NAME)
            or request.POST.get(REDIRECT_FIELD_NAME),
            index,
        )
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url, reverse("accounts:login"))
        if not (user.is_active and user.is_staff):
            return render(request, "accounts/admin_refused.html", status=403)
        if self.has_permission(request):
            return redirect(next_url)
        return redirect(second_factor_url(user, next_url))


class AdminConfig(DjangoAdminConfig):
    default_site = "marketplace.admin_site.RemarketAdminSite"
