"""The outbox in the admin: every email the site wrote, and whether it left.

Read-only. QA filters by status (the failed ones are its queue), kind and
day, opens an email to read what was sent and the mail server's last answer,
and may "Send again" a failed or pending email (``email_send_again``).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketplace.admin_actions import action_run_each
from marketplace.emails import EmailRefused, email_send_again
from marketplace.models import EmailStatus, OutgoingEmail

SEND_AGAIN_PERMISSION = "marketplace.change_outgoingemail"


class RetryingFilter(admin.SimpleListFilter):
    """Pending emails that failed at least one try: the mail server is trouble."""

    title = _("tries")
    parameter_name = "retrying"

    def lookups(self, request, model_admin):
        return [("1", _("Failed a try, being retried"))]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() == "1":
            return queryset.filter(status=EmailStatus.PENDING, attempts__gt=0)
        return queryset


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = [
        "subject", "recipients_shown", "kind", "status", "attempts", "created_at",
        "sent_at", "next_attempt_at",
    ]  # fmt: skip
    list_filter = [
        "status", RetryingFilter, "kind", ("created_at", admin.DateFieldListFilter),
    ]  # fmt: skip
    search_fields = ["subject", "key"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    list_per_page = 50
    actions = ["send_again"]
    fieldsets = [
        (
            None,
            {"fields": ["subject", "from_email", "to", "cc", "bcc", "reply_to"]},
        ),
        (_("Content"), {"fields": ["body_text", "body_html", "headers"]}),
        (
            _("Delivery"),
            {
                "fields": [
                    "kind", "key", "status", "attempts", "last_error", "created_at",
                    "last_attempt_at", "next_attempt_at", "sent_at", "retried_at",
                    "retried_by",
                ]
            },
        ),
    ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return [name for _, options in self.fieldsets for name in options["fields"]]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_send_again_permission(self, request) -> bool:
        return request.user.has_perm(SEND_AGAIN_PERMISSION)

    def get_search_results(self, request, queryset, search_term):
        """Subject or key containing the words, or a recipient's exact address."""
        found, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        address = search_term.strip()
        if "@" in address and " " not in address:
            found |= queryset.filter(to__contains=[address])
        return found, may_have_duplicates

    @admin.display(description=_("to"))
    def recipients_shown(self, email: OutgoingEmail) -> str:
        return ", ".join(email.recipients)

    @admin.action(description=_("Send again"), permissions=["send_again"])
    def send_again(self, request, queryset: QuerySet) -> None:
        action_run_each(
            self, request, queryset.order_by("pk"),
            call=lambda email: email_send_again(email=email, actor=request.user),
            done=lambda email: gettext("It goes to the mail server again now."),
            refusal=EmailRefused,
            label=lambda email: gettext("Email %(id)s to %(to)s")
            % {"id": email.pk, "to": ", ".join(email.recipients)},
        )  # fmt: skip
