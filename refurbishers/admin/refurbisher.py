"""Refurbishers for QA: the list with its queues, and the vetting page.

What the applicant wrote is read-only; QA records a verdict per criterion on
the change page (saved through ``criterion_review_set``), and changes status,
trial dates and cap only through the actions (``refurbishers.admin.actions``).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.defaultfilters import filesizeformat
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from refurbishers.admin.actions import BACK_TO_OBJECT, RefurbisherActions
from refurbishers.admin.history import StatusHistoryInline
from refurbishers.admin.queues import TrialEndingFilter
from refurbishers.admin_forms import RefurbisherVettingForm, criterion_field_rows
from refurbishers.exceptions import RefurbisherError
from refurbishers.models import Application, MemberRole, Refurbisher
from refurbishers.services import criterion_review_set

# The document view of the application pages; staff may open any document.
DOCUMENT_URL = "/seller/apply/documents/{}/"

# The application's answers, shown read-only in this order.
ANSWERS = {  # titles marked here, translated where shown
    gettext_noop("Testing"): ["testing_checkpoints", "testing_tools"],
    gettext_noop("Repair"): ["repair_process", "parts"],
    gettext_noop("Data erasure"): [
        "erasure_method", "erasure_standard", "erasure_certificate",
    ],
    gettext_noop("Warranty and customer service"): [
        "warranty_months", "service_channels", "service_hours", "service_team_size",
        "return_address",
    ],
    gettext_noop("Certifications and documents"): ["certifications", "documents"],
}  # fmt: skip
# Answers whose field name says too little to QA.
LABELS = {
    "submitted_at": gettext_lazy("Application submitted"),
    "qa_message": gettext_lazy("Changes asked for"),
    "rejection_reason": gettext_lazy("Rejection reason"),
}


def _answer(name: str):
    """A read-only display of one answer of the refurbisher's application."""
    field = Application._meta.get_field(name)
    choices = dict(getattr(field, "base_field", field).flatchoices)

    @admin.display(description=LABELS.get(name, field.verbose_name.capitalize()))
    def display(self, refurbisher: Refurbisher):
        value = getattr(refurbisher.application, name)
        if isinstance(value, datetime):
            return date_format(localtime(value), "DATETIME_FORMAT")
        if isinstance(value, list):
            return ", ".join(str(choices.get(item, item)) for item in value) or "-"
        if value in (None, ""):
            return "-"
        return choices.get(value, value)

    display.__name__ = f"answer_{name}"
    return display


@admin.register(Refurbisher)
class RefurbisherAdmin(RefurbisherActions, admin.ModelAdmin):
    form = RefurbisherVettingForm
    list_display = [
        "name", "country", "status", "trial_ends_at", "daily_sales_cap",
        "needs_qa_decision", "submitted_at",
    ]  # fmt: skip
    list_filter = ["status", "country", "needs_qa_decision", TrialEndingFilter]
    list_select_related = ["application"]
    search_fields = [
        "name", "legal_name", "registration_number", "vat_id",
        "memberships__user__email",
    ]  # fmt: skip
    date_hierarchy = "created_at"
    inlines = [StatusHistoryInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application")

    def has_add_permission(self, request):
        # A refurbisher comes to life by applying, on the site.
        return False

    def has_delete_permission(self, request, obj=None):
        # Its history, orders and audit trail must outlive any mistake.
        return False

    @admin.display(
        description=gettext_lazy("Submitted"), ordering="application__submitted_at"
    )
    def submitted_at(self, refurbisher: Refurbisher):
        return refurbisher.application.submitted_at

    # The change page.

    def change_view(self, request, object_id, form_url="", extra_context=None):
        refurbisher = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "qa_actions": self.actions_for(request, refurbisher) if refurbisher else [],
            "back_to_object": BACK_TO_OBJECT,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_fieldsets(self, request, obj=None):
        answers = [
            (gettext(title), {"fields": [f"answer_{name}" for name in names]})
            for title, names in ANSWERS.items()
        ]
        return [
            (
                gettext("Status and trial (changed through the actions)"),
                {
                    "fields": [
                        "status", "needs_qa_decision", "qa_decision_reason",
                        ("trial_started_at", "trial_ends_at"), "daily_sales_cap",
                        "status_before_suspension", "selling_since",
                    ]
                },
            ),
            (
                "Company",
                {
                    "fields": [
                        "name", "legal_name", "registration_number", "vat_id",
                        "country", "address", "time_zone", "website",
                        "years_in_business", "devices_per_month", "owners",
                        "answer_submitted_at", "created_at",
                    ]
                },
            ),
            *answers,
            (
                gettext("QA's messages to the applicant"),
                {"fields": ["answer_qa_message", "answer_rejection_reason"]},
            ),
            (
                gettext("Vetting criteria"),
                {
                    "fields": criterion_field_rows(),
                    "description": gettext("Approval needs every criterion passed. "
                    "A failed criterion needs a note."),
                },
            ),
            (
                "Shop",
                {
                    "fields": [
                        "slug", "ships_to", "dispatch_days", "rating_average",
                        "rating_count",
                    ],
                    "classes": ["collapse"],
                },
            ),
        ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        model_fields = [field.name for field in Refurbisher._meta.fields]
        answers = [name for names in ANSWERS.values() for name in names]
        extra = ["submitted_at", "qa_message", "rejection_reason"]
        return [*model_fields, "owners", *(f"answer_{n}" for n in answers + extra)]

    @admin.display(description=gettext_lazy("Owners"))
    def owners(self, refurbisher: Refurbisher):
        emails = refurbisher.memberships.filter(role=MemberRole.OWNER).values_list(
            "user__email", flat=True
        )
        return ", ".join(emails) or "-"

    @admin.display(description=gettext_lazy("Documents"))
    def answer_documents(self, refurbisher: Refurbisher):
        documents = refurbisher.application.documents.all()
        if not documents:
            return "-"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({}, {})</li>',
                (
                    (
                        DOCUMENT_URL.format(document.pk),
                        document.original_name,
                        document.get_kind_display(),
                        filesizeformat(document.size),
                    )
                    for document in documents
                ),
            ),
        )

    def save_model(self, request, obj, form, change):
        # Nothing of the refurbisher is edited here: only the criteria, each
        # through the service (which also takes a submitted application into
        # review and records the reviewer).
        for criterion, passed, note in form.criteria_changed():
            try:
                criterion_review_set(
                    refurbisher=obj, criterion=criterion, passed=passed, note=note,
                    actor=request.user,
                )  # fmt: skip
            except RefurbisherError as error:
                self.message_user(request, error.message, messages.ERROR)
                return
        obj.refresh_from_db()


for _names in [*ANSWERS.values(), ["submitted_at", "qa_message", "rejection_reason"]]:
    for _name in _names:
        if _name != "documents":
            setattr(RefurbisherAdmin, f"answer_{_name}", _answer(_name))
