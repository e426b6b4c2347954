"""QA's queue of device models refurbishers asked for: mark one added (naming
the catalog model) or decline it with a note; the owners get an email.

QA staff (``refurbishers.vet_refurbisher``) handle the queue without the
listings app's model permissions; the decision goes through the services.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_lazy

from listings.exceptions import ListingError
from listings.models import DeviceModel, DeviceModelRequest, DeviceModelRequestStatus
from listings.services.model_requests import (
    device_model_request_decline,
    device_model_request_mark_added,
)
from marketplace.admin_actions import action_with_form

QA = "refurbishers.vet_refurbisher"


class MarkAddedForm(forms.Form):
    device_model = forms.ModelChoiceField(
        label=gettext_lazy("Device model in the catalog"),
        queryset=DeviceModel.objects.select_related("brand").order_by(
            "brand__name", "name"
        ),
        help_text=gettext_lazy(
            "Add it under Device models first if it is not there yet."
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("Note to the refurbisher"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DeclineForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Why it is not added (sent to the refurbisher)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@admin.register(DeviceModelRequest)
class DeviceModelRequestAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "refurbisher",
        "category",
        "status",
        "created_at",
        "decided_at",
    ]
    list_filter = ["status", "category"]
    search_fields = ["brand_name", "model_name", "refurbisher__name", "details"]
    list_select_related = ["refurbisher", "category"]
    date_hierarchy = "created_at"
    actions = ["mark_added", "decline"]
    readonly_fields = [
        "refurbisher",
        "requested_by",
        "category",
        "brand_name",
        "model_name",
        "details",
        "status",
        "device_model",
        "qa_note",
        "decided_by",
        "decided_at",
        "created_at",
    ]

    def _is_qa(self, request) -> bool:
        return (
            request.user.is_active
            and request.user.is_staff
            and (request.user.has_perm(QA))
        )

    def has_module_permission(self, request) -> bool:
        return self._is_qa(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._is_qa(request) or super().has_view_permission(request, obj)

    def has_decide_permission(self, request) -> bool:
        return self._is_qa(request) or request.user.has_perm(
            "listings.change_devicemodelrequest"
        )

    def has_add_permission(self, request) -> bool:
        return False  # refurbishers ask from their dashboard

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # decided through the actions, which email the owners

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _decide(
        self,
        request,
        queryset: QuerySet,
        *,
        form_class: type[forms.Form],
        title: str,
        submit: str,
        call: Callable[[DeviceModelRequest, dict], DeviceModelRequest],
    ):
        """Ask for the action's input on its own page, then decide each request.

        The page lists (and posts back) the open requests among those chosen,
        or all of them when none is open.
        """

        def shown() -> QuerySet:
            open_requests = queryset.filter(status=DeviceModelRequestStatus.OPEN)
            if open_requests.exists():
                return open_requests.select_related("refurbisher")
            return queryset

        return action_with_form(
            self, request, queryset.order_by("pk"),
            form_class=form_class, title=title, submit=submit,
            run_each=call,
            done=lambda model_request: gettext("decided; the refurbisher's owners are "
            "told by email."),
            refusal=ListingError,
            shown=shown,
        )  # fmt: skip

    @admin.action(description=gettext_lazy("Mark added"), permissions=["decide"])
    def mark_added(self, request, queryset):
        return self._decide(
            request,
            queryset,
            form_class=MarkAddedForm,
            title=gettext("Mark the requested model added"),
            submit=gettext("Mark added"),
            call=lambda model_request, data: device_model_request_mark_added(
                request=model_request,
                actor=request.user,
                device_model=data["device_model"],
                note=data["note"],
            ),
        )

    @admin.action(description=gettext_lazy("Decline"), permissions=["decide"])
    def decline(self, request, queryset):
        return self._decide(
            request,
            queryset,
            form_class=DeclineForm,
            title=gettext("Decline the requested model"),
            submit="Decline",
            call=lambda model_request, data: device_model_request_decline(
                request=model_request, actor=request.user, note=data["note"]
            ),
        )
