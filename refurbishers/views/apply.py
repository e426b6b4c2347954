"""The applicant's pages: the landing, each step of the application, its status.

Thin views: every write goes through refurbishers.services, and the
refurbisher is always the signed-in person's own (from their membership),
never one named in the URL or the form (invariant 5).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from marketplace.accounts.services import email_is_confirmed
from marketplace.errors import refusal_to_form
from marketplace.markets import MARKETS, PLATFORM_WARRANTY_MIN_MONTHS
from refurbishers.exceptions import RefurbisherError
from refurbishers.forms import (
    CertificationsForm,
    CompanyForm,
    DocumentForm,
    OperationsForm,
    default_time_zone,
)
from refurbishers.models import (
    DEFAULT_DAILY_SALES_CAP,
    DEFAULT_TRIAL_DAYS,
    Application,
    ApplicationDocument,
    Membership,
    Refurbisher,
    RefurbisherStatus,
)
from refurbishers.selectors import application_missing, refurbisher_for_user
from refurbishers.services import (
    application_certifications_update,
    application_company_update,
    application_document_add,
    application_document_remove,
    application_operations_update,
    application_submit,
    refurbisher_apply,
)
from refurbishers.services.application import COMPANY_FIELDS, EDITABLE

STEPS = [
    ("company", gettext_lazy("Company")),
    ("operations", gettext_lazy("Operations")),
    ("certifications", gettext_lazy("Certifications")),
    ("documents", gettext_lazy("Documents")),
    ("review", gettext_lazy("Review and send")),
]
OPERATIONS_FIELDS = list(OperationsForm.base_fields)
# After approval the refurbisher works from its dashboard.
DASHBOARD_STATUSES = (
    RefurbisherStatus.TRIAL,
    RefurbisherStatus.ACTIVE,
    RefurbisherStatus.SUSPENDED,
)


def _posted(request):
    """The POST data to bind a form to (an empty POST binds too), else None."""
    return request.POST if request.method == "POST" else None


def _steps(current: str, refurbisher: Refurbisher | None) -> list[dict]:
    done = _steps_done(refurbisher)
    return [
        {
            "key": key,
            "label": label,
            "number": number,
            "url": reverse(f"apply-{key}"),
            "current": key == current,
            "done": key in done,
            "enabled": refurbisher is not None or key == "company",
        }
        for number, (key, label) in enumerate(STEPS, start=1)
    ]


def _steps_done(refurbisher: Refurbisher | None) -> set[str]:
    if refurbisher is None:
        return set()
    application = refurbisher.application
    done = {"company", "certifications"}
    if all(
        getattr(application, name) not in (None, "", [])
        for name in OPERATIONS_FIELDS
        if OperationsForm.base_fields[name].required
    ):
        done.add("operations")
    kinds = {document.kind for document in application.documents.all()}
    if {
        ApplicationDocument.Kind.BUSINESS_REGISTRATION,
        ApplicationDocument.Kind.INSURANCE,
    } <= kinds:
        done.add("documents")
    return done


def _own_editable(request):
    """The person's refurbisher if its application can be edited, else a redirect."""
    refurbisher = refurbisher_for_user(request.user)
    if refurbisher is None:
        return None, redirect("apply-company")
    if refurbisher.status not in EDITABLE:
        messages.info(
            request,
            gettext("Your application cannot be edited now: it is %(status)s.")
            % {"status": refurbisher.get_status_display().lower()},
        )
        return None, redirect("apply")
    return refurbisher, None


def _step_page(request, template: str, step: str, refurbisher, **context):
    return render(
        request,
        template,
        {
            "steps": _steps(step, refurbisher),
            "step": step,
            "refurbisher": refurbisher,
            **context,
        },
    )


@require_safe
def apply(request):
    """The "Sell on ReMarket" landing, or the person's application status."""
    refurbisher = refurbisher_for_user(request.user)
    if refurbisher is None:
        return render(
            request,
            "seller/apply/landing.html",
            {
                "trial_days": DEFAULT_TRIAL_DAYS,
                "daily_sales_cap": DEFAULT_DAILY_SALES_CAP,
                "warranty_min_months": PLATFORM_WARRANTY_MIN_MONTHS,
                "markets": MARKETS.values(),
            },
        )
    application = refurbisher.application
    return render(
        request,
        "seller/apply/status.html",
        {
            "refurbisher": refurbisher,
            "application": application,
            "editable": refurbisher.status in EDITABLE,
            "approved": refurbisher.status in DASHBOARD_STATUSES,
            "missing": (
                application_missing(refurbisher)
                if refurbisher.status in EDITABLE
                else []
            ),
            "history": refurbisher.status_changes.only(
                "from_status", "to_status", "created_at"
            ),
            "steps": _steps("", refurbisher),
        },
    )


