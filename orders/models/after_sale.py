"""After the sale: messages between shopper and seller, returns, warranty claims."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from marketplace.audit import AuditRecord
from orders.models.fulfilment import Warranty
from orders.models.orders import OrderLine, SellerOrder
from orders.models.payments import Refund

# --- Messages -------------------------------------------------------------------


class MessageAuthor(models.TextChoices):
    SHOPPER = "shopper", gettext_lazy("Shopper")
    SELLER = "seller", gettext_lazy("Seller")


def message_image_path(message: Message, filename: str) -> str:
    # A random name: the stored path never trusts or reveals the uploaded one.
    return f"messages/{message.seller_order_id}/{uuid.uuid4().hex}"


class Message(models.Model):
    """A message between the shopper and the seller about one seller order.

    A shopper's message is answered when the seller first writes after it;
    ``answered_at`` records when, for the seller's answer-time metric.
    """

    seller_order = models.ForeignKey(
        SellerOrder, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.CharField(max_length=8, choices=MessageAuthor.choices)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    body = models.TextField(max_length=5000)
    image = models.FileField(upload_to=message_image_path, blank=True, max_length=200)
    image_content_type = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["seller_order"],
                condition=Q(author="shopper", answered_at__isnull=True),
                name="message_waiting_for_seller",
            )
        ]

    def __str__(self) -> str:
        return f"{self.author} on seller order {self.seller_order_id}"


# --- Returns (change of mind, or the seller's fault) ---------------------------


class ReturnReason(models.TextChoices):
    CHANGED_MIND = "changed_mind", gettext_lazy("Changed my mind")
    DEFECTIVE = "defective", gettext_lazy("Does not work properly")
    DAMAGED_IN_TRANSIT = "damaged_in_transit", gettext_lazy("Damaged in transit")
    NOT_AS_DESCRIBED = "not_as_described", gettext_lazy("Not as described")


# Returns for these reasons count against the seller (quality metrics).
SELLER_FAULT_RETURN_REASONS = frozenset(
    {
        ReturnReason.DEFECTIVE,
        ReturnReason.DAMAGED_IN_TRANSIT,
        ReturnReason.NOT_AS_DESCRIBED,
    }
)


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", gettext_lazy("Return requested")
    AUTHORISED = "authorised", gettext_lazy("Return instructions sent")
    SENT_BACK = "sent_back", gettext_lazy("On its way back")
    RECEIVED = "received", gettext_lazy("Received by the seller")
    REFUNDED = "refunded", gettext_lazy("Refunded")
    WITHDRAWN = "withdrawn", gettext_lazy("Withdrawn by the shopper")


# orders.services.returns is the only code that moves a return, with an audit row.
RETURN_MOVES: dict[str, frozenset[str]] = {
    ReturnStatus.REQUESTED: frozenset(
        {ReturnStatus.AUTHORISED, ReturnStatus.WITHDRAWN}
    ),
    ReturnStatus.AUTHORISED: frozenset(
        {ReturnStatus.SENT_BACK, ReturnStatus.RECEIVED, ReturnStatus.WITHDRAWN}
    ),
    ReturnStatus.SENT_BACK: frozenset({ReturnStatus.RECEIVED, ReturnStatus.REFUNDED}),
    ReturnStatus.RECEIVED: frozenset({ReturnStatus.REFUNDED}),
    ReturnStatus.REFUNDED: frozenset(),
    ReturnStatus.WITHDRAWN: frozenset(),
}
OPEN_RETURN_STATUSES = (
    ReturnStatus.REQUESTED,
    ReturnStatus.AUTHORISED,
    ReturnStatus.SENT_BACK,
    ReturnStatus.RECEIVED,
)


class ReturnRequest(models.Model):
    """A shopper sending back one delivered line within the return window."""

    seller_order = models.ForeignKey(
        SellerOrder, on_delete=models.PROTECT, related_name="returns"
    )
    line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="returns"
    )
    reason = models.CharField(max_length=24, choices=ReturnReason.choices)
    details = models.TextField(max_length=2000, blank=True)
    seller_at_fault = models.BooleanField(default=False)
    status = models.CharField(
        max_length=12, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED
    )
    instructions = models.TextField(max_length=2000, blank=True)
    return_carrier = models.CharField(max_length=80, blank=True)
    return_tracking = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    refund = models.OneToOneField(
        Refund,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="return_request",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    authorised_at = models.DateTimeField(null=True, blank=True)
    sent_back_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["line"],
                condition=~Q(status="withdrawn"),
                name="return_once_per_line",
            )
        ]
        indexes = [
            models.Index(
                fields=["sent_back_at"],
                condition=Q(status="sent_back"),
                name="return_on_its_way_back",
            )
        ]

    def __str__(self) -> str:
        return f"Return {self.pk} of line {self.line_id} ({self.status})"


class ReturnStatusChange(AuditRecord):
    """Who moved a return, when, from what, to what, and why."""

    return_request = models.ForeignKey(
        ReturnRequest, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.return_request_id}: {self.from_status} → {self.to_status}"


# --- Warranty claims --------------------------------------------------------------


class ClaimProblem(models.TextChoices):
    SCREEN = "screen", gettext_lazy("Screen or touch")
    BATTERY = "battery", gettext_lazy("Battery")
    CHARGING = "charging", gettext_lazy("Charging port or charging")
    CAMERA = "camera", gettext_lazy("Camera")
    AUDIO = "audio", gettext_lazy("Speaker or microphone")
    CONNECTIVITY = "connectivity", gettext_lazy("Wi-Fi, Bluetooth or mobile network")
    BUTTONS = "buttons", gettext_lazy("Buttons or sensors")
    SOFTWARE = "software", gettext_lazy("Software or start-up")
    OTHER = "other", gettext_lazy("Something else")


class ClaimStatus(models.TextChoices):
    OPEN = "open", gettext_lazy("Waiting for the seller")
    ANSWERED = "answered", gettext_lazy("Seller answered")
    ACCEPTED = "accepted", gettext_lazy("Solution accepted")
    ESCALATED = "escalated", gettext_lazy("With ReMarket")
    RESOLVED = "resolved", gettext_lazy("Decided by ReMarket")


# orders.services.claims is the only code that moves a claim, with an audit row.
CLAIM_MOVES: dict[str, frozenset[str]] = {
    ClaimStatus.OPEN: frozenset({ClaimStatus.ANSWERED, ClaimStatus.ESCALATED}),
    ClaimStatus.ANSWERED: frozenset({ClaimStatus.ACCEPTED, ClaimStatus.ESCALATED}),
    ClaimStatus.ESCALATED: frozenset({ClaimStatus.RESOLVED}),
    ClaimStatus.ACCEPTED: frozenset(),
    ClaimStatus.RESOLVED: frozenset(),
}
OPEN_CLAIM_STATUSES = (ClaimStatus.OPEN, ClaimStatus.ANSWERED, ClaimStatus.ESCALATED)


class ClaimRemedy(models.TextChoices):
    REPAIR = "repair", gettext_lazy("Repair")
    REPLACEMENT = "replacement", gettext_lazy("Replacement")
    REFUND = "refund", gettext_lazy("Refund")
    DECLINE = "decline", gettext_lazy("Declined")


class WarrantyClaim(models.Model):
    """A shopper's claim under one device's warranty, from filing to resolution."""

    warranty = models.ForeignKey(
        Warranty, on_delete=models.PROTECT, related_name="claims"
    )
    # Copies of the warranty's seller order and seller, for scoping and queues.
    seller_order = models.ForeignKey(
        SellerOrder, on_delete=models.PROTECT, related_name="claims"
    )
    refurbisher = models.ForeignKey(
        "refurbishers.Refurbisher", on_delete=models.PROTECT, related_name="claims"
    )
    problem = models.CharField(max_length=16, choices=ClaimProblem.choices)
    description = models.TextField(max_length=4000)
    status = models.CharField(
        max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.OPEN
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The seller's answer is due then (business days in its time zone).
    answer_due_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    seller_remedy = models.CharField(
        max_length=12, choices=ClaimRemedy.choices, blank=True
    )
    seller_message = models.TextField(max_length=4000, blank=True)
    # A refund offered or decided may be partial (up to the unit's price).
    refund_amount = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalation_reason = models.TextField(max_length=4000, blank=True)
    qa_remedy = models.CharField(max_length=12, choices=ClaimRemedy.choices, blank=True)
    qa_note = models.TextField("QA note", max_length=4000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refund = models.OneToOneField(
        Refund,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="warranty_claim",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["warranty"],
                condition=Q(status__in=["open", "answered", "escalated"]),
                name="claim_one_open_per_warranty",
            ),
            models.CheckConstraint(
                condition=Q(refund_amount__isnull=True) | Q(refund_amount__gt=0),
                name="claim_refund_positive",
            ),
        ]
        indexes = [
            models.Index(
                fields=["answer_due_at"],
                condition=Q(status="open"),
                name="claim_waiting_for_seller",
            )
        ]

    def __str__(self) -> str:
        return f"Claim {self.pk} on warranty {self.warranty_id} ({self.status})"


def claim_photo_path(photo: ClaimPhoto, filename: str) -> str:
    return f"claims/{photo.claim_id}/{uuid.uuid4().hex}"


class ClaimPhoto(models.Model):
    """A photo of the fault, checked to be an image by its first bytes."""

    claim = models.ForeignKey(
        WarrantyClaim, on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField(upload_to=claim_photo_path, max_length=200)
    content_type = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Photo {self.pk} of claim {self.claim_id}"


class ClaimStatusChange(AuditRecord):
    """Who moved a claim, when, from what, to what, and why."""

    claim = models.ForeignKey(
        WarrantyClaim, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.from_status} → {self.to_status}"
