"""Payouts to refurbishers, and the audited changes of the account they go to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from orders.models.orders import SellerOrder
from orders.models.payments import Refund


class PayoutStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Being sent")
    PAID = "paid", gettext_lazy("Paid")
    FAILED = "failed", gettext_lazy("Not sent")


class Payout(models.Model):
    """Money sent to a refurbisher: its payable sales less commission and refunds.

    Sent as a Stripe Connect transfer to the refurbisher's connected account
    with ``idempotency_key``; with the offline gateway it is a test payout.
    """

    refurbisher = models.ForeignKey(
        "refurbishers.Refurbisher", on_delete=models.PROTECT, related_name="payouts"
    )
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(
        max_length=8, choices=PayoutStatus.choices, default=PayoutStatus.PENDING
    )
    provider = models.CharField(max_length=16, blank=True)
    transfer_id = models.CharField(max_length=255, blank=True)
    destination = models.CharField(max_length=255, blank=True)
    # The transfer's idempotency key and transfer group, stored when the payout
    # is first sent and reused by every retry (and by ``transfer_find``).
    idempotency_key = models.CharField(max_length=255, blank=True)
    failure_message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_positive"),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="payout_idempotency_key_once",
            ),
        ]

    def __str__(self) -> str:
        return f"Payout {self.pk} of {self.amount} {self.currency}"


class PayoutLineKind(models.TextChoices):
    SALE = "sale", gettext_lazy("Sale")
    REFUND = "refund", gettext_lazy("Refund deducted")


class PayoutLine(models.Model):
    """What a payout contains: a sale's net amount, or a refund deducted.

    A seller order is paid out once and a refund deducted once (unique
    constraints), so a second payout run finds nothing left to pay.
    """

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=8, choices=PayoutLineKind.choices)
    seller_order = models.ForeignKey(
        SellerOrder, on_delete=models.PROTECT, related_name="payout_lines"
    )
    refund = models.OneToOneField(
        Refund,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payout_line",
    )
    # Positive for a sale, negative for a deduction.
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    description = models.CharField(max_length=200)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller_order"],
                condition=Q(kind="sale"),
                name="payout_sale_once",
            ),
            models.CheckConstraint(
                condition=(Q(kind="sale", refund__isnull=True, amount__gte=0))
                | Q(kind="refund", refund__isnull=False, amount__lt=0),
                name="payout_line_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class PayoutAccountChange(models.Model):
    """A change of the Stripe account a refurbisher's payouts go to, audited.

    Payouts to the new account are held until ``held_until`` (no hold when
    the account was removed: nothing can be sent then), unless QA releases
    the hold sooner, which is recorded here too (who, when, why).
    """

    refurbisher = models.ForeignKey(
        "refurbishers.Refurbisher",
        on_delete=models.CASCADE,
        related_name="payout_account_changes",
    )
    from_account = models.CharField(max_length=64, blank=True)
    to_account = models.CharField(max_length=64, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()
    held_until = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    release_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [
            models.Index(
                fields=["refurbisher", "held_until"],
                condition=Q(released_at__isnull=True, held_until__isnull=False),
                name="payout_account_hold_open",
            )
        ]
        permissions = [
            ("release_payoutaccountchange", "Can release a payout account hold")
        ]

    def __str__(self) -> str:
        return (
            f"{self.refurbisher_id}: {self.from_account or 'none'} → "
            f"{self.to_account or 'none'}"
        )
