"""Carts: a shopper's lines before checkout, with the price each line saw."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from marketplace.markets import MARKET_CHOICES

MAX_QUANTITY_PER_LINE = 10


class Cart(models.Model):
    """A shopper's cart: a guest's by session key, a signed-in person's by user.

    At sign-in the guest cart's lines move into the person's cart.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cart",
    )
    session_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(session_key__isnull=False),
                name="cart_has_an_owner",
            )
        ]

    def __str__(self) -> str:
        return f"Cart {self.pk} of {self.user_id or 'a guest'}"


class CartLine(models.Model):
    """One offer in a cart, with what the shopper saw when adding it.

    ``price_seen`` lets the cart say plainly when a price changed since.
    """

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    offer = models.ForeignKey(
        "listings.Offer", on_delete=models.CASCADE, related_name="cart_lines"
    )
    quantity = models.PositiveSmallIntegerField(default=1)
    price_seen = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    market = models.CharField(max_length=2, choices=MARKET_CHOICES)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "offer"], name="cart_line_once"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=MAX_QUANTITY_PER_LINE),
                name="cart_line_quantity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of offer {self.offer_id}"
