"""Payouts in the admin, read-only: what was sent to whom and what it held.

QA finds a payout by refurbisher or Stripe transfer id, filters by status,
provider, currency and date (and the payouts held while their seller is
suspended, with the reason beside each), and reads its lines. "Send again" sends pending
payouts now (the service does it, with the payout's idempotency key, so a
payout already paid is left alone and none is paid twice).
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders.admin import ReadOnlyAdmin
from orders.models import Payout, PayoutLine, PayoutStatus
from orders.selectors.payouts import HELD_FOR_SUSPENSION
from orders.services.payouts import payout_send


class HeldFilter(admin.SimpleListFilter):
    title = _("held")
    parameter_name = "held"

    def lookups(self, request, model_admin):
        return [("suspended", _("Held: seller suspended"))]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() == "suspended":
            return queryset.filter(HELD_FOR_SUSPENSION)
        return queryset


class PayoutLineInline(admin.TabularInline):
    model = PayoutLine
    fields = ["kind", "seller_order", "refund", "amount", "description"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__", "refurbisher", "amount", "currency", "status", "provider",
        "transfer_id", "attempts", "created_at", "paid_at", "failure_message",
    ]  # fmt: skip
    list_filter = [
        HeldFilter, "status", "provider", "currency", "created_at", "paid_at",
    ]  # fmt: skip
    list_select_related = ["refurbisher"]
    search_fields = ["refurbisher__name", "transfer_id"]
    date_hierarchy = "created_at"
    inlines = [PayoutLineInline]
    actions = ["send_again"]

    def has_send_permission(self, request) -> bool:
        return request.user.has_perm("orders.change_payout")

    @admin.action(description=_("Send again"), permissions=["send"])
    def send_again(self, request, queryset):
        for payout in queryset.order_by("pk"):
            if payout.status != PayoutStatus.PENDING:
                message = (
                    gettext("%(payout)s: already paid, left as it is.")
                    if payout.status == PayoutStatus.PAID
                    else gettext("%(payout)s: already not sent, left as it is.")
                )
                self.message_user(
                    request, message % {"payout": payout}, messages.WARNING
                )
                continue
            sent = payout_send(payout_id=payout.pk)
            if sent.status == PayoutStatus.PAID:
                self.message_user(
                    request,
                    gettext("%(payout)s: paid, transfer %(transfer)s.")
                    % {"payout": sent, "transfer": sent.transfer_id},
                    messages.SUCCESS,
                )  # fmt: skip
            else:
                self.message_user(
                    request,
                    gettext("%(payout)s: not sent. %(problem)s")
                    % {"payout": sent, "problem": sent.failure_message},
                    messages.ERROR,
                )  # fmt: skip
