"""Accounts: whether a person proved they read the address they signed up with."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class EmailConfirmation(models.Model):
    """The address a person confirmed, and when (no row: not confirmed yet)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="email_confirmation",
    )
    email = models.EmailField()
    confirmed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.email} confirmed at {self.confirmed_at:%Y-%m-%d %H:%M}"
