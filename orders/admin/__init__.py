"""Orders in the admin: read-only for QA and support; changes go through services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from orders.models import Message, Order, OrderStatusChange, SellerOrder


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SellerOrderInline(admin.TabularInline):
    model = SellerOrder
    fields = ["refurbisher", "status", "total_amount", "ship_by", "late_shipment"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class OrderStatusChangeInline(admin.TabularInline):
    model = OrderStatusChange
    fields = [
        "created_at",
        "seller_order",
        "from_status",
        "to_status",
        "actor",
        "reason",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "email",
        "market",
        "status",
        "total_amount",
        "created_at",
    ]
    list_filter = ["status", "market", "payment_provider"]
    search_fields = ["reference", "email", "payment_session_id", "payment_intent_id"]
    date_hierarchy = "created_at"
    inlines = [SellerOrderInline, OrderStatusChangeInline]
    exclude = ["access_token"]


@admin.register(SellerOrder)
class SellerOrderAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__", "refurbisher", "status", "total_amount", "ship_by",
        "late_shipment", "paid_at", "delivered_by",
    ]  # fmt: skip
    list_filter = [
        "status", "late_shipment", "cancelled_by_seller", "delivered_by",
        "refurbisher",
    ]  # fmt: skip
    list_select_related = ["order", "refurbisher"]
    search_fields = ["order__reference", "refurbisher__name", "tracking_number"]
    date_hierarchy = "paid_at"
    # QA's goodwill refund; its intermediate page lives in orders.admin.refunds.
    actions = ["refund_goodwill"]

    def has_goodwill_refund_permission(self, request) -> bool:
        from orders.admin.refunds import seller_order_goodwill_allowed

        return seller_order_goodwill_allowed(request)

    @admin.action(
        description=gettext_lazy("Refund part of this order (goodwill)"),
        permissions=["goodwill_refund"],
    )
    def refund_goodwill(self, request, queryset):
        from orders.admin.refunds import seller_order_goodwill_refund

        return seller_order_goodwill_refund(self, request, queryset)


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["seller_order", "author", "created_at", "answered_at"]
    list_filter = ["author"]
    list_select_related = ["seller_order__order"]
    search_fields = ["seller_order__order__reference", "body"]
    date_hierarchy = "created_at"


# Each part of after-sale has its admin beside this module.
from orders.admin import (  # noqa: E402, F401
    claims,
    payment_issues,
    payout_accounts,
    payouts,
    refunds,
    returns,
)
