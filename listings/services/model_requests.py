"""A refurbisher asks for a device model the catalog lacks; QA adds it or
declines, and the refurbisher's owners hear of the decision by email."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from listings.exceptions import ListingError
from listings.models import (
    Category,
    DeviceModel,
    DeviceModelRequest,
    DeviceModelRequestStatus,
)
from marketplace.emails import email_queue
from refurbishers.models import MemberRole, Refurbisher

OPEN_REQUESTS_MAX = 20


@transaction.atomic
def device_model_request_create(
    *,
    refurbisher: Refurbisher,
    actor,
    brand_name: str,
    model_name: str,
    category: Category | None = None,
    details: str = "",
) -> DeviceModelRequest:
    """Record a request for QA; the same model asked twice while open is refused."""
    brand_name, model_name = brand_name.strip(), model_name.strip()
    if not brand_name or not model_name:
        raise ListingError(gettext("Name the brand and the model."), field="model_name")
    Refurbisher.objects.select_for_update().filter(pk=refurbisher.pk).first()
    waiting = DeviceModelRequest.objects.filter(
        refurbisher=refurbisher, status=DeviceModelRequestStatus.OPEN
    )
    if waiting.filter(
        brand_name__iexact=brand_name, model_name__iexact=model_name
    ).exists():
        raise ListingError(
            gettext(
                "You already asked for the %(brand_name)s %(model_name)s: QA "
                "will answer."
            )
            % {"brand_name": brand_name, "model_name": model_name},
            field="model_name",
        )
    if waiting.count() >= OPEN_REQUESTS_MAX:
        raise ListingError(
            gettext(
                "You have %(open_requests_max)s requests waiting: wait for "
                "QA's answers."
            )
            % {"open_requests_max": OPEN_REQUESTS_MAX}
        )
    return DeviceModelRequest.objects.create(
        refurbisher=refurbisher,
        requested_by=actor,
        category=category,
        brand_name=brand_name,
        model_name=model_name,
        details=details.strip(),
    )


def _decide(request: DeviceModelRequest, actor, **fields) -> DeviceModelRequest:
    request = DeviceModelRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != DeviceModelRequestStatus.OPEN:
        raise ListingError(
            gettext("The request for %(request)s is already decided (%(status)s).")
            % {"request": request, "status": request.get_status_display().lower()}
        )
    for name, value in fields.items():
        setattr(request, name, value)
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.save(update_fields=[*fields, "decided_by", "decided_at"])
    request_id = request.pk
    model_request_decision_notify(request_id=request_id)
    return request


@transaction.atomic
def device_model_request_mark_added(
    *, request: DeviceModelRequest, actor, device_model: DeviceModel, note: str = ""
) -> DeviceModelRequest:
    """QA added the model (or it existed): point the request at it."""
    return _decide(
        request,
        actor,
        status=DeviceModelRequestStatus.ADDED,
        device_model=device_model,
        qa_note=note.strip(),
    )


@transaction.atomic
def device_model_request_decline(
    *, request: DeviceModelRequest, actor, note: str
) -> DeviceModelRequest:
    """QA will not add the model; the note tells the refurbisher why."""
    if not note.strip():
        raise ListingError(gettext("Say why the model is not added."), field="note")
    return _decide(
        request, actor, status=DeviceModelRequestStatus.DECLINED, qa_note=note.strip()
    )


def model_request_decision_notify(*, request_id: int) -> int:
    """Queue the owners' email of QA's decision; returns the emails queued."""
    request = DeviceModelRequest.objects.select_related(
        "refurbisher", "device_model__brand"
    ).get(pk=request_id)
    recipients = [
        email
        for email in request.refurbisher.memberships.filter(
            role=MemberRole.OWNER
        ).values_list("user__email", flat=True)
        if email
    ]
    if not recipients:
        return 0
    added = request.status == DeviceModelRequestStatus.ADDED
    context = {
        "request": request,
        "refurbisher": request.refurbisher,
        "added": added,
        "url": f"{settings.SITE_URL}/seller/listings/"
        + ("new/" if added else "model-requests/"),
    }
    if added:
        subject = gettext("ReMarket: %(request)s is in the catalog")
    else:
        subject = gettext("ReMarket: About your request for %(request)s")
    message = EmailMultiAlternatives(
        subject=subject % {"request": request},
        body=render_to_string("emails/model_request_decided.txt", context),
        to=recipients,
    )
    message.attach_alternative(
        render_to_string("emails/model_request_decided.html", context), "text/html"
    )
    return email_queue(
        message=message,
        kind="model_request_decided",
        key=f"model-request-decided:{request.pk}",
    )
