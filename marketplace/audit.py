"""The shape every audit row shares: who made a change, why, and when.

Each audited thing (an order, a return, a claim, a trial sale's verdict) has
its own table of changes with its own "from" and "to"; the rest is here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditRecord(models.Model):
    # None when the system made the change (a Celery task, a payment event).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
