"""Emails to a refurbisher's owners when its status changes (through the outbox)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext, gettext_lazy

from marketplace.emails import email_queue
from refurbishers.models import MemberRole, RefurbisherStatusChange

# Statuses an applicant or seller is told about, with the email's subject.
SUBJECTS = {
    "submitted": gettext_lazy("We received your application"),
    "changes_requested": gettext_lazy("Your application needs changes"),
    "rejected": gettext_lazy("Your application was not accepted"),
    "trial": gettext_lazy("Welcome to ReMarket: your trial starts today"),
    "active": gettext_lazy("Your trial is over: you now sell without limits"),
    "suspended": gettext_lazy("Your shop on ReMarket is suspended"),
}


def status_change_notify(*, change_id: int) -> int:
    """Queue the owners' email about one status change; returns the emails queued.

    Called in the change's transaction: the email leaves once it commits.
    """
    change = RefurbisherStatusChange.objects.select_related("refurbisher").get(
        pk=change_id
    )
    subject = SUBJECTS.get(change.to_status)
    if subject is None or change.from_status == change.to_status:
        return 0
    refurbisher = change.refurbisher
    recipients = list(
        refurbisher.memberships.filter(role=MemberRole.OWNER).values_list(
            "user__email", flat=True
        )
    )
    recipients = [email for email in recipients if email]
    if not recipients:
        return 0
    context = {
        "refurbisher": refurbisher,
        "change": change,
        "site_url": settings.SITE_URL,
    }
    text = render_to_string("emails/refurbisher_status.txt", context)
    html = render_to_string("emails/refurbisher_status.html", context)
    message = EmailMultiAlternatives(
        subject=gettext("ReMarket: %(subject)s") % {"subject": subject},
        body=text,
        to=recipients,
    )
    message.attach_alternative(html, "text/html")
    return email_queue(
        message=message,
        kind="refurbisher_status",
        key=f"refurbisher-status:{change.pk}",
    )
