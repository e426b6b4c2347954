"""What was shipped, device by device, and the warranty each delivered device
carries."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from orders.models.orders import OrderLine


class ShippedUnit(models.Model):
    """One device shipped for an order line, by its serial number or IMEI.

    Written once when the seller ships; never changed (the warranty and any
    claim refer to this exact device).
    """

    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="units")
    serial = models.CharField("serial number or IMEI", max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["line", "serial"], name="shipped_unit_once")
        ]

    def __str__(self) -> str:
        return self.serial

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A shipped unit's serial number cannot change.")
        super().save(*args, **kwargs)


class Warranty(models.Model):
    """The warranty of one delivered device: from delivery, for its months."""

    unit = models.OneToOneField(
        ShippedUnit, on_delete=models.PROTECT, related_name="warranty"
    )
    line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="warranties"
    )
    months = models.PositiveSmallIntegerField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # Lets the holder open the printable certificate without signing in.
    certificate_token = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(months__gte=6) & Q(ends_at__gt=models.F("starts_at")),
                name="warranty_at_least_six_months",
            )
        ]
        verbose_name_plural = "warranties"

    def __str__(self) -> str:
        return f"Warranty of {self.unit} until {self.ends_at:%Y-%m-%d}"
