"""Refurbisher writes. Issue 3 grows the vetting and trial state machine here."""

from __future__ import annotations

from django.db import transaction

from listings.services import offers_refresh
from refurbishers.models import Refurbisher


@transaction.atomic
def refurbisher_status_force(*, refurbisher: Refurbisher, status: str) -> Refurbisher:
    """Set a status directly (demo data and tests); its offers follow at once.

    The audited state machine with its permitted moves replaces this in issue 3.
    """
    refurbisher = Refurbisher.objects.select_for_update().get(pk=refurbisher.pk)
    refurbisher.status = status
    refurbisher.save(update_fields=["status"])
    offers_refresh(refurbisher_ids=[refurbisher.pk])
    return refurbisher
