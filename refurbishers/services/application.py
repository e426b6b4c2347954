"""Applying to sell: the company, its operations, certifications and documents.

An application can be edited while it is a draft or when QA asked for
changes; every step saves on its own, so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext

from marketplace.images import ImageRefused, image_reencode
from marketplace.uploads import JPEG, PDF, PNG, sniffed_content_type
from refurbishers.exceptions import DocumentRejected, StatusChangeNotAllowed
from refurbishers.models import (
    Application,
    ApplicationDocument,
    MemberRole,
    Membership,
    Refurbisher,
    RefurbisherStatus,
)

EDITABLE = (RefurbisherStatus.DRAFT, RefurbisherStatus.CHANGES_REQUESTED)
COMPANY_FIELDS = (
    "name", "legal_name", "registration_number", "vat_id", "country", "address",
    "time_zone", "website", "years_in_business", "devices_per_month",
)  # fmt: skip
OPERATIONS_FIELDS = (
    "testing_checkpoints", "testing_tools", "repair_process", "parts",
    "erasure_method", "erasure_standard", "erasure_certificate", "warranty_months",
    "service_channels", "service_hours", "service_team_size", "return_address",
)  # fmt: skip
# What a document may be (recognised by content: marketplace.uploads).
DOCUMENT_TYPES = (PDF, PNG, JPEG)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:120] or "refurbisher"
    slug, number = base, 1
    while Refurbisher.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def _editable(refurbisher: Refurbisher) -> Refurbisher:
    refurbisher = Refurbisher.objects.select_for_update().get(pk=refurbisher.pk)
    if refurbisher.status not in EDITABLE:
        raise StatusChangeNotAllowed(
            gettext(
                "The application can be edited while it is a draft or when "
                "QA asks for changes."
            )
        )
    return refurbisher


@transaction.atomic
def refurbisher_apply(*, user, company: Mapping[str, Any]) -> Refurbisher:
    """Start an application: a draft refurbisher owned by ``user``."""
    if Membership.objects.filter(user=user).exists():
        raise StatusChangeNotAllowed(
            gettext("This account already belongs to a refurbisher.")
        )
    values = {name: company[name] for name in COMPANY_FIELDS if name in company}
    refurbisher = Refurbisher.objects.create(
        slug=_unique_slug(values.get("name", "")),
        status=RefurbisherStatus.DRAFT,
        **values,
    )
    refurbisher.ships_to = [refurbisher.country] if refurbisher.country else []
    refurbisher.save(update_fields=["ships_to"])
    Application.objects.create(refurbisher=refurbisher)
    Membership.objects.create(user=user, refurbisher=refurbisher, role=MemberRole.OWNER)
    return refurbisher


@transaction.atomic
def application_company_update(
    *, refurbisher: Refurbisher, company: Mapping[str, Any]
) -> Refurbisher:
    """Save the company step."""
    refurbisher = _editable(refurbisher)
    fields = [name for name in COMPANY_FIELDS if name in company]
    for name in fields:
        setattr(refurbisher, name, company[name])
    if "country" in fields and refurbisher.country not in refurbisher.ships_to:
        refurbisher.ships_to = [refurbisher.country]
        fields.append("ships_to")
    refurbisher.save(update_fields=fields)
    return refurbisher


@transaction.atomic
def application_operations_update(
    *, refurbisher: Refurbisher, operations: Mapping[str, Any]
) -> Application:
    """Save the operations step (testing, repair, erasure, warranty, service)."""
    refurbisher = _editable(refurbisher)
    application = refurbisher.application
    fields = [name for name in OPERATIONS_FIELDS if name in operations]
    for name in fields:
        setattr(application, name, operations[name])
    application.save(update_fields=[*fields, "updated_at"])
    return application


@transaction.atomic
def application_certifications_update(
    *, refurbisher: Refurbisher, certifications: list[str]
) -> Application:
    """Save the optional certifications (R2, e-Stewards, ISO 9001, ISO 14001)."""
    refurbisher = _editable(refurbisher)
    known = set(Application.Certification.values)
    application = refurbisher.application
    application.certifications = [
        c for c in dict.fromkeys(certifications) if c in known
    ]
    application.save(update_fields=["certifications", "updated_at"])
    return application


def document_content_type(upload: UploadedFile) -> str:
    """The document's real type from its first bytes; DocumentRejected otherwise."""
    if upload.size > settings.DOCUMENT_MAX_BYTES:
        limit = settings.DOCUMENT_MAX_BYTES // (1024 * 1024)
        raise DocumentRejected(
            gettext("A document can be %(limit)s MB at most.") % {"limit": limit},
            field="file",
        )
    if upload.size == 0:
        raise DocumentRejected(gettext("The file is empty."), field="file")
    content_type = sniffed_content_type(upload)
    if content_type in DOCUMENT_TYPES:
        return content_type
    raise DocumentRejected(
        gettext(
            "Upload a PDF, PNG or JPEG file (this one is none of them, "
            "whatever its name)."
        ),
        field="file",
    )


@transaction.atomic
def application_document_add(
    *, refurbisher: Refurbisher, kind: str, upload: UploadedFile, user
) -> ApplicationDocument:
    """Store one document through Django's storage, after checking its content."""
    if kind not in ApplicationDocument.Kind.values:
        raise DocumentRejected(gettext("Choose what the document is."), field="kind")
    refurbisher = _editable(refurbisher)
    content_type = document_content_type(upload)
    stored: File = upload
    if content_type != PDF:
        # A scan or a phone photo: stored re-encoded, without its EXIF (where
        # and with what it was taken).
        try:
            clean = image_reencode(upload)
        except ImageRefused as refusal:
            raise DocumentRejected(refusal.message, field="file") from None
        stored, content_type = clean.content, clean.content_type
    document = ApplicationDocument(
        application=refurbisher.application,
        kind=kind,
        original_name=(upload.name or "document")[:200],
        content_type=content_type,
        size=stored.size,
        uploaded_by=user,
    )
    # The stored name comes from application_document_path (random).
    document.file.save(upload.name or "document", stored, save=False)
    document.save()
    return document


@transaction.atomic
def application_document_remove(
    *, refurbisher: Refurbisher, document: ApplicationDocument
) -> None:
    """Delete a document of an editable application (and its stored file)."""
    refurbisher = _editable(refurbisher)
    if document.application_id != refurbisher.application.pk:
        raise DocumentRejected(gettext("No such document."))
    stored = document.file.name
    storage = document.file.storage
    document.delete()
    transaction.on_commit(lambda: storage.delete(stored))
