"""Accounts: confirmed addresses, sign-ups waiting for theirs, security events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.audit import AuditRecord


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


class PendingSignup(models.Model):
    """A sign-up waiting for the emailed link: no account exists until then.

    One per address: a new sign-up with the same address replaces it, so a
    stranger's earlier sign-up (and the password they chose) never becomes
    the account of the person who owns the address.
    """

    email = models.EmailField(unique=True)
    # Hashed like User.password; it becomes the account's password as it is.
    password = models.CharField(max_length=128)
    # SHA-256 of the secret in the link; the link itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    next_url = models.CharField(max_length=500, blank=True)
    # Wrong passwords typed on the finishing page (the link opened elsewhere).
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Sign-up of {self.email} waiting since {self.created_at:%Y-%m-%d}"


class SecurityEventKind(models.TextChoices):
    SIGNED_UP = "signed_up", _("Account created")
    EMAIL_CONFIRMED = "email_confirmed", _("Email address confirmed")
    PASSWORD_RESET = "password_reset", _("Password reset by email")
    TWO_FACTOR_ON = "two_factor_on", _("Two-factor authentication turned on")
    TWO_FACTOR_OFF = "two_factor_off", _("Two-factor authentication turned off")
    RECOVERY_CODES_NEW = "recovery_codes_new", _("New recovery codes made")
    RECOVERY_CODE_USED = "recovery_code_used", _("A recovery code was used")


class SecurityEvent(AuditRecord):
    """A change to how an account signs in: who made it, when, and why."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="security_events",
    )
    kind = models.CharField(max_length=24, choices=SecurityEventKind.choices)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind}"
