"""People and refurbishers at each stage of onboarding, built through the services."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from refurbishers.models import ApplicationDocument, Criterion, Refurbisher
from refurbishers.services import (
    application_approve,
    application_document_add,
    application_operations_update,
    application_submit,
    criterion_review_set,
    refurbisher_apply,
)
from tests.support.images import image_bytes

PASSWORD = "correct-horse-battery-staple"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = image_bytes("PNG")
QA_PERMISSIONS = [
    "view_refurbisher", "change_refurbisher", "vet_refurbisher",
    "suspend_refurbisher", "view_application", "view_applicationdocument",
    "view_criterionreview", "add_criterionreview", "change_criterionreview",
    "view_refurbisherstatuschange",
]  # fmt: skip
_numbers = itertools.count(1)


def user_make(*, email: str | None = None, **fields):
    number = next(_numbers)
    email = email or f"person{number}@example.com"
    return get_user_model().objects.create_user(
        username=fields.pop("username", email), email=email, password=PASSWORD, **fields
    )


def qa_user_make(**fields):
    """A staff member with the QA permissions only (not a superuser)."""
    user = user_make(is_staff=True, **fields)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="refurbishers", codename__in=QA_PERMISSIONS
        )
    )
    return user


def pdf_upload(name: str = "document.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


COMPANY = {
    "name": "Atelier Renov",
    "legal_name": "Atelier Renov SAS",
    "registration_number": "RCS Lyon 912 345 678",
    "vat_id": "FR12912345678",
    "country": "FR",
    "address": "12 rue de la Soie, 69003 Lyon",
    "time_zone": "Europe/Paris",
    "website": "https://atelier-renov.example",
    "years_in_business": 7,
    "devices_per_month": 1200,
}
OPERATIONS = {
    "testing_checkpoints": 45,
    "testing_tools": "Phonecheck, custom battery bench",
    "repair_process": "Bench repair by certified technicians, parts logged per IMEI.",
    "parts": "both",
    "erasure_method": "Blancco Mobile Diagnostics & Erasure",
    "erasure_standard": "NIST 800-88 Purge",
    "erasure_certificate": "Blancco certificate per device",
    "warranty_months": 12,
    "service_channels": ["email", "phone"],
    "service_hours": "Mon-Fri 9:00-18:00",
    "service_team_size": 4,
    "return_address": "12 rue de la Soie, 69003 Lyon",
}


def applicant_make(*, complete: bool = True, submit: bool = False, **company):
    """A person who started an application; complete with documents if asked."""
    user = user_make()
    refurbisher = refurbisher_apply(
        user=user, company={**COMPANY, "name": f"Renov {next(_numbers)}", **company}
    )
    if complete:
        application_operations_update(refurbisher=refurbisher, operations=OPERATIONS)
        for kind in (
            ApplicationDocument.Kind.BUSINESS_REGISTRATION,
            ApplicationDocument.Kind.INSURANCE,
        ):
            application_document_add(
                refurbisher=refurbisher, kind=kind, upload=pdf_upload(), user=user
            )
    if submit:
        application_submit(refurbisher=refurbisher, actor=user)
    refurbisher.refresh_from_db()
    return user, refurbisher


def criteria_pass(refurbisher: Refurbisher, qa_user) -> None:
    for criterion in Criterion.values:
        criterion_review_set(
            refurbisher=refurbisher, criterion=criterion, passed=True,
            note="Checked.", actor=qa_user,
        )  # fmt: skip


def trial_refurbisher_make(
    *, daily_sales_cap: int = 5, trial_days: int = 40, **company
):
    """A refurbisher approved by QA, on trial from now: (owner, refurbisher)."""
    owner, refurbisher = applicant_make(submit=True, **company)
    qa = qa_user_make()
    criteria_pass(refurbisher, qa)
    application_approve(
        refurbisher=refurbisher, actor=qa, trial_days=trial_days,
        daily_sales_cap=daily_sales_cap,
    )  # fmt: skip
    refurbisher.refresh_from_db()
    return owner, refurbisher
