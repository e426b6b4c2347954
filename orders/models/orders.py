"""Orders split per seller: the order, its seller orders and lines, the stock
reservations held while the shopper pays, and the status audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketplace.audit import AuditRecord
from marketplace.markets import MARKET_CHOICES
from orders.models.cart import Cart


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Waiting for payment")
    PAID = "paid", _("Paid")
    PAYMENT_FAILED = "payment_failed", _("Payment failed")
    EXPIRED = "expired", _("Expired")


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
    PENDING_PAYMENT = "pending_payment", _("Waiting for payment")
    PAID = "paid", _("Paid")
    ACCEPTED = "accepted", _("Accepted")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    VOID = "void", _("Not paid")


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


class DeliveredBy(models.TextChoices):
    """Who said a parcel arrived, which starts its clocks (warranty, returns,
    payout). The seller's own word is not one of them: it is recorded apart
    (``SellerOrder.seller_reported_delivered_at``) and starts nothing."""

    SHOPPER = "shopper", _("Confirmed by the shopper")
    CARRIER = "carrier", _("Confirmed by the carrier")
    AUTO = "auto", _("Counted as delivered after the automatic delay")


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
    OTHER = "other", _("Other")


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
    # The key the payment was opened with at the provider: set at checkout
    # (this installation's prefix, ``orders.services.installation``), kept so
    # a retry always sends the key of the first try.
    payment_idempotency_key = models.CharField(max_length=255, blank=True)
    # What the payment provider reports refunded so far (its running total).
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    # Who started the checkout, for the limits on unpaid reservations
    # (orders.services.checkout_limits): the cart it was started from, a hash
    # of the browser session's key, the client's address. Empty for orders
    # started outside a browser (the demo, benchmarks).
    cart = models.ForeignKey(
        Cart, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    checkout_session = models.CharField(max_length=64, blank=True)
    checkout_address = models.GenericIPAddressField(null=True, blank=True)
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
            ),
            models.Index(
                fields=["checkout_session"],
                condition=Q(status="pending_payment"),
                name="order_pending_by_session",
            ),
            models.Index(
                fields=["checkout_address"],
                condition=Q(status="pending_payment"),
                name="order_pending_by_address",
            ),
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
    # When the seller said the parcel arrived: shown to the shopper, starts
    # nothing (only ``delivered_at``, set by ``delivered_by``, does).
    seller_reported_delivered_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivered_by = models.CharField(
        max_length=8, choices=DeliveredBy.choices, blank=True
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    # A seller's own cancellation (a stock error, say) counts against it.
    cancelled_by_seller = models.BooleanField(default=False)
    cancel_reason_code = models.CharField(max_length=24, blank=True)
    # Delivered and past the return window: the seller may be paid from then.
    payable_at = models.DateTimeField(null=True, blank=True)
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
            models.Index(
                fields=["refurbisher", "payable_at"],
                condition=Q(status="delivered"),
                name="seller_order_payable",
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
    HELD = "held", _("Held")
    SOLD = "sold", _("Sold")
    RELEASED = "released", _("Released")


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


class OrderStatusChange(AuditRecord):
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

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status} → {self.to_status}"
