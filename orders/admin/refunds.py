"""Refunds in the admin: what went back, why, and QA's goodwill refunds.

Read-only: a refund is decided by a service (a cancellation, a return, a
claim, a late payment, QA's goodwill) and sent by ``refund_send``. QA may
"Send again" a refund still being sent, and refund part of a seller order as
a goodwill gesture from the seller order list or page (the SellerOrder
admin's action, whose intermediate page is built here).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_lazy

from marketplace.admin_actions import action_with_form
from orders.admin import ReadOnlyAdmin
from orders.models import Refund, RefundReason, RefundStatus
from orders.services.refunds import (
    RefundRefused,
    refund_issue,
    refund_send_again,
    refundable_amount,
)

GOODWILL_TEMPLATE = "admin/orders/sellerorder/goodwill_refund.html"
# QA's permissions (the QA group holds both): a goodwill refund adds a refund,
# sending one again changes it.
GOODWILL_PERMISSION = "orders.add_refund"
SEND_AGAIN_PERMISSION = "orders.change_refund"


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = [
        "refund", "order_reference", "seller", "amount", "currency", "reason",
        "status", "attempts", "created_at", "succeeded_at",
    ]  # fmt: skip
    list_filter = ["status", "reason", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["order", "seller_order__refurbisher"]
    search_fields = ["order__reference", "order__email", "provider_refund_id"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    actions = ["send_again"]
    fieldsets = [
        (None, {"fields": ["order_reference", "shopper", "seller"]}),
        (
            gettext_lazy("Refund"),
            {"fields": ["amount", "currency", "reason", "note", "requested_by"]},
        ),
        (
            gettext_lazy("Payment provider"),
            {
                "fields": [
                    "status", "attempts", "failure_message", "provider_refund_id",
                    "idempotency_key", "created_at", "succeeded_at",
                ]
            },
        ),
    ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return [name for _, options in self.fieldsets for name in options["fields"]]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("order", "seller_order__refurbisher", "requested_by")
        )

    def has_send_again_permission(self, request) -> bool:
        return request.user.has_perm(SEND_AGAIN_PERMISSION)

    @admin.display(description=gettext_lazy("Refund"), ordering="pk")
    def refund(self, refund: Refund) -> str:
        return gettext("Refund %(refund)s") % {"refund": refund.pk}

    @admin.display(description=gettext_lazy("Order"), ordering="order__reference")
    def order_reference(self, refund: Refund) -> str:
        return refund.order.reference

    @admin.display(description=gettext_lazy("Shopper"))
    def shopper(self, refund: Refund) -> str:
        return refund.order.email

    @admin.display(description=gettext_lazy("Seller"))
    def seller(self, refund: Refund) -> str:
        if refund.seller_order_id is None:
            return gettext("Whole order")
        return refund.seller_order.refurbisher.name

    @admin.display(description=gettext_lazy("Idempotency key"))
    def idempotency_key(self, refund: Refund) -> str:
        return refund.idempotency_key

    @admin.action(description=gettext_lazy("Send again"), permissions=["send_again"])
    def send_again(self, request, queryset: QuerySet):
        """Send each selected refund still being sent, with its own key."""
        for refund in queryset.order_by("pk"):
            try:
                refund = refund_send_again(refund=refund, actor=request.user)
            except RefundRefused as refusal:
                self.message_user(request, refusal.message, messages.WARNING)
                continue
            if refund.status == RefundStatus.SUCCEEDED:
                self.message_user(
                    request,
                    gettext("Refund %(refund)s: refunded.") % {"refund": refund.pk},
                    messages.SUCCESS,
                )
            else:
                values = {"refund": refund.pk, "problem": refund.failure_message}
                message = (
                    gettext(
                        "Refund %(refund)s: not sent (%(problem)s); it is being "
                        "refunded."
                    )
                    if refund.status == RefundStatus.PENDING
                    else gettext(
                        "Refund %(refund)s: not sent (%(problem)s); it is refund "
                        "failed."
                    )
                )
                self.message_user(request, message % values, messages.ERROR)


# --- The SellerOrder admin's goodwill action ---------------------------------


class GoodwillRefundForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount"),
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        help_text=gettext_lazy(
            "In the order's currency; at most what is left to refund."
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("Note to the shopper"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Why ReMarket refunds this: shown on the order page and in the "
            "refund email."
        ),
    )


def seller_order_goodwill_refund(model_admin, request, queryset: QuerySet):
    """Ask for the amount and note on its own page, then refund (goodwill).

    One seller order at a time: the amount is for that seller order, within
    what is left to refund on it.
    """
    if queryset.count() != 1:
        model_admin.message_user(
            request,
            gettext("Choose one seller order for a goodwill refund."),
            messages.WARNING,
        )
        return None
    seller_order = queryset.select_related("order", "refurbisher").get()
    order = seller_order.order

    def issue(data: dict) -> None:
        refund = refund_issue(
            order=order, seller_order=seller_order, amount=data["amount"],
            reason=RefundReason.GOODWILL, note=data["note"], actor=request.user,
        )  # fmt: skip
        model_admin.message_user(
            request,
            gettext(
                "%(reference)s: refund %(refund)s of %(amount)s %(currency)s "
                "decided; it is sent to the payment provider now and the shopper "
                "gets an email."
            )
            % {
                "reference": order.reference,
                "refund": refund.pk,
                "amount": refund.amount,
                "currency": refund.currency,
            },
            messages.SUCCESS,
        )

    return action_with_form(
        model_admin, request, queryset,
        form_class=GoodwillRefundForm,
        title=gettext("Refund part of this order (goodwill)"),
        run=issue,
        refusal=RefundRefused,
        shown=lambda: [seller_order],
        template=GOODWILL_TEMPLATE,
        extra_context=lambda: {
            "seller_order": seller_order,
            "order": order,
            "refunds": list(
                Refund.objects.filter(seller_order=seller_order).order_by("pk")
            ),
            "left": refundable_amount(order=order, seller_order=seller_order),
        },
        invalid_status=400,
    )  # fmt: skip


def seller_order_goodwill_allowed(request) -> bool:
    return request.user.has_perm(GOODWILL_PERMISSION)
