"""Warranty claims in the admin: QA decides the escalated ones.

Read-only except for the "Decide" action, whose intermediate page asks for the
remedy, a refund amount if any, and the note sent to both sides, then calls
``claim_decide`` once per claim (each in its own transaction). The list opens
with the escalated claims first: they are QA's queue.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.db.models import Case, IntegerField, QuerySet, When
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy

from marketplace.admin_actions import BACK_TO_OBJECT, action_with_form
from orders.models import (
    ClaimPhoto,
    ClaimRemedy,
    ClaimStatus,
    ClaimStatusChange,
    WarrantyClaim,
)
from orders.services.claims import (
    QA_PERMISSION,
    TEXT_MAX_CHARS,
    ClaimRefused,
    claim_decide,
)

DECIDE_TEMPLATE = "admin/orders/warrantyclaim/decide.html"
Status = ClaimStatus


class ClaimStatusFilter(admin.SimpleListFilter):
    """Status, with QA's queue (escalated) offered first."""

    title = gettext_lazy("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        first = [(Status.ESCALATED.value, Status.ESCALATED.label)]
        return first + [
            (value, label)
            for value, label in Status.choices
            if value != Status.ESCALATED
        ]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() in Status.values:
            return queryset.filter(status=self.value())
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    """Open claims past the seller's answer time (the job escalates them)."""

    title = gettext_lazy("seller's answer")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", gettext("Overdue"))]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(
                status=Status.OPEN, answer_due_at__lte=timezone.now()
            )
        return queryset


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ClaimPhotoInline(_ReadOnlyInline):
    model = ClaimPhoto
    fields = ["preview", "content_type", "created_at"]
    readonly_fields = fields

    class Media:
        # The preview's size lives in a file: the CSP allows no inline style.
        css = {"all": ["css/admin-claims.css"]}

    @admin.display(description=gettext_lazy("Photo"))
    def preview(self, photo: ClaimPhoto):
        url = reverse("claim-photo", args=[photo.pk])
        return format_html(
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="{}"'
            ' class="claim-photo-preview"></a>',
            url, url, gettext("Photo %(number)s of the claim") % {"number": photo.pk},
        )  # fmt: skip


class ClaimStatusChangeInline(_ReadOnlyInline):
    model = ClaimStatusChange
    verbose_name = gettext_lazy("status change")
    verbose_name_plural = gettext_lazy("Status history")
    fields = ["created_at", "from_status", "to_status", "actor_name", "reason"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=gettext_lazy("By"))
    def actor_name(self, change: ClaimStatusChange) -> str:
        return str(change.actor) if change.actor_id else gettext("System or guest")


