"""Payout account changes in the admin: who changed it, to what, and the hold.

QA sees every change (newest first, held ones filterable) and may release a
hold sooner with "Release the payout hold", once they have checked the change
with the seller; the reason is kept on the change, with who and when.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.admin_actions import action_with_form
from orders.admin import ReadOnlyAdmin
from orders.models import PayoutAccountChange
from orders.services.payout_account import PayoutRefused, payout_account_hold_release

RELEASE_PERMISSION = "orders.release_payoutaccountchange"


class HoldFilter(admin.SimpleListFilter):
    title = _("hold")
    parameter_name = "hold"

    def lookups(self, request, model_admin):
        return [("held", _("Payouts held now")), ("released", _("Released by QA"))]

    def queryset(self, request, queryset):
        if self.value() == "held":
            return queryset.filter(
                released_at__isnull=True, held_until__gt=timezone.now()
            )
        if self.value() == "released":
            return queryset.filter(released_at__isnull=False)
        return queryset


class ReleaseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the hold can end"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Who confirmed the change with the seller, and how (for example: "
            "called the owner on the number in the application)."
        ),
    )


@admin.register(PayoutAccountChange)
class PayoutAccountChangeAdmin(ReadOnlyAdmin):
    list_display = [
        "refurbisher", "from_account", "to_account", "changed_by", "changed_at",
        "held_until", "released_at", "released_by",
    ]  # fmt: skip
    list_filter = [HoldFilter, "changed_at"]
    list_select_related = ["refurbisher", "changed_by", "released_by"]
    search_fields = ["refurbisher__name", "to_account", "from_account"]
    date_hierarchy = "changed_at"
    actions = ["release"]

    def has_release_permission(self, request) -> bool:
        return request.user.has_perm(RELEASE_PERMISSION)

    @admin.action(description=_("Release the payout hold"), permissions=["release"])
    def release(self, request, queryset: QuerySet):
        return action_with_form(
            self, request, queryset.order_by("pk"),
            form_class=ReleaseForm,
            title=_("Release the payout hold"),
            submit=_("Release"),
            run_each=lambda change, data: payout_account_hold_release(
                change=change, actor=request.user, reason=data["reason"]
            ),
            done=lambda change: _("hold released; pending payouts are sent now."),
            refusal=PayoutRefused,
            label=lambda change: f"{change.refurbisher}: {change.to_account}",
        )  # fmt: skip
