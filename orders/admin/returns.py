"""Returns in the admin, read-only, with filters for QA's follow-up.

Nothing moves a return here: the shopper and the seller do it on their pages,
and the overdue ones are refunded by the periodic task.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from orders.admin import ReadOnlyAdmin
from orders.models import ReturnRequest, ReturnStatusChange


class ReturnStatusChangeInline(admin.TabularInline):
    model = ReturnStatusChange
    fields = ["created_at", "from_status", "to_status", "actor", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = gettext_lazy("status change")
    verbose_name_plural = gettext_lazy("status history")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__", "order_reference", "refurbisher", "reason", "seller_at_fault",
        "status", "created_at", "sent_back_at", "refunded_at",
    ]  # fmt: skip
    list_filter = [
        "status",
        "reason",
        "seller_at_fault",
        ("seller_order__refurbisher", admin.RelatedOnlyFieldListFilter),
        "created_at",
    ]
    list_select_related = ["seller_order__order", "seller_order__refurbisher", "line"]
    search_fields = [
        "seller_order__order__reference",
        "seller_order__order__email",
        "return_tracking",
    ]
    date_hierarchy = "created_at"
    inlines = [ReturnStatusChangeInline]
    fields = [
        "seller_order", "line", "reason", "details", "seller_at_fault", "status",
        "instructions", "return_carrier", "return_tracking", "requested_by",
        "refund", "created_at", "authorised_at", "sent_back_at", "received_at",
        "refunded_at", "withdrawn_at",
    ]  # fmt: skip
    readonly_fields = fields

    @admin.display(
        description=gettext_lazy("order"), ordering="seller_order__order__reference"
    )
    def order_reference(self, obj: ReturnRequest) -> str:
        return obj.seller_order.order.reference

    @admin.display(
        description=gettext_lazy("refurbisher"), ordering="seller_order__refurbisher"
    )
    def refurbisher(self, obj: ReturnRequest) -> str:
        return obj.seller_order.refurbisher.name
