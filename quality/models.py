"""Quality: QA's review of trial sales, shopper reviews, and seller metrics.

The ranking's inputs and parts live with the offers they rank (``listings``);
this app decides what they are worth.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from marketplace.audit import AuditRecord


class TrialSaleVerdict(models.TextChoices):
    PENDING = "pending", gettext_lazy("Waiting for QA")
    PASSED = "passed", gettext_lazy("Passed")
    FAILED = "failed", gettext_lazy("Failed")
    FOLLOW_UP = "follow_up", gettext_lazy("Follow-up needed")


# quality.services is the only code that gives a verdict, with an audit row.
TRIAL_SALE_VERDICT_MOVES: dict[str, frozenset[str]] = {
    TrialSaleVerdict.PENDING: frozenset(
        {TrialSaleVerdict.PASSED, TrialSaleVerdict.FAILED, TrialSaleVerdict.FOLLOW_UP}
    ),
    TrialSaleVerdict.FOLLOW_UP: frozenset(
        {TrialSaleVerdict.PASSED, TrialSaleVerdict.FAILED}
    ),
    TrialSaleVerdict.PASSED: frozenset(),
    TrialSaleVerdict.FAILED: frozenset(),
}


class TrialSaleReview(models.Model):
    """QA's review of one sale a refurbisher made during its trial.

    Created when a trial refurbisher's seller order is paid. The checklist's
    answers are None until QA (or the facts, for the ones the data can tell)
    fills them.
    """

    seller_order = models.OneToOneField(
        "orders.SellerOrder", on_delete=models.PROTECT, related_name="trial_review"
    )
    refurbisher = models.ForeignKey(
        "refurbishers.Refurbisher",
        on_delete=models.PROTECT,
        related_name="trial_reviews",
    )
    verdict = models.CharField(
        max_length=10,
        choices=TrialSaleVerdict.choices,
        default=TrialSaleVerdict.PENDING,
    )
    shipped_on_time = models.BooleanField(null=True, blank=True)
    tracking_valid = models.BooleanField(null=True, blank=True)
    serial_recorded = models.BooleanField(
        "serial or IMEI recorded", null=True, blank=True
    )
    item_as_described = models.BooleanField(null=True, blank=True)
    messages_answered = models.BooleanField(
        "shopper messages answered within a day", null=True, blank=True
    )
    review_ok = models.BooleanField("shopper's review fine", null=True, blank=True)
    notes = models.TextField(blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["refurbisher", "created_at"],
                condition=Q(verdict__in=["pending", "follow_up"]),
                name="trial_review_open",
            )
        ]

    def __str__(self) -> str:
        return f"Trial sale {self.seller_order_id} ({self.verdict})"


class TrialSaleVerdictChange(AuditRecord):
    """Who gave a trial sale which verdict, when, from what, and why."""

    review = models.ForeignKey(
        TrialSaleReview, on_delete=models.CASCADE, related_name="verdict_changes"
    )
    from_verdict = models.CharField(max_length=10)
    to_verdict = models.CharField(max_length=10)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.review_id}: {self.from_verdict} → {self.to_verdict}"


class SellerReview(models.Model):
    """A shopper's rating of a delivered seller order, 1 to 5, with a comment.

    One per seller order; the shopper may edit it until ``editable_until``;
    the seller may answer once, publicly.
    """

    seller_order = models.OneToOneField(
        "orders.SellerOrder", on_delete=models.PROTECT, related_name="review"
    )
    refurbisher = models.ForeignKey(
        "refurbishers.Refurbisher", on_delete=models.PROTECT, related_name="reviews"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Shown publicly instead of the email: "Jordan L."
    author_name = models.CharField(max_length=60)
    rating = models.PositiveSmallIntegerField()
    comment = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    editable_until = models.DateTimeField()
    seller_answer = models.TextField(max_length=2000, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # QA may hide a review that breaks the rules (abuse, personal data).
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            )
        ]
        indexes = [
            models.Index(
                fields=["refurbisher", "-created_at"],
                condition=Q(hidden=False),
                name="review_public",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ for {self.refurbisher_id}"


class SellerMetrics(models.Model):
    """A refurbisher's scorecard over the rolling window ending on ``day``.

    One row per refurbisher and day (the latest is the current scorecard; the
    others draw its 90-day charts). Rates are fractions 0 to 1, None when
    there was nothing to measure (no sales, no messages).
    """

    refurbisher = models.ForeignKey(
        "refurbishers.Refurbisher", on_delete=models.CASCADE, related_name="metrics"
    )
    day = models.DateField()
    window_days = models.PositiveSmallIntegerField(default=90)
    sales = models.PositiveIntegerField(default=0)
    defect_rate = models.FloatField(null=True, blank=True)
    late_shipment_rate = models.FloatField(null=True, blank=True)
    cancellation_rate = models.FloatField(null=True, blank=True)
    valid_tracking_rate = models.FloatField(null=True, blank=True)
    median_first_answer_hours = models.FloatField(null=True, blank=True)
    median_claim_resolution_hours = models.FloatField(null=True, blank=True)
    rating_average = models.FloatField(null=True, blank=True)
    rating_count = models.PositiveIntegerField(default=0)
    trial_pass_rate = models.FloatField(null=True, blank=True)
    # Names of the thresholds crossed ("defect_rate", ...); [] when all is well.
    thresholds_crossed = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day", "refurbisher_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["refurbisher", "day"], name="seller_metrics_once_a_day"
            )
        ]
        verbose_name_plural = "seller metrics"

    def __str__(self) -> str:
        return f"Metrics of {self.refurbisher_id} on {self.day}"