@login_required
def company(request):
    refurbisher = refurbisher_for_user(request.user)
    if refurbisher is not None and refurbisher.status not in EDITABLE:
        _, response = _own_editable(request)
        return response
    if refurbisher is None:
        country = getattr(request, "market", None)
        country = country.code if country else "US"
        initial = {"country": country, "time_zone": default_time_zone(country)}
    else:
        initial = {name: getattr(refurbisher, name) for name in COMPANY_FIELDS}
    form = CompanyForm(
        _posted(request),
        initial=initial,
        current_time_zone=refurbisher.time_zone if refurbisher else "",
    )
    if request.method == "POST" and form.is_valid():
        values = {**form.cleaned_data, "website": form.cleaned_data["website"] or ""}
        try:
            if refurbisher is None:
                refurbisher_apply(user=request.user, company=values)
            else:
                application_company_update(refurbisher=refurbisher, company=values)
        except RefurbisherError as error:
            refusal_to_form(form, error)
        else:
            return redirect("apply-operations")
    return _step_page(
        request, "seller/apply/company.html", "company", refurbisher, form=form
    )


@login_required
def operations(request):
    refurbisher, response = _own_editable(request)
    if response:
        return response
    application = refurbisher.application
    form = OperationsForm(
        _posted(request),
        initial={name: getattr(application, name) for name in OPERATIONS_FIELDS},
    )
    if request.method == "POST" and form.is_valid():
        try:
            application_operations_update(
                refurbisher=refurbisher, operations=form.cleaned_data
            )
        except RefurbisherError as error:
            refusal_to_form(form, error)
        else:
            return redirect("apply-certifications")
    return _step_page(
        request, "seller/apply/operations.html", "operations", refurbisher, form=form
    )


@login_required
def certifications(request):
    refurbisher, response = _own_editable(request)
    if response:
        return response
    form = CertificationsForm(
        _posted(request),
        initial={"certifications": refurbisher.application.certifications},
    )
    if request.method == "POST" and form.is_valid():
        try:
            application_certifications_update(
                refurbisher=refurbisher,
                certifications=form.cleaned_data["certifications"],
            )
        except RefurbisherError as error:
            refusal_to_form(form, error)
        else:
            return redirect("apply-documents")
    return _step_page(
        request,
        "seller/apply/certifications.html",
        "certifications",
        refurbisher,
        form=form,
    )


@login_required
def documents(request):
    refurbisher, response = _own_editable(request)
    if response:
        return response
    form = DocumentForm(
        _posted(request),
        request.FILES if request.method == "POST" else None,
        max_bytes=settings.DOCUMENT_MAX_BYTES,
    )
    if request.method == "POST" and form.is_valid():
        try:
            document = application_document_add(
                refurbisher=refurbisher,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                user=request.user,
            )
        except RefurbisherError as error:
            refusal_to_form(form, error)
        else:
            messages.success(
                request,
                gettext("Added %(kind)s: %(original_name)s.")
                % {
                    "kind": document.get_kind_display().lower(),
                    "original_name": document.original_name,
                },
            )
            return redirect("apply-documents")
    return _step_page(
        request,
        "seller/apply/documents.html",
        "documents",
        refurbisher,
        form=form,
        documents=refurbisher.application.documents.all(),
        kinds=ApplicationDocument.Kind,
    )


@require_POST
@login_required
def document_remove(request, document_id: int):
    refurbisher, response = _own_editable(request)
    if response:
        return response
    document = ApplicationDocument.objects.filter(
        pk=document_id, application__refurbisher=refurbisher
    ).first()
    if document is None:
        raise Http404("No such document.")
    try:
        application_document_remove(refurbisher=refurbisher, document=document)
    except RefurbisherError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            gettext("Removed %(original_name)s.")
            % {"original_name": document.original_name},
        )
    return redirect("apply-documents")


@require_safe
@login_required
def document_download(request, document_id: int):
    """Stream a document to its refurbisher's members or to QA staff; 404 for others.

    404 rather than 403, so that a stranger learns nothing about which ids exist.
    """
    document = (
        ApplicationDocument.objects.select_related("application")
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        raise Http404("No such document.")
    user = request.user
    is_member = Membership.objects.filter(
        user=user, refurbisher_id=document.application.refurbisher_id
    ).exists()
    is_qa = user.is_staff and user.has_perm("refurbishers.view_applicationdocument")
    if not (is_member or is_qa):
        raise Http404("No such document.")
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("No such document.") from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def _labels(values: list[str], choices) -> list[str]:
    names = dict(choices)
    return [names.get(value, value) for value in values]


def _review_page(request, refurbisher, **context):
    application = refurbisher.application
    return _step_page(
        request,
        "seller/apply/review.html",
        "review",
        refurbisher,
        application=application,
        documents=application.documents.all(),
        missing=application_missing(refurbisher),
        channel_labels=_labels(
            application.service_channels, Application.Channel.choices
        ),
        certification_labels=_labels(
            application.certifications, Application.Certification.choices
        ),
        email_confirmed=email_is_confirmed(request.user),
        **context,
    )


@login_required
def review(request):
    refurbisher, response = _own_editable(request)
    if response:
        return response
    return _review_page(request, refurbisher)


@require_POST
@login_required
def submit(request):
    refurbisher, response = _own_editable(request)
    if response:
        return response
    if not email_is_confirmed(request.user):
        return _review_page(
            request,
            refurbisher,
            submit_error=gettext(
                "Confirm your email address before sending the application: "
                "open the link we emailed you, or send a new one."
            ),
        )
    try:
        application_submit(refurbisher=refurbisher, actor=request.user)
    except RefurbisherError as error:
        return _review_page(request, refurbisher, submit_error=error.message)
    messages.success(
        request,
        gettext("Application sent. Our quality team will review it and email you."),
    )
    return redirect("apply")
