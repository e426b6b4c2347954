"""Refurbishers: the professional sellers. Issue 3 grows vetting and the trial here."""

from __future__ import annotations

import zoneinfo

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from marketplace.markets import MARKET_CHOICES, MARKETS


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone.")


class RefurbisherStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    REJECTED = "rejected", "Rejected"
    TRIAL = "trial", "On trial"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"


# A refurbisher's listings are on the site only in these states.
SELLING_STATUSES = (RefurbisherStatus.TRIAL, RefurbisherStatus.ACTIVE)


class Refurbisher(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    country = models.CharField(max_length=2, choices=MARKET_CHOICES)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    status = models.CharField(
        max_length=20,
        choices=RefurbisherStatus.choices,
        default=RefurbisherStatus.DRAFT,
    )
    # Markets it ships to; always within its country's trade zone.
    ships_to = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    dispatch_days = models.PositiveSmallIntegerField(default=1)
    # Public scorecard figures, recomputed by the quality app.
    rating_average = models.DecimalField(
        max_digits=3, decimal_places=2, null=True, blank=True
    )
    rating_count = models.PositiveIntegerField(default=0)
    selling_since = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(country__in=list(MARKETS)),
                name="refurbisher_country_is_market",
            ),
            models.CheckConstraint(
                condition=Q(ships_to__contained_by=list(MARKETS)),
                name="refurbisher_ships_to_markets",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_selling(self) -> bool:
        return self.status in SELLING_STATUSES
