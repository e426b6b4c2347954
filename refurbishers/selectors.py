"""Reads for refurbishers' pages, the dashboard and the admin."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from marketplace.markets import PLATFORM_WARRANTY_MIN_MONTHS
from refurbishers.models import (
    ApplicationDocument,
    Membership,
    Refurbisher,
    RefurbisherStatus,
    RefurbisherStatusChange,
    SaleDay,
)

# Fields an application needs before it can be sent, with their names.
REQUIRED_FIELDS = {
    "refurbisher": [
        ("legal_name", gettext_lazy("legal name")),
        ("registration_number", gettext_lazy("registration number")),
        ("vat_id", gettext_lazy("VAT or tax id")),
        ("address", gettext_lazy("address")),
        ("years_in_business", gettext_lazy("years in business")),
        ("devices_per_month", gettext_lazy("devices refurbished per month")),
    ],
    "application": [
        ("testing_checkpoints", gettext_lazy("number of test checkpoints")),
        ("testing_tools", gettext_lazy("testing tools")),
        ("repair_process", gettext_lazy("repair process")),
        ("parts", gettext_lazy("parts used")),
        ("erasure_method", gettext_lazy("data erasure method")),
        ("erasure_standard", gettext_lazy("data erasure standard")),
        ("warranty_months", gettext_lazy("warranty months")),
        ("service_channels", gettext_lazy("customer-service channels")),
        ("service_hours", gettext_lazy("customer-service hours")),
        ("service_team_size", gettext_lazy("customer-service team size")),
        ("return_address", gettext_lazy("return address")),
    ],
}


def refurbisher_for_user(user) -> Refurbisher | None:
    """The refurbisher a signed-in person works for, if any."""
    if not user.is_authenticated:
        return None
    membership = (
        Membership.objects.select_related("refurbisher__application")
        .filter(user=user)
        .first()
    )
    return membership.refurbisher if membership else None


def suspension_reason(refurbisher: Refurbisher) -> str:
    """QA's reason for the refurbisher's current suspension, or "" if not suspended.

    Read from the audit row of the latest move to suspended (one query).
    """
    if refurbisher.status != RefurbisherStatus.SUSPENDED:
        return ""
    reason = (
        RefurbisherStatusChange.objects.filter(
            refurbisher_id=refurbisher.pk, to_status=RefurbisherStatus.SUSPENDED
        )
        .order_by("-created_at", "-pk")
        .values_list("reason", flat=True)
        .first()
    )
    return reason or ""


def membership_for_user(user) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.select_related("refurbisher").filter(user=user).first()


# A member of a refurbisher in these states has a dashboard to go to.
DASHBOARD_STATUSES = {
    RefurbisherStatus.TRIAL,
    RefurbisherStatus.ACTIVE,
    RefurbisherStatus.SUSPENDED,
}


def member_home(user) -> str | None:
    """Where a member lands after signing in: the seller area once approved,
    else their application; None for someone who is not a member.

    Named by the ``ACCOUNT_HOME_CALLABLE`` setting, which the accounts' landing
    page calls (it does not know refurbishers).
    """
    membership = membership_for_user(user)
    if membership is None:
        return None
    if membership.refurbisher.status in DASHBOARD_STATUSES:
        return "/seller/"
    return "apply"


def application_missing(refurbisher: Refurbisher) -> list[str]:
    """What an application still lacks before it can be sent to QA."""
    application = refurbisher.application
    missing = [
        str(label)
        for name, label in REQUIRED_FIELDS["refurbisher"]
        if getattr(refurbisher, name) in (None, "", [])
    ]
    missing += [
        str(label)
        for name, label in REQUIRED_FIELDS["application"]
        if getattr(application, name) in (None, "", [])
    ]
    months = application.warranty_months
    if months is not None and months < PLATFORM_WARRANTY_MIN_MONTHS:
        missing.append(
            gettext("a warranty of at least %(months)s months")
            % {"months": PLATFORM_WARRANTY_MIN_MONTHS}
        )
    kinds = set(application.documents.values_list("kind", flat=True))
    if ApplicationDocument.Kind.BUSINESS_REGISTRATION not in kinds:
        missing.append(gettext("a business registration document"))
    if ApplicationDocument.Kind.INSURANCE not in kinds:
        missing.append(gettext("an insurance document"))
    return missing


@dataclass
class TrialProgress:
    days_total: int
    days_left: int
    sales_today: int
    reserved_today: int
    cap: int
    capped_today: bool
    ends_at: object


def trial_progress(refurbisher: Refurbisher) -> TrialProgress | None:
    """Where a trial stands today; None when the refurbisher is not on trial."""
    from refurbishers.services.sales import local_date

    if refurbisher.status != RefurbisherStatus.TRIAL or not refurbisher.trial_ends_at:
        return None
    day = SaleDay.objects.filter(
        refurbisher=refurbisher, local_date=local_date(refurbisher)
    ).first()
    confirmed = day.confirmed if day else 0
    cap = day.cap if day else refurbisher.daily_sales_cap
    seconds_left = (refurbisher.trial_ends_at - timezone.now()).total_seconds()
    return TrialProgress(
        days_total=refurbisher.trial_days_total or 0,
        days_left=max(0, math.ceil(seconds_left / 86400)),
        sales_today=confirmed,
        reserved_today=day.reserved if day else 0,
        cap=cap,
        capped_today=confirmed >= cap,
        ends_at=refurbisher.trial_ends_at,
    )