class DecideForm(forms.Form):
    remedy = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=ClaimRemedy.choices,
        widget=forms.RadioSelect,
    )
    refund_amount = forms.DecimalField(
        label=gettext_lazy("Refund amount"),
        required=False,
        min_value=0.01,
        max_digits=10,
        decimal_places=2,
        help_text=gettext_lazy("For a refund only: at most the device's price."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note to the shopper and the seller"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=TEXT_MAX_CHARS,
        help_text=gettext_lazy(
            "Why ReMarket decides this way; both sides receive it by email."
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("remedy") == ClaimRemedy.REFUND and not data.get("refund_amount"):
            self.add_error("refund_amount", gettext("Give the amount to refund."))
        return data


@admin.register(WarrantyClaim)
class WarrantyClaimAdmin(admin.ModelAdmin):
    list_display = [
        "claim", "order_reference", "refurbisher", "problem", "status",
        "answer_due_at", "overdue", "created_at",
    ]  # fmt: skip
    list_filter = [ClaimStatusFilter, "problem", "refurbisher", OverdueFilter]
    list_select_related = ["seller_order__order", "refurbisher"]
    search_fields = [
        "seller_order__order__reference", "warranty__unit__serial",
        "seller_order__order__email", "filed_by__email",
    ]  # fmt: skip
    date_hierarchy = "created_at"
    inlines = [ClaimPhotoInline, ClaimStatusChangeInline]
    actions = ["decide"]
    fieldsets = [
        (None, {"fields": ["status", "order_reference", "shopper", "refurbisher"]}),
        (gettext_lazy("Device"), {"fields": ["device", "serial", "warranty_dates"]}),
        (
            gettext_lazy("The shopper's report"),
            {"fields": ["problem", "description", "created_at"]},
        ),
        (
            gettext_lazy("The seller's answer"),
            {
                "fields": [
                    "answer_due_at", "reminded_at", "seller_remedy",
                    "seller_message", "refund_amount", "answered_at",
                ]
            },
        ),
        (
            gettext_lazy("The shopper's reply"),
            {"fields": ["accepted_at", "escalated_at", "escalation_reason"]},
        ),
        (
            gettext_lazy("ReMarket's decision"),
            {"fields": ["qa_remedy", "qa_note", "decided_by", "decided_at", "refund"]},
        ),
    ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return [name for _, options in self.fieldsets for name in options["fields"]]

    def get_ordering(self, request):
        # Escalated claims first: they wait for QA.
        queue_first = Case(
            When(status=Status.ESCALATED, then=0),
            default=1,
            output_field=IntegerField(),
        )
        return [queue_first.asc(), "-created_at", "-pk"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "seller_order__order", "refurbisher", "warranty__line",
                "warranty__unit", "decided_by", "refund",
            )
        )  # fmt: skip

    def has_add_permission(self, request):
        return False  # a claim is filed by its shopper, on the site

    def has_change_permission(self, request, obj=None):
        return False  # every change goes through a service (the action)

    def has_delete_permission(self, request, obj=None):
        return False  # the claim and its history outlive any mistake

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm(QA_PERMISSION)

    # Columns and read-only displays.

    @admin.display(description=gettext_lazy("Claim"), ordering="pk")
    def claim(self, claim: WarrantyClaim) -> str:
        return gettext("Claim %(claim)s") % {"claim": claim.pk}

    @admin.display(
        description=gettext_lazy("Order"), ordering="seller_order__order__reference"
    )
    def order_reference(self, claim: WarrantyClaim) -> str:
        return claim.seller_order.order.reference

    @admin.display(description=gettext_lazy("Shopper"))
    def shopper(self, claim: WarrantyClaim) -> str:
        return claim.seller_order.order.email

    @admin.display(description=gettext_lazy("Device"))
    def device(self, claim: WarrantyClaim) -> str:
        line = claim.warranty.line
        return f"{line.title} ({line.variant_label}), {line.unit_price} {line.currency}"

    @admin.display(description=gettext_lazy("Serial or IMEI"))
    def serial(self, claim: WarrantyClaim) -> str:
        return claim.warranty.unit.serial

    @admin.display(description=gettext_lazy("Warranty"))
    def warranty_dates(self, claim: WarrantyClaim) -> str:
        warranty = claim.warranty
        return gettext("%(months)s months, %(start)s to %(end)s") % {
            "months": warranty.months,
            "start": f"{warranty.starts_at:%d %b %Y}",
            "end": f"{warranty.ends_at:%d %b %Y}",
        }

    @admin.display(description=gettext_lazy("Overdue"), boolean=True)
    def overdue(self, claim: WarrantyClaim) -> bool:
        return claim.status == Status.OPEN and claim.answer_due_at <= timezone.now()

    # The change page: a "Decide" button on an escalated claim.

    def change_view(self, request, object_id, form_url="", extra_context=None):
        claim = self.get_object(request, object_id)
        decidable = (
            claim is not None
            and claim.status == Status.ESCALATED
            and self.has_decide_permission(request)
        )
        extra_context = {
            **(extra_context or {}),
            "decidable": decidable,
            "back_to_object": BACK_TO_OBJECT,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    # The action.

    @admin.action(description=gettext_lazy("Decide"), permissions=["decide"])
    def decide(self, request, queryset: QuerySet):
        """Ask for the decision on its own page, then decide each claim."""
        return action_with_form(
            self, request, queryset.order_by("pk"),
            form_class=DecideForm,
            title=gettext("Decide the warranty claim"),
            run_each=lambda claim, data: claim_decide(
                claim=claim, actor=request.user, remedy=data["remedy"],
                note=data["note"], refund_amount=data.get("refund_amount"),
            ),
            done=lambda claim: gettext(
                "decided; the shopper and the seller were told."
            ),
            refusal=ClaimRefused,
            label=lambda claim: gettext("Claim %(claim)s") % {"claim": claim.pk},
            template=DECIDE_TEMPLATE,
        )  # fmt: skip
