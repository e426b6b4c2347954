"""QA's actions on refurbishers, each calling one service per refurbisher.

An action that needs input (a reason, trial days) first answers with an
intermediate page; that page posts back to the changelist with the same
``action`` and ``_selected_action`` ids plus ``apply``, and only then runs.
Each refurbisher is changed in its own transaction (the service's), and QA is
told per refurbisher what happened: done, or the domain error's message.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from marketplace.admin_actions import (
    BACK_TO_OBJECT,
    action_run_each,
    action_with_form,
    back_to_object,
)
from refurbishers import services
from refurbishers.admin_forms import (
    ApproveForm,
    ChangesRequestForm,
    ReasonForm,
    RejectForm,
    TrialExtendForm,
    TrialLimitsForm,
)
from refurbishers.exceptions import RefurbisherError
from refurbishers.models import Refurbisher, RefurbisherStatus

# The change page (refurbishers.admin.refurbisher) takes BACK_TO_OBJECT from
# here for its buttons.
__all__ = ["BACK_TO_OBJECT", "RefurbisherActions"]

VET = "refurbishers.vet_refurbisher"
SUSPEND = "refurbishers.suspend_refurbisher"
Status = RefurbisherStatus
# The statuses each action starts from, to offer on a refurbisher's page only
# the actions its status permits (the services check again).
ACTION_FROM = {
    "start_review": {Status.SUBMITTED},
    "request_changes": {Status.SUBMITTED, Status.IN_REVIEW},
    "reject_application": {Status.SUBMITTED, Status.IN_REVIEW},
    "approve_application": {Status.IN_REVIEW},
    "extend_trial": {Status.TRIAL},
    "change_trial_limits": {Status.TRIAL},
    "end_trial_early": {Status.TRIAL},
    "suspend_refurbisher": {Status.TRIAL, Status.ACTIVE},
    "reinstate_refurbisher": {Status.SUSPENDED},
    # Offered only while the refurbisher waits for QA (see actions_for).
    "keep_selling": {Status.TRIAL, Status.ACTIVE},
}


def _day(moment) -> str:
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def _trial(refurbisher: Refurbisher) -> str:
    return gettext("on trial until %(day)s, %(cap)s sales a day") % {
        "day": _day(refurbisher.trial_ends_at),
        "cap": refurbisher.daily_sales_cap,
    }


class RefurbisherActions:
    """Mixed into RefurbisherAdmin: the actions QA names, and their permissions."""

    actions = [
        "start_review",
        "request_changes",
        "reject_application",
        "approve_application",
        "extend_trial",
        "change_trial_limits",
        "end_trial_early",
        "suspend_refurbisher",
        "reinstate_refurbisher",
        "keep_selling",
    ]

    def has_vet_permission(self, request) -> bool:
        return request.user.has_perm(VET)

    def has_suspend_permission(self, request) -> bool:
        return request.user.has_perm(SUSPEND)

    def actions_for(self, request, refurbisher: Refurbisher) -> list[tuple[str, str]]:
        """(name, label) of the actions this person may run on this refurbisher."""
        allowed = self.get_actions(request)
        return [
            (name, allowed[name][2])
            for name, statuses in ACTION_FROM.items()
            if name in allowed
            and refurbisher.status in statuses
            and (name != "keep_selling" or refurbisher.needs_qa_decision)
        ]

    # Running a service for each selected refurbisher.

    def _run(
        self,
        request,
        queryset: QuerySet,
        call: Callable[[Refurbisher], Refurbisher],
        done: Callable[[Refurbisher], str],
    ):
        action_run_each(
            self, request, queryset.order_by("pk"),
            call=call, done=done, refusal=RefurbisherError,
        )  # fmt: skip
        return back_to_object(self, request, queryset)

    def _with_form(
        self,
        request,
        queryset: QuerySet,
        *,
        form_class: type[forms.Form],
        title: str,
        submit: str,
        call: Callable[[Refurbisher, dict], Refurbisher],
        done: Callable[[Refurbisher], str],
    ):
        """Ask for the action's input on its own page, then run it."""
        return action_with_form(
            self, request, queryset.order_by("pk"),
            form_class=form_class, title=title, submit=submit,
            run_each=call, done=done, refusal=RefurbisherError,
            shown=lambda: queryset.order_by("name"),
            describe=lambda r: f"{r.name} ({r.get_status_display().lower()})",
        )  # fmt: skip

    # Vetting.

    @admin.action(description=gettext_lazy("Start review"), permissions=["vet"])
    def start_review(self, request, queryset):
        return self._run(
            request,
            queryset,
            lambda r: services.application_review_start(
                refurbisher=r, actor=request.user
            ),
            lambda r: gettext("application in review."),
        )

    @admin.action(description=gettext_lazy("Request changes"), permissions=["vet"])
    def request_changes(self, request, queryset):
        return self._with_form(
            request, queryset,
            form_class=ChangesRequestForm,
            title=gettext("Request changes to the application"),
            submit=gettext("Send the message"),
            call=lambda r, data: services.application_changes_request(
                refurbisher=r, actor=request.user, message=data["message"]
            ),
            done=lambda r: gettext("changes requested; the applicant was told."),
        )  # fmt: skip

    @admin.action(description=gettext_lazy("Reject application"), permissions=["vet"])
    def reject_application(self, request, queryset):
        return self._with_form(
            request, queryset,
            form_class=RejectForm,
            title=gettext("Reject the application"),
            submit=gettext("Reject"),
            call=lambda r, data: services.application_reject(
                refurbisher=r, actor=request.user, reason=data["reason"]
            ),
            done=lambda r: gettext("application rejected; the applicant was told."),
        )  # fmt: skip

    @admin.action(description=gettext_lazy("Approve application"), permissions=["vet"])
    def approve_application(self, request, queryset):
        return self._with_form(
            request, queryset,
            form_class=ApproveForm,
            title=gettext("Approve the application and start the trial"),
            submit=gettext("Approve and start the trial"),
            call=lambda r, data: services.application_approve(
                refurbisher=r, actor=request.user,
                trial_days=data["trial_days"],
                daily_sales_cap=data["daily_sales_cap"],
            ),
            done=lambda r: gettext("approved, %(trial)s.") % {"trial": _trial(r)},
        )  # fmt: skip

    # The trial.

    @admin.action(description=gettext_lazy("Extend trial"), permissions=["vet"])
    def extend_trial(self, request, queryset):
        return self._with_form(
            request, queryset,
            form_class=TrialExtendForm,
            title=gettext("Extend the trial"),
            submit=gettext("Extend"),
            call=lambda r, data: services.trial_extend(
                refurbisher=r, actor=request.user, days=data["days"],
                reason=data["reason"],
            ),
            done=lambda r: gettext("trial extended, %(trial)s.") % {"trial": _trial(r)},
        )  # fmt: skip

    @admin.action(description=gettext_lazy("Change trial limits"), permissions=["vet"])
    def change_trial_limits(self, request, queryset):
        return self._with_form(
            request, queryset,
            form_class=TrialLimitsForm,
            title=gettext("Change the trial's length and daily cap"),
            submit=gettext("Change the limits"),
            call=lambda r, data: services.trial_limits_set(
                refurbisher=r, actor=request.user,
                trial_days=data["trial_days"],
                daily_sales_cap=data["daily_sales_cap"],
                reason=data["reason"],
            ),
            done=lambda r: gettext("limits changed, %(trial)s.") % {"trial": _trial(r)},
        )  # fmt: skip

    @admin.action(description=gettext_lazy("End trial early"), permissions=["vet"])
    def end_trial_early(self, request, queryset):
        return self._with_form(
            request, queryset,
            form_class=ReasonForm,
            title=gettext("End the trial early: the refurbisher sells without limits"),
            submit=gettext("End the trial"),
            call=lambda r, data: services.trial_end(
                refurbisher=r, actor=request.user, reason=data["reason"]
            ),
            done=lambda r: gettext("trial ended; it now sells without limits."),
        )  # fmt: skip

    # Suspension.

    @admin.action(
        description=gettext_lazy("Suspend refurbisher"), permissions=["suspend"]
    )
    def suspend_refurbisher(self, request, queryset):
        return self._with_form(
            request, queryset,
            form_class=ReasonForm,
            title=gettext("Suspend: its listings leave the site at once"),
            submit=gettext("Suspend"),
            call=lambda r, data: services.refurbisher_suspend(
                refurbisher=r, actor=request.user, reason=data["reason"]
            ),
            done=lambda r: gettext("suspended; its listings are off the site."),
        )  # fmt: skip

    @admin.action(
        description=gettext_lazy("Reinstate refurbisher"), permissions=["suspend"]
    )
    def reinstate_refurbisher(self, request, queryset):
        return self._with_form(
            request, queryset,
            form_class=ReasonForm,
            title=gettext("Reinstate: it sells again as before its suspension"),
            submit=gettext("Reinstate"),
            call=lambda r, data: services.refurbisher_reinstate(
                refurbisher=r, actor=request.user, reason=data["reason"]
            ),
            done=lambda r: gettext("reinstated, %(status)s.")
            % {"status": r.get_status_display().lower()},
        )  # fmt: skip

    @admin.action(
        description=gettext_lazy("Keep selling (clear the QA flag)"),
        permissions=["suspend"],
    )
    def keep_selling(self, request, queryset):
        return self._with_form(
            request, queryset,
            form_class=ReasonForm,
            title=gettext(
                "Keep selling: QA looked at the flag and lets it sell as it is"
            ),
            submit=gettext("Keep selling"),
            call=lambda r, data: services.qa_decision_keep(
                refurbisher=r, actor=request.user, reason=data["reason"]
            ),
            done=lambda r: gettext("keeps selling; the QA flag is cleared."),
        )  # fmt: skip
