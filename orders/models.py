"""Carts, orders split per seller, reservations and payments."""

from __future__ import annotations

import uuid

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


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", "Waiting for payment"
    PAID = "paid", "Paid"
    PAYMENT_FAILED = "payment_failed", "Payment failed"
    EXPIRED = "expired", "Expired"


# An order is paid exactly once; a failed or expired checkout is final (the
# shopper starts a new one from the cart).
ORDER_MOVES: dict[str, frozenset[str]] = {
    OrderStatus.PENDING_PAYMENT: frozenset(
        {OrderStatus.PAID, OrderStatus.PAYMENT_FAILED, OrderStatus.EXPIRED}
    ),
    OrderStatus.PAID: frozenset(),
    OrderStatus.PAYMENT_FAILED: frozenset(),
    OrderStatus.EXPIRED: frozenset(),
}


class SellerOrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", "Waiting for payment"
    PAID = "paid", "Paid"
    ACCEPTED = "accepted", "Accepted"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    VOID = "void", "Not paid"


# The moves a seller order permits; orders.services.fulfilment is the only
# code that makes them after payment, each with an audit row.
SELLER_ORDER_MOVES: dict[str, frozenset[str]] = {
    SellerOrderStatus.PENDING_PAYMENT: frozenset(
        {SellerOrderStatus.PAID, SellerOrderStatus.VOID}
    ),
    SellerOrderStatus.PAID: frozenset(
        {SellerOrderStatus.ACCEPTED, SellerOrderStatus.CANCELLED}
    ),
    SellerOrderStatus.ACCEPTED: frozenset(
        {SellerOrderStatus.SHIPPED, SellerOrderStatus.CANCELLED}
    ),
    SellerOrderStatus.SHIPPED: frozenset({SellerOrderStatus.DELIVERED}),
    SellerOrderStatus.DELIVERED: frozenset(),
    SellerOrderStatus.CANCELLED: frozenset(),
    SellerOrderStatus.VOID: frozenset(),
}


class Carrier(models.TextChoices):
    UPS = "ups", "UPS"
    FEDEX = "fedex", "FedEx"
    USPS = "usps", "USPS"
    DHL = "dhl", "DHL"
    COLISSIMO = "colissimo", "Colissimo"
    CHRONOPOST = "chronopost", "Chronopost"
    DPD = "dpd", "DPD"
    GLS = "gls", "GLS"
    BPOST = "bpost", "bpost"
    POSTE_ITALIANE = "poste_italiane", "Poste Italiane"
    CORREOS = "correos", "Correos"
    OTHER = "other", "Other"


class Order(models.Model):
    """A shopper's checkout: one payment for items from one or more sellers."""

    reference = models.CharField(max_length=16, unique=True)
    # Lets a guest open the order from the email link (never the reference).
    access_token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    email = models.EmailField()
    market = models.CharField(max_length=2, choices=MARKET_CHOICES)
    currency = models.CharField(max_length=3)
    ship_name = models.CharField(max_length=120)
    ship_line1 = models.CharField(max_length=200)
    ship_line2 = models.CharField(max_length=200, blank=True)
    ship_postal_code = models.CharField(max_length=16)
    ship_city = models.CharField(max_length=100)
    ship_country = models.CharField(max_length=2, choices=MARKET_CHOICES)
    ship_phone = models.CharField(max_length=32, blank=True)
    items_amount = models.DecimalField(max_digits=12, decimal_places=2)
    shipping_amount = models.DecimalField(max_digits=10, decimal_places=2)
    total_amount = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(
        max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT
    )
    # Reservations (stock, trial sale slots) are held until then.
    expires_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_provider = models.CharField(max_length=16, blank=True)
    payment_session_id = models.CharField(max_length=255, blank=True, db_index=True)
    payment_intent_id = models.CharField(max_length=255, blank=True)
    # What the payment provider reports refunded so far (its running total).
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(items_amount__gte=0) & Q(shipping_amount__gte=0),
                name="order_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    total_amount=models.F("items_amount") + models.F("shipping_amount")
                ),
                name="order_total_is_the_sum",
            ),
        ]
        indexes = [
            models.Index(
                fields=["expires_at"],
                condition=Q(status="pending_payment"),
                name="order_pending_expiry",
            )
        ]

    def __str__(self) -> str:
        return self.reference


