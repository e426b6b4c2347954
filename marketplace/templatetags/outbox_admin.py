"""Template tags of QA's admin index: the outbox's queues (emails not through)."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from marketplace.models import EmailStatus, OutgoingEmail

register = template.Library()


@dataclass(frozen=True)
class Queue:
    label: str
    count: int
    url: str


@register.simple_tag
def outbox_queues_for(user) -> list[Queue]:
    """Emails being retried and emails that failed, for staff who may see them."""
    if not user.has_perm("marketplace.view_outgoingemail"):
        return []
    counts = OutgoingEmail.objects.aggregate(
        retrying=Count("pk", filter=Q(status=EmailStatus.PENDING, attempts__gt=0)),
        failed=Count("pk", filter=Q(status=EmailStatus.FAILED)),
    )
    changelist = reverse("admin:marketplace_outgoingemail_changelist")
    return [
        Queue(
            _("Emails being retried"),
            counts["retrying"],
            f"{changelist}?retrying=1",
        ),
        Queue(
            _("Emails that failed"),
            counts["failed"],
            f"{changelist}?status__exact={EmailStatus.FAILED}",
        ),
    ]
