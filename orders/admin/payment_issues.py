"""Payments QA must know about: ones that did not match their order, and disputes.

Both are read-only records kept by the payment event processing. A payment
that did not match its order was refunded whole automatically; QA looks into
why and marks it reviewed ("Mark reviewed", with a note), which takes it off
the admin index's queue. Disputes are shown with their status, reason and the
date Stripe needs an answer by, with every seller order they concern.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketplace.admin_actions import action_with_form
from orders.admin import ReadOnlyAdmin
from orders.exceptions import OrderError
from orders.models import CLOSED_DISPUTE_STATUSES, PaymentDispute, PaymentMismatch
from orders.services.payment_mismatches import payment_mismatch_review

REVIEW_PERMISSION = "orders.change_paymentmismatch"


class ReviewedFilter(admin.SimpleListFilter):
    title = _("reviewed")
    parameter_name = "reviewed"

    def lookups(self, request, model_admin):
        return [("no", _("To review")), ("yes", _("Reviewed"))]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() in ("no", "yes"):
            return queryset.filter(reviewed_at__isnull=self.value() == "no")
        return queryset


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=_("What QA found"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@admin.register(PaymentMismatch)
class PaymentMismatchAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__", "order_reference", "paid", "expected", "refund_state",
        "created_at", "reviewed_at",
    ]  # fmt: skip
    list_filter = [ReviewedFilter, "paid_currency", "created_at"]
    list_select_related = ["order", "refund"]
    search_fields = ["order__reference", "payment_intent_id", "provider_event_id"]
    date_hierarchy = "created_at"
    actions = ["mark_reviewed"]

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm(REVIEW_PERMISSION)

    @admin.display(description=_("Order"), ordering="order__reference")
    def order_reference(self, mismatch: PaymentMismatch) -> str:
        return mismatch.order.reference

    @admin.display(description=_("Paid"))
    def paid(self, mismatch: PaymentMismatch) -> str:
        return f"{mismatch.paid_amount_minor} {mismatch.paid_currency} (minor units)"

    @admin.display(description=_("Order total"))
    def expected(self, mismatch: PaymentMismatch) -> str:
        return f"{mismatch.expected_amount} {mismatch.expected_currency}"

    @admin.display(description=_("Refund"))
    def refund_state(self, mismatch: PaymentMismatch) -> str:
        if mismatch.refund is None:
            return mismatch.note
        return f"{mismatch.refund} ({mismatch.refund.get_status_display()})"

    @admin.action(description=_("Mark reviewed"), permissions=["review"])
    def mark_reviewed(self, request, queryset: QuerySet):
        return action_with_form(
            self, request, queryset.order_by("pk"),
            form_class=ReviewForm, title=gettext("Mark reviewed"),
            submit=gettext("Mark reviewed"), refusal=OrderError,
            run_each=lambda mismatch, data: payment_mismatch_review(
                mismatch=mismatch, actor=request.user, note=data["note"]
            ),
            done=lambda mismatch: gettext("reviewed."),
        )  # fmt: skip


class DisputedSellerOrderInline(admin.TabularInline):
    model = PaymentDispute.seller_orders.through
    verbose_name = _("seller order concerned")
    verbose_name_plural = _("seller orders concerned")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OpenDisputeFilter(admin.SimpleListFilter):
    title = _("open")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("Open")), ("no", _("Closed"))]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.exclude(status__in=CLOSED_DISPUTE_STATUSES)
        if self.value() == "no":
            return queryset.filter(status__in=CLOSED_DISPUTE_STATUSES)
        return queryset


@admin.register(PaymentDispute)
class PaymentDisputeAdmin(ReadOnlyAdmin):
    list_display = [
        "provider_dispute_id", "order", "amount", "currency", "reason", "status",
        "evidence_due_by", "opened_at", "closed_at",
    ]  # fmt: skip
    list_filter = [OpenDisputeFilter, "status", "reason", "opened_at"]
    list_select_related = ["order"]
    search_fields = [
        "provider_dispute_id", "order__reference", "payment_intent_id", "charge_id",
    ]  # fmt: skip
    date_hierarchy = "opened_at"
    exclude = ["seller_orders"]
    inlines = [DisputedSellerOrderInline]