class SellerOrder(models.Model):
    """The part of an order one refurbisher fulfils; a paid one is a sale."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="seller_orders"
    )
    refurbisher = models.ForeignKey(
        "refurbishers.Refurbisher",
        on_delete=models.PROTECT,
        related_name="seller_orders",
    )
    status = models.CharField(
        max_length=16,
        choices=SellerOrderStatus.choices,
        default=SellerOrderStatus.PENDING_PAYMENT,
    )
    currency = models.CharField(max_length=3)
    items_amount = models.DecimalField(max_digits=12, decimal_places=2)
    shipping_amount = models.DecimalField(max_digits=10, decimal_places=2)
    total_amount = models.DecimalField(max_digits=12, decimal_places=2)
    commission_rate = models.DecimalField(max_digits=5, decimal_places=4)
    commission_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    # The trial sale slot this seller order holds, if the seller is on trial.
    sale_slot_reference = models.CharField(max_length=100, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # Fulfilment: set by orders.services.fulfilment.
    ship_by = models.DateTimeField(null=True, blank=True)
    late_shipment = models.BooleanField(default=False)
    accepted_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    carrier = models.CharField(max_length=16, choices=Carrier.choices, blank=True)
    carrier_name = models.CharField(max_length=80, blank=True)  # for "other"
    tracking_number = models.CharField(max_length=64, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    # A seller's own cancellation (a stock error, say) counts against it.
    cancelled_by_seller = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["ship_by"],
                condition=Q(status__in=["paid", "accepted"], late_shipment=False),
                name="seller_order_ship_by_open",
            ),
            models.Index(
                fields=["shipped_at"],
                condition=Q(status="shipped"),
                name="seller_order_in_transit",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "refurbisher"], name="seller_order_once_per_seller"
            ),
            models.CheckConstraint(
                condition=Q(
                    total_amount=models.F("items_amount") + models.F("shipping_amount")
                ),
                name="seller_order_total_is_the_sum",
            ),
            models.CheckConstraint(
                condition=Q(commission_amount__gte=0), name="seller_order_commission"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order.reference}-{self.refurbisher_id}"


class OrderLine(models.Model):
    """What was bought, as it was when bought (title, grade, warranty, price)."""

    seller_order = models.ForeignKey(
        SellerOrder, on_delete=models.CASCADE, related_name="lines"
    )
    listing = models.ForeignKey(
        "listings.Listing", on_delete=models.PROTECT, related_name="order_lines"
    )
    offer = models.ForeignKey(
        "listings.Offer",
        on_delete=models.SET_NULL,
        null=True,
        related_name="order_lines",
    )
    title = models.CharField(max_length=200)
    variant_label = models.CharField(max_length=120)
    grade = models.CharField(max_length=1)
    battery_min_pct = models.PositiveSmallIntegerField()
    warranty_months = models.PositiveSmallIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.PositiveSmallIntegerField()
    line_amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(unit_price__gt=0),
                name="order_line_positive",
            ),
            models.CheckConstraint(
                condition=Q(line_amount=models.F("unit_price") * models.F("quantity")),
                name="order_line_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.title}"


class ReservationStatus(models.TextChoices):
    HELD = "held", "Held"
    SOLD = "sold", "Sold"
    RELEASED = "released", "Released"


class StockReservation(models.Model):
    """Units taken off a listing's stock while the shopper pays.

    Stock is decremented when the reservation is made (so no one else can
    buy those units) and given back if the payment fails or expires.
    """

    line = models.OneToOneField(
        OrderLine, on_delete=models.CASCADE, related_name="reservation"
    )
    listing = models.ForeignKey(
        "listings.Listing", on_delete=models.PROTECT, related_name="reservations"
    )
    quantity = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=10, choices=ReservationStatus.choices, default=ReservationStatus.HELD
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.quantity} of listing {self.listing_id} ({self.status})"


class OrderStatusChange(models.Model):
    """Who moved an order or a seller order, when, from what, to what, and why."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="status_changes"
    )
    seller_order = models.ForeignKey(
        SellerOrder,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="status_changes",
    )
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status} → {self.to_status}"


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


class MessageAuthor(models.TextChoices):
    SHOPPER = "shopper", "Shopper"
    SELLER = "seller", "Seller"


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
