"""QA's admin for the quality app: the trial-sale queue and shopper reviews.

Trial sales: a queue (oldest first) with filters by verdict, refurbisher and
age; each sale's page shows the order's facts, the checklist pre-filled from
them and the verdict form. Verdicts are given only through
``quality.services.trial_reviews``; a decided sale's page is read-only.
Reviews: QA hides a review that breaks the rules (or shows it again) through
``quality.services.reviews``. Every action reports per item what happened.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext, gettext_lazy, ngettext

from marketplace.admin_actions import action_run_each, action_with_form
from quality.forms import (
    CHECK_FIELDS,
    NOTES_FIELD,
    VERDICT_FIELD,
    FollowUpForm,
    HideReviewForm,
    TrialReviewVerdictForm,
)
from quality.models import (
    SellerReview,
    TrialSaleReview,
    TrialSaleVerdict,
    TrialSaleVerdictChange,
)
from quality.selectors import CHECKLIST_FIELDS, TrialSaleDossier, trial_review_dossier
from quality.services.reviews import ReviewRefused, review_hide, review_show
from quality.services.trial_reviews import (
    TrialReviewRefused,
    trial_review_pass_checked,
    trial_review_verdict,
)

Verdict = TrialSaleVerdict
AGES = (1, 3, 7)


def _when(moment) -> str:
    if moment is None:
        return "-"
    # As the checklist's notes write dates (quality.selectors).
    return date_format(timezone.localtime(moment), "j M Y, H:i")


def _reference(review) -> str:
    return review.seller_order.order.reference


# --- Trial sales -----------------------------------------------------------------


def _return_words(r) -> str:
    """One return in the dossier: whole sentences with and without the fault."""
    values = {
        "title": r.line.title,
        "reason": r.get_reason_display(),
        "status": r.get_status_display().lower(),
        "when": _when(r.created_at),
    }
    if r.seller_at_fault:
        text = gettext("%(title)s: %(reason)s (%(status)s, seller at fault), %(when)s")
    else:
        text = gettext("%(title)s: %(reason)s (%(status)s), %(when)s")
    return text % values


class QueueFilter(admin.SimpleListFilter):
    title = "verdict"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            (Verdict.PENDING, gettext("Waiting for QA")),
            (Verdict.FOLLOW_UP, "Follow-up"),
            ("done", gettext("Done (passed or failed)")),
        ]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() in (Verdict.PENDING, Verdict.FOLLOW_UP):
            return queryset.filter(verdict=self.value())
        if self.value() == "done":
            return queryset.filter(verdict__in=[Verdict.PASSED, Verdict.FAILED])
        return queryset


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [
            (
                str(days),
                ngettext("Older than %(days)s day", "Older than %(days)s days", days)
                % {"days": days},
            )
            for days in AGES
        ]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() in {str(days) for days in AGES}:
            since = timezone.now() - timedelta(days=int(self.value()))
            return queryset.filter(created_at__lt=since)
        return queryset


class VerdictHistoryInline(admin.TabularInline):
    """Who gave which verdict, when and why: written by the service only."""

    model = TrialSaleVerdictChange
    verbose_name = gettext_lazy("verdict change")
    verbose_name_plural = gettext_lazy("Verdict history (newest first)")
    fields = ["created_at", "from_verdict", "to_verdict", "actor_name", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    # The same plain read-only table as the refurbishers' status history.
    template = "admin/refurbishers/refurbisher/status_history_inline.html"

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("actor")
        return queryset.order_by("-created_at", "-pk")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("By"))
    def actor_name(self, change: TrialSaleVerdictChange) -> str:
        return str(change.actor) if change.actor_id else "System"


def _dossier(review: TrialSaleReview) -> TrialSaleDossier:
    dossier = getattr(review, "dossier", None)
    if dossier is None:
        dossier = review.dossier = trial_review_dossier(review)
    return dossier


def _list(items) -> str:
    items = list(items)
    if not items:
        return "-"
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", items))


@admin.register(TrialSaleReview)
class TrialSaleReviewAdmin(admin.ModelAdmin):
    form = TrialReviewVerdictForm
    list_display = [
        "order_reference", "refurbisher", "verdict", "order_status", "created_at",
        "reviewer", "reviewed_at",
    ]  # fmt: skip
    list_display_links = ["order_reference"]
    list_filter = [
        QueueFilter,
        ("refurbisher", admin.RelatedOnlyFieldListFilter),
        AgeFilter,
    ]
    list_select_related = ["seller_order__order", "refurbisher", "reviewer"]
    search_fields = ["seller_order__order__reference", "refurbisher__name"]
    search_help_text = gettext_lazy("Order reference or refurbisher name")
    date_hierarchy = "created_at"
    ordering = ["created_at", "pk"]  # the queue: oldest first
    actions = ["pass_selected", "mark_follow_up"]
    inlines = [VerdictHistoryInline]
    FACTS = [
        "order_reference", "refurbisher", "order_status", "order_items", "ship_by",
        "shipped", "tracking", "serials", "order_returns", "order_claims",
        "order_messages", "shopper_review",
    ]  # fmt: skip

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("seller_order__order", "refurbisher", "reviewer")
        )

    def has_add_permission(self, request):
        # A trial sale's review opens when the sale is paid.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # A passed or failed sale is final: its page is read-only.
        if obj is not None and obj.verdict in (Verdict.PASSED, Verdict.FAILED):
            return False
        return super().has_change_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        review = self.get_object(request, object_id)
        if review is not None:
            extra_context = {
                **(extra_context or {}),
                "subtitle": gettext(
                    "Trial sale %(reference)s by %(refurbisher)s (%(verdict)s)"
                )
                % {
                    "reference": _reference(review),
                    "refurbisher": review.refurbisher,
                    "verdict": review.get_verdict_display().lower(),
                },
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_fieldsets(self, request, obj=None):
        open_ = obj is not None and self.has_change_permission(request, obj)
        checklist = CHECK_FIELDS if open_ else list(CHECKLIST_FIELDS)
        verdict = (
            [VERDICT_FIELD, NOTES_FIELD]
            if open_
            else ["verdict", "notes", "reviewer", "reviewed_at"]
        )
        return [
            (gettext("The trial sale"), {"fields": self.FACTS}),
            (
                "Checklist",
                {
                    "fields": checklist,
                    "description": gettext(
                        "Pre-filled from what the data says; confirm or change "
                        "each answer. A sale passes with no answer “No”."
                    ),
                },
            ),
            ("Verdict", {"fields": verdict}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return [*self.FACTS, *CHECKLIST_FIELDS, "verdict", "notes", "reviewer",
                "reviewed_at"]  # fmt: skip

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None and self.has_change_permission(request, obj):
            kwargs["fields"] = [*CHECK_FIELDS, VERDICT_FIELD, NOTES_FIELD]
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change):
        # The form saves nothing: the verdict goes through the service.
        try:
            review = trial_review_verdict(
                review=obj, actor=request.user,
                verdict=form.cleaned_data[VERDICT_FIELD],
                notes=form.cleaned_data.get(NOTES_FIELD, ""),
                checklist=form.checklist(),
            )  # fmt: skip
        except TrialReviewRefused as refusal:
            self.message_user(
                request,
                gettext("%(reference)s: %(message)s")
                % {"reference": _reference(obj), "message": refusal.message},
                messages.ERROR,
            )
            return
        self.message_user(
            request,
            gettext("Trial sale %(reference)s: %(verdict)s.")
            % {
                "reference": _reference(review),
                "verdict": review.get_verdict_display().lower(),
            },
            messages.SUCCESS,
        )

    def response_change(self, request, obj):
        # Back to the queue (with its filters), where the next sale waits.
        url = reverse("admin:quality_trialsalereview_changelist")
        url = add_preserved_filters(
            {
                "preserved_filters": self.get_preserved_filters(request),
                "opts": self.opts,
            },
            url,
        )
        return HttpResponseRedirect(url)

    # What the data says, read-only.

    @admin.display(
        description=gettext_lazy("Order"), ordering="seller_order__order__reference"
    )
    def order_reference(self, review: TrialSaleReview) -> str:
        return _reference(review)

    @admin.display(description=gettext_lazy("Order status"))
    def order_status(self, review: TrialSaleReview) -> str:
        return review.seller_order.get_status_display()

    @admin.display(description=gettext_lazy("Items"))
    def order_items(self, review: TrialSaleReview) -> str:
        return _list(
            (
                f"{line.quantity} x {line.title} ({line.variant_label}, grade "
                f"{line.grade}, {line.unit_price} {line.currency})",
            )
            for line in _dossier(review).lines
        )

    @admin.display(description=gettext_lazy("Ship by"))
    def ship_by(self, review: TrialSaleReview) -> str:
        return _when(review.seller_order.ship_by)

    @admin.display(description=gettext_lazy("Shipped"))
    def shipped(self, review: TrialSaleReview) -> str:
        so = review.seller_order
        if so.shipped_at is None:
            return gettext("Not shipped yet")
        when = {"shipped": _when(so.shipped_at)}
        if so.delivered_at:
            when["delivered"] = _when(so.delivered_at)
            if so.late_shipment:
                text = gettext("%(shipped)s (flagged late); delivered %(delivered)s")
            else:
                text = gettext("%(shipped)s; delivered %(delivered)s")
            return text % when
        if so.late_shipment:
            return gettext("%(shipped)s (flagged late)") % when
        return when["shipped"]

    @admin.display(description=gettext_lazy("Tracking"))
    def tracking(self, review: TrialSaleReview) -> str:
        so = review.seller_order
        if not so.tracking_number:
            return "-"
        return f"{so.carrier_name or so.get_carrier_display()} {so.tracking_number}"

    @admin.display(description=gettext_lazy("Serial numbers or IMEI"))
    def serials(self, review: TrialSaleReview) -> str:
        return _list(
            (f"{line.title}: {unit.serial}",)
            for line in _dossier(review).lines
            for unit in line.units_list
        )

    @admin.display(description=gettext_lazy("Returns"))
    def order_returns(self, review: TrialSaleReview) -> str:
        return _list((_return_words(r),) for r in _dossier(review).returns)

    @admin.display(description=gettext_lazy("Warranty claims"))
    def order_claims(self, review: TrialSaleReview) -> str:
        return _list(
            (
                f"{c.get_problem_display()} ({c.get_status_display().lower()}), "
                f"{_when(c.created_at)}",
            )
            for c in _dossier(review).claims
        )

    @admin.display(description=gettext_lazy("Shopper messages and first answer time"))
    def order_messages(self, review: TrialSaleReview) -> str:
        def took(delta) -> str:
            if delta is None:
                return gettext("not answered yet")
            hours = delta.total_seconds() / 3600
            return gettext("answered after %(hours)s h") % {"hours": f"{hours:.1f}"}

        return _list(
            (f"{_when(m.created_at)}: “{Truncator(m.body).chars(80)}”, {took(delta)}",)
            for m, delta in _dossier(review).answer_times
        )

    @admin.display(description=gettext_lazy("Shopper's review"))
    def shopper_review(self, review: TrialSaleReview) -> str:
        seller_review = _dossier(review).seller_review
        if seller_review is None:
            return gettext("No review")
        hidden = " (hidden)" if seller_review.hidden else ""
        return format_html(
            "{} star{}{}: “{}”",
            seller_review.rating,
            "s" if seller_review.rating > 1 else "",
            hidden,
            Truncator(seller_review.comment).chars(200) or "no comment",
        )

    # Actions.

    @admin.action(description=gettext_lazy("Pass selected"), permissions=["change"])
    def pass_selected(self, request, queryset):
        passed, skipped = [], []
        for review in queryset.order_by("created_at", "pk"):
            try:
                trial_review_pass_checked(review=review, actor=request.user)
            except TrialReviewRefused as refusal:
                skipped.append(f"{_reference(review)}: {refusal.message}")
            else:
                passed.append(_reference(review))
        if passed:
            self.message_user(
                request,
                ngettext(
                    "Passed %(count)s trial sale: %(references)s.",
                    "Passed %(count)s trial sales: %(references)s.",
                    len(passed),
                )
                % {"count": len(passed), "references": ", ".join(passed)},
                messages.SUCCESS,
            )
        for line in skipped:
            self.message_user(
                request, gettext("Skipped %(line)s") % {"line": line}, messages.WARNING
            )

    @admin.action(
        description=gettext_lazy("Mark for follow-up"), permissions=["change"]
    )
    def mark_follow_up(self, request, queryset):
        return action_with_form(
            self, request, queryset.order_by("created_at", "pk"),
            form_class=FollowUpForm,
            title=gettext("Mark trial sales for follow-up"),
            submit=gettext("Mark for follow-up"),
            run_each=lambda review, data: trial_review_verdict(
                review=review, actor=request.user,
                verdict=Verdict.FOLLOW_UP, notes=data["notes"],
            ),
            done=lambda review: gettext("marked for follow-up."),
            refusal=TrialReviewRefused,
            label=_reference,
            refused_level=messages.WARNING,
            refused_prefix="Skipped ",
            describe=lambda r: f"{_reference(r)} ({r.refurbisher}, "
            f"{r.get_verdict_display().lower()})",
        )  # fmt: skip


# --- Shopper reviews ---------------------------------------------------------------


@admin.register(SellerReview)
class SellerReviewAdmin(admin.ModelAdmin):
    list_display = [
        "created_at", "refurbisher", "rating", "author_name", "comment_start",
        "hidden", "answered",
    ]  # fmt: skip
    list_filter = [
        "hidden",
        "rating",
        ("refurbisher", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["refurbisher", "seller_order__order"]
    search_fields = [
        "seller_order__order__reference", "refurbisher__name", "author_name", "comment",
    ]  # fmt: skip
    date_hierarchy = "created_at"
    actions = ["hide_reviews", "show_reviews"]
    fields = [
        "order_reference", "refurbisher", "author_name", "rating", "comment",
        "created_at", "updated_at", "editable_until", "seller_answer", "answered_at",
        "hidden", "hidden_reason",
    ]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(
        description=gettext_lazy("Order"), ordering="seller_order__order__reference"
    )
    def order_reference(self, review: SellerReview) -> str:
        return review.seller_order.order.reference

    @admin.display(description=gettext_lazy("Comment"))
    def comment_start(self, review: SellerReview) -> str:
        return Truncator(review.comment).chars(60) or "-"

    @admin.display(description=gettext_lazy("Answered"), boolean=True)
    def answered(self, review: SellerReview) -> bool:
        return review.answered_at is not None

    def _each(self, request, queryset, call: Callable, done: str) -> None:
        def call_and_log(review: SellerReview) -> SellerReview:
            call(review)
            self.log_change(request, review, done)
            return review

        action_run_each(
            self, request, queryset.order_by("pk"),
            call=call_and_log,
            done=lambda review: done.lower(),
            refusal=ReviewRefused,
            label=lambda review: gettext("Review of %(reference)s")
            % {"reference": review.seller_order.order.reference},
            refused_level=messages.WARNING,
        )  # fmt: skip

    @admin.action(description=gettext_lazy("Hide review"), permissions=["change"])
    def hide_reviews(self, request, queryset):
        queryset = queryset.select_related("seller_order__order", "refurbisher")
        return action_with_form(
            self, request, queryset,
            form_class=HideReviewForm,
            title=gettext("Hide reviews from the public pages and the seller's rating"),
            submit=gettext("Hide"),
            run=lambda data: self._each(
                request, queryset,
                lambda r: review_hide(
                    review=r, actor=request.user, reason=data["reason"]
                ),
                f"Hidden: {data['reason']}",
            ),
            refusal=ReviewRefused,
            describe=lambda r: f"{r.rating}★ for {r.refurbisher} by {r.author_name}: "
            f"“{Truncator(r.comment).chars(80)}”",
        )  # fmt: skip

    @admin.action(description=gettext_lazy("Show review again"), permissions=["change"])
    def show_reviews(self, request, queryset):
        self._each(
            request, queryset.select_related("seller_order__order"),
            lambda r: review_show(review=r, actor=request.user),
            gettext("Shown again"),
        )  # fmt: skip
