"""Reads of the quality app that other apps ask."""

from __future__ import annotations

from refurbishers.models import Refurbisher, SaleSlot, SaleSlotStatus


def trial_sales_all_passed(refurbisher: Refurbisher) -> bool:
    """Whether every trial sale of the refurbisher was reviewed by QA and passed.

    Until QA's trial-sale reviews exist (issue 6 adds them here), a confirmed
    trial sale counts as unreviewed: a trial with sales then waits for a QA
    decision instead of graduating unseen.
    """
    return not SaleSlot.objects.filter(
        refurbisher=refurbisher, status=SaleSlotStatus.CONFIRMED
    ).exists()
