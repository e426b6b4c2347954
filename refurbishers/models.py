"""Refurbishers: applications, vetting, status history, members and the trial cap."""

from __future__ import annotations

import uuid
import zoneinfo

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, gettext_lazy

from marketplace.markets import MARKET_CHOICES, MARKETS


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            gettext("%(value)s is not a known time zone.") % {"value": repr(value)}
        )


class RefurbisherStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("Draft")
    SUBMITTED = "submitted", gettext_lazy("Submitted")
    IN_REVIEW = "in_review", gettext_lazy("In review")
    CHANGES_REQUESTED = "changes_requested", gettext_lazy("Changes requested")
    REJECTED = "rejected", gettext_lazy("Rejected")
    TRIAL = "trial", gettext_lazy("On trial")
    ACTIVE = "active", gettext_lazy("Active")
    SUSPENDED = "suspended", gettext_lazy("Suspended")


# A refurbisher's listings are on the site only in these states.
SELLING_STATUSES = (RefurbisherStatus.TRIAL, RefurbisherStatus.ACTIVE)

# The moves each status permits; refurbishers.services.status is the only
# code that changes a status, and it checks this table. Suspension returns
# to the status it came from (trial or active) when QA reinstates.
ALLOWED_MOVES: dict[str, frozenset[str]] = {
    RefurbisherStatus.DRAFT: frozenset({RefurbisherStatus.SUBMITTED}),
    RefurbisherStatus.SUBMITTED: frozenset(
        {
            RefurbisherStatus.IN_REVIEW,
            RefurbisherStatus.CHANGES_REQUESTED,
            RefurbisherStatus.REJECTED,
        }
    ),
    RefurbisherStatus.IN_REVIEW: frozenset(
        {
            RefurbisherStatus.CHANGES_REQUESTED,
            RefurbisherStatus.REJECTED,
            RefurbisherStatus.TRIAL,
        }
    ),
    RefurbisherStatus.CHANGES_REQUESTED: frozenset({RefurbisherStatus.SUBMITTED}),
    RefurbisherStatus.REJECTED: frozenset(),
    RefurbisherStatus.TRIAL: frozenset(
        {RefurbisherStatus.ACTIVE, RefurbisherStatus.SUSPENDED}
    ),
    RefurbisherStatus.ACTIVE: frozenset({RefurbisherStatus.SUSPENDED}),
    RefurbisherStatus.SUSPENDED: frozenset(
        {RefurbisherStatus.TRIAL, RefurbisherStatus.ACTIVE}
    ),
}
DEFAULT_TRIAL_DAYS = 40
DEFAULT_DAILY_SALES_CAP = 5


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
    # Company details from the application.
    legal_name = models.CharField(max_length=200, blank=True)
    registration_number = models.CharField(max_length=64, blank=True)
    vat_id = models.CharField("VAT or tax id", max_length=32, blank=True)
    address = models.TextField(blank=True)
    website = models.URLField(blank=True)
    years_in_business = models.PositiveSmallIntegerField(null=True, blank=True)
    devices_per_month = models.PositiveIntegerField(null=True, blank=True)
    # The trial: set when QA approves, changed only through the trial services.
    trial_started_at = models.DateTimeField(null=True, blank=True)
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    daily_sales_cap = models.PositiveSmallIntegerField(default=DEFAULT_DAILY_SALES_CAP)
    # Set by the daily trial review when a trial cannot end by itself.
    needs_qa_decision = models.BooleanField("needs QA decision", default=False)
    qa_decision_reason = models.TextField("QA decision reason", blank=True)
    # Where a suspension returns to (trial or active).
    status_before_suspension = models.CharField(
        max_length=20, choices=RefurbisherStatus.choices, blank=True
    )
    # Public scorecard figures, recomputed by the quality app.
    rating_average = models.DecimalField(
        max_digits=3, decimal_places=2, null=True, blank=True
    )
    rating_count = models.PositiveIntegerField(default=0)
    selling_since = models.DateField(null=True, blank=True)
    # The Stripe Connect account payouts are transferred to (acct_...).
    stripe_account_id = models.CharField(max_length=64, blank=True)
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
            models.CheckConstraint(
                condition=Q(daily_sales_cap__gte=1), name="refurbisher_cap_positive"
            ),
        ]
        permissions = [
            ("vet_refurbisher", "Can vet applications and run trials"),
            ("suspend_refurbisher", "Can suspend and reinstate refurbishers"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_selling(self) -> bool:
        return self.status in SELLING_STATUSES

    @property
    def trial_days_total(self) -> int | None:
        if self.trial_started_at is None or self.trial_ends_at is None:
            return None
        return (self.trial_ends_at - self.trial_started_at).days


class Application(models.Model):
    """How a refurbisher tests, repairs, erases and serves: what QA vets."""

    class Parts(models.TextChoices):
        ORIGINAL = "original", gettext_lazy("Original parts")
        COMPATIBLE = "compatible", gettext_lazy("Compatible parts")
        BOTH = "both", gettext_lazy("Original and compatible parts")

    class Channel(models.TextChoices):
        EMAIL = "email", gettext_lazy("Email")
        PHONE = "phone", gettext_lazy("Phone")
        CHAT = "chat", gettext_lazy("Chat")

    class Certification(models.TextChoices):
        R2 = "r2", gettext_lazy("R2")
        E_STEWARDS = "e_stewards", gettext_lazy("e-Stewards")
        ISO_9001 = "iso_9001", gettext_lazy("ISO 9001")
        ISO_14001 = "iso_14001", gettext_lazy("ISO 14001")

    refurbisher = models.OneToOneField(
        Refurbisher, on_delete=models.CASCADE, related_name="application"
    )
    testing_checkpoints = models.PositiveSmallIntegerField(null=True, blank=True)
    testing_tools = models.TextField(blank=True)
    repair_process = models.TextField(blank=True)
    parts = models.CharField(max_length=12, choices=Parts.choices, blank=True)
    erasure_method = models.TextField(blank=True)
    erasure_standard = models.CharField(max_length=80, blank=True)
    erasure_certificate = models.CharField(max_length=120, blank=True)
    warranty_months = models.PositiveSmallIntegerField(null=True, blank=True)
    service_channels = ArrayField(
        models.CharField(max_length=8, choices=Channel.choices),
        default=list,
        blank=True,
    )
    service_hours = models.CharField(max_length=120, blank=True)
    service_team_size = models.PositiveSmallIntegerField(null=True, blank=True)
    return_address = models.TextField(blank=True)
    certifications = ArrayField(
        models.CharField(max_length=12, choices=Certification.choices),
        default=list,
        blank=True,
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # QA's words to the applicant: what to change, or why it was rejected.
    qa_message = models.TextField("QA's message", blank=True)
    rejection_reason = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Application of {self.refurbisher}"


def application_document_path(document: ApplicationDocument, filename: str) -> str:
    # A random name: the stored path never reveals or trusts the uploaded one.
    return f"applications/{document.application_id}/{uuid.uuid4().hex}"


class ApplicationDocument(models.Model):
    class Kind(models.TextChoices):
        BUSINESS_REGISTRATION = "registration", gettext_lazy("Business registration")
        INSURANCE = "insurance", gettext_lazy("Insurance")
        CERTIFICATE = "certificate", gettext_lazy("Certificate")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    file = models.FileField(upload_to=application_document_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


class Criterion(models.TextChoices):
    """What QA vets, one verdict each; approval needs every one passed."""

    TESTING = "testing", gettext_lazy("Testing process")
    REPAIR = "repair", gettext_lazy("Repair process and parts")
    ERASURE = "erasure", gettext_lazy("Data erasure")
    WARRANTY = "warranty", gettext_lazy("Warranty capability")
    SERVICE = "service", gettext_lazy("Customer-service capacity")
    LEGITIMACY = "legitimacy", gettext_lazy("Business legitimacy")


class CriterionReview(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="criterion_reviews"
    )
    criterion = models.CharField(max_length=12, choices=Criterion.choices)
    passed = models.BooleanField()
    note = models.TextField(blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField()

    class Meta:
        ordering = ["criterion"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "criterion"], name="criterion_review_once"
            )
        ]

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "failed"
        return f"{self.get_criterion_display()}: {verdict}"


class RefurbisherStatusChange(models.Model):
    """One row per status change (and trial change): who, when, from, to, why."""

    refurbisher = models.ForeignKey(
        Refurbisher, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=20, choices=RefurbisherStatus.choices)
    to_status = models.CharField(max_length=20, choices=RefurbisherStatus.choices)
    # None when the system made the change (a Celery task).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.refurbisher_id}: {self.from_status} → {self.to_status}"


class MemberRole(models.TextChoices):
    OWNER = "owner", gettext_lazy("Owner")
    STAFF = "staff", gettext_lazy("Staff")


class Membership(models.Model):
    """A person working for one refurbisher; owners also manage the members."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    refurbisher = models.ForeignKey(
        Refurbisher, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=8, choices=MemberRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) at {self.refurbisher}"


class Invitation(models.Model):
    refurbisher = models.ForeignKey(
        Refurbisher, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.refurbisher}"


class SaleDay(models.Model):
    """A trial refurbisher's sale slots on one calendar day of its own time zone.

    ``reserved + confirmed <= cap`` is a database check, so no code path can
    sell past the cap; the reserving UPDATE is conditional on it.
    """

    refurbisher = models.ForeignKey(
        Refurbisher, on_delete=models.CASCADE, related_name="sale_days"
    )
    local_date = models.DateField()
    cap = models.PositiveSmallIntegerField()
    reserved = models.PositiveSmallIntegerField(default=0)
    confirmed = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["refurbisher", "local_date"], name="sale_day_once"
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0)
                & Q(confirmed__gte=0)
                & Q(cap__gte=F("reserved") + F("confirmed")),
                name="sale_day_within_cap",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.refurbisher_id} on {self.local_date}: {self.confirmed}/{self.cap}"
        )


class SaleSlotStatus(models.TextChoices):
    RESERVED = "reserved", gettext_lazy("Reserved")
    CONFIRMED = "confirmed", gettext_lazy("Confirmed")
    RELEASED = "released", gettext_lazy("Released")


class SaleSlot(models.Model):
    """One trial sale held for a checkout (reserved), sold (confirmed) or let go."""

    sale_day = models.ForeignKey(
        SaleDay, on_delete=models.CASCADE, related_name="slots"
    )
    refurbisher = models.ForeignKey(
        Refurbisher, on_delete=models.CASCADE, related_name="sale_slots"
    )
    # What holds the slot, e.g. "checkout:42:7" (a checkout and its seller).
    reference = models.CharField(max_length=100)
    status = models.CharField(
        max_length=10, choices=SaleSlotStatus.choices, default=SaleSlotStatus.RESERVED
    )
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # One live slot per reference, so a retried reservation reuses it.
            models.UniqueConstraint(
                fields=["reference"],
                condition=Q(status__in=["reserved", "confirmed"]),
                name="sale_slot_live_reference_once",
            )
        ]
        indexes = [
            models.Index(
                fields=["expires_at"],
                condition=Q(status="reserved"),
                name="sale_slot_reserved_expiry",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.status})"


class ApiToken(models.Model):
    """A key a refurbisher's own systems use to call the seller API as it.

    The key is shown once when created; only its SHA-256 is kept, with its
    first characters (``prefix``) to find the row and to show which key is
    which. A revoked key is kept (who used what, when) but refused.
    """

    refurbisher = models.ForeignKey(
        Refurbisher, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
