"""Money through the payment provider: the provider's events, refunds, and the
payments that need QA (mismatched amounts, disputes)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.models.orders import Order, SellerOrder

# --- Events and this installation's keys ----------------------------------------


class Installation(models.Model):
    """This ReMarket installation, as the payment provider sees it: one row.

    Its random ``prefix`` starts every idempotency key and transfer group sent
    to Stripe and tags the metadata of what we create there, so two
    installations (two databases) sharing one Stripe account never replay,
    find or apply each other's requests. Made once, in the database, so every
    web node and worker uses the same prefix across restarts
    (``orders.services.installation``).
    """

    prefix = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.prefix


class PaymentEvent(models.Model):
    """A payment provider's event, recorded once by its id (Stripe's ``evt_...``).

    The unique id makes a second delivery of an event a no-op: the webhook
    answers it 200 without processing it again.
    """

    provider_event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.type} {self.provider_event_id}"


# --- Refunds ------------------------------------------------------------------


class RefundReason(models.TextChoices):
    SHOPPER_CANCELLED = "shopper_cancelled", _("Cancelled by the shopper")
    SELLER_CANCELLED = "seller_cancelled", _("Cancelled by the seller")
    RETURN = "return", _("Item returned")
    WARRANTY_CLAIM = "warranty_claim", _("Warranty claim")
    PAID_TOO_LATE = "paid_too_late", _("Paid after the items were released")
    GOODWILL = "goodwill", _("Goodwill gesture from ReMarket")
    PAYMENT_MISMATCH = "payment_mismatch", _("Payment did not match the order")


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Being refunded")
    SUCCEEDED = "succeeded", _("Refunded")
    FAILED = "failed", _("Refund failed")


class Refund(models.Model):
    """Money given back on an order's payment, full or partial, and why.

    The row is written first (in the transaction that decides the refund) and
    sent to the payment provider after commit with ``idempotency_key``, so a
    retry after a crash or a timeout can never refund twice. The sum of an
    order's refunds that did not fail never exceeds what was paid
    (``orders.services.refunds``, under the order's row lock).
    """

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    seller_order = models.ForeignKey(
        SellerOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=24, choices=RefundReason.choices)
    # Shown to the shopper on the order page: why this money came back.
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    provider_refund_id = models.CharField(max_length=255, blank=True)
    # The payment given back when it is not the order's own (a payment that
    # did not match the order); empty: the order's payment.
    payment_intent_id = models.CharField(max_length=255, blank=True)
    # Stored when the refund is first sent, then reused by every retry (a new
    # key would refund twice); empty until then.
    idempotency_key = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    failure_message = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_positive"),
            # A cancelled seller order is refunded once.
            models.UniqueConstraint(
                fields=["seller_order"],
                condition=Q(reason__in=["shopper_cancelled", "seller_cancelled"]),
                name="refund_once_per_cancellation",
            ),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(reason="paid_too_late"),
                name="refund_once_per_late_payment",
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="refund_idempotency_key_once",
            ),
            # A payment that did not match its order is given back once.
            models.UniqueConstraint(
                fields=["payment_intent_id"],
                condition=Q(reason="payment_mismatch"),
                name="refund_once_per_mismatched_payment",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending"),
                name="refund_pending",
            )
        ]

    def __str__(self) -> str:
        return f"Refund {self.pk} of {self.amount} {self.currency}"


# --- Payments that need QA: mismatches and disputes -------------------------------


class PaymentMismatch(models.Model):
    """A payment whose amount or currency did not match its order.

    It is never applied to the order: it is refunded whole (``refund``, through
    the usual refund path) and waits in QA's queue until reviewed. One row per
    payment (its PaymentIntent), however many events report it.
    """

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="payment_mismatches"
    )
    payment_intent_id = models.CharField(max_length=255, blank=True)
    provider_event_id = models.CharField(max_length=255)
    paid_amount_minor = models.BigIntegerField()
    paid_currency = models.CharField(max_length=3)
    expected_amount = models.DecimalField(max_digits=12, decimal_places=2)
    expected_currency = models.CharField(max_length=3)
    refund = models.OneToOneField(
        Refund,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment_mismatch",
    )
    # Why it could not be refunded automatically, if it could not.
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("payment not matching its order")
        verbose_name_plural = _("payments not matching their order")
        constraints = [
            models.UniqueConstraint(
                fields=["payment_intent_id"],
                condition=~Q(payment_intent_id=""),
                name="payment_mismatch_once_per_payment",
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(reviewed_at__isnull=True),
                name="payment_mismatch_to_review",
            )
        ]

    def __str__(self) -> str:
        return f"Mismatched payment {self.payment_intent_id or self.pk}"


class DisputeStatus(models.TextChoices):
    """Stripe's dispute statuses (warning_*: an inquiry, not yet a chargeback)."""

    WARNING_NEEDS_RESPONSE = "warning_needs_response", _("Inquiry: answer needed")
    WARNING_UNDER_REVIEW = "warning_under_review", _("Inquiry: under review")
    WARNING_CLOSED = "warning_closed", _("Inquiry closed")
    NEEDS_RESPONSE = "needs_response", _("Chargeback: answer needed")
    UNDER_REVIEW = "under_review", _("Chargeback: under review")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    PREVENTED = "prevented", _("Prevented")


CLOSED_DISPUTE_STATUSES = (
    DisputeStatus.WARNING_CLOSED,
    DisputeStatus.WON,
    DisputeStatus.LOST,
    DisputeStatus.PREVENTED,
)


class DisputeReason(models.TextChoices):
    """Why the shopper's bank disputes a payment, in Stripe's words."""

    BANK_CANNOT_PROCESS = "bank_cannot_process", _("The bank could not process it")
    CREDIT_NOT_PROCESSED = "credit_not_processed", _("Refund not received")
    CUSTOMER_INITIATED = "customer_initiated", _("Started by the customer")
    DEBIT_NOT_AUTHORIZED = "debit_not_authorized", _("Debit not authorised")
    DUPLICATE = "duplicate", _("Charged twice")
    FRAUDULENT = "fraudulent", _("Fraudulent (card used without permission)")
    GENERAL = "general", _("Other")
    INCORRECT_ACCOUNT_DETAILS = (
        "incorrect_account_details",
        _("Incorrect account details"),
    )
    INSUFFICIENT_FUNDS = "insufficient_funds", _("Insufficient funds")
    NONCOMPLIANT = "noncompliant", _("Not compliant with network rules")
    PRODUCT_NOT_RECEIVED = "product_not_received", _("Item not received")
    PRODUCT_UNACCEPTABLE = (
        "product_unacceptable",
        _("Item defective or not as described"),
    )
    SUBSCRIPTION_CANCELED = "subscription_canceled", _("Subscription cancelled")
    UNRECOGNIZED = "unrecognized", _("Charge not recognised")


class PaymentDispute(models.Model):
    """A shopper's bank disputing an order's payment (a chargeback), as Stripe
    reports it: one row per Stripe dispute, changed by each later event.

    Recorded against every seller order of the paid order, so QA and each
    seller see it. (Answering it with evidence is not built yet.)
    """

    provider_dispute_id = models.CharField(max_length=255, unique=True)
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="payment_disputes"
    )
    seller_orders = models.ManyToManyField(
        SellerOrder, related_name="payment_disputes", blank=True
    )
    payment_intent_id = models.CharField(max_length=255, blank=True)
    charge_id = models.CharField(max_length=255, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=32, choices=DisputeReason.choices)
    status = models.CharField(max_length=32, choices=DisputeStatus.choices)
    # When Stripe needs the evidence (the answer) by.
    evidence_due_by = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField()
    funds_withdrawn_at = models.DateTimeField(null=True, blank=True)
    funds_reinstated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The newest event applied (Stripe's ``created``, seconds): an older
    # event arriving late never overwrites a newer state.
    last_event_id = models.CharField(max_length=255)
    last_event_created = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("payment dispute")
        indexes = [
            models.Index(
                fields=["evidence_due_by"],
                condition=~Q(status__in=["warning_closed", "won", "lost", "prevented"]),
                name="payment_dispute_open",
            )
        ]

    def __str__(self) -> str:
        return f"Dispute {self.provider_dispute_id} of order {self.order_id}"

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_DISPUTE_STATUSES
