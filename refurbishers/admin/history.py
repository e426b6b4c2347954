"""Every refurbisher status change, read-only: who made it, when, from, to and why."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy

from refurbishers.models import RefurbisherStatusChange


class _AuditTrail:
    """The audit trail is written by the services only; nobody edits it here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("By"), ordering="actor__email")
    def actor_name(self, change: RefurbisherStatusChange) -> str:
        return str(change.actor) if change.actor_id else "System"


class StatusHistoryInline(_AuditTrail, admin.TabularInline):
    model = RefurbisherStatusChange
    verbose_name = gettext_lazy("status change")
    verbose_name_plural = gettext_lazy("Status history (newest first)")
    fields = ["created_at", "from_status", "to_status", "actor_name", "reason"]
    readonly_fields = fields
    extra = 0
    # A plain read-only table (the stock one titles each row with its __str__).
    template = "admin/refurbishers/refurbisher/status_history_inline.html"

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("actor")
        return queryset.order_by("-created_at", "-pk")


@admin.register(RefurbisherStatusChange)
class RefurbisherStatusChangeAdmin(_AuditTrail, admin.ModelAdmin):
    list_display = [
        "created_at", "refurbisher", "from_status", "to_status", "actor_name",
        "reason",
    ]  # fmt: skip
    list_display_links = ["created_at"]
    list_filter = [
        "to_status",
        "from_status",
        ("actor", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["refurbisher", "actor"]
    search_fields = ["refurbisher__name", "actor__email", "reason"]
    date_hierarchy = "created_at"
    fields = [
        "refurbisher", "created_at", "from_status", "to_status", "actor_name",
        "reason",
    ]  # fmt: skip
    readonly_fields = fields
