"""Carts, orders split per seller, reservations and payments."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketplace.audit import AuditRecord
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


# --- Refunds ------------------------------------------------------------------


class RefundReason(models.TextChoices):
    SHOPPER_CANCELLED = "shopper_cancelled", "Cancelled by the shopper"
    SELLER_CANCELLED = "seller_cancelled", "Cancelled by the seller"
    RETURN = "return", "Item returned"
    WARRANTY_CLAIM = "warranty_claim", "Warranty claim"
    PAID_TOO_LATE = "paid_too_late", "Paid after the items were released"
    GOODWILL = "goodwill", "Goodwill gesture from ReMarket"
    PAYMENT_MISMATCH = "payment_mismatch", _("Payment did not match the order")


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Being refunded"
    SUCCEEDED = "succeeded", "Refunded"
    FAILED = "failed", "Refund failed"


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


# --- Returns (change of mind, or the seller's fault) ---------------------------


class ReturnReason(models.TextChoices):
    CHANGED_MIND = "changed_mind", "Changed my mind"
    DEFECTIVE = "defective", "Does not work properly"
    DAMAGED_IN_TRANSIT = "damaged_in_transit", "Damaged in transit"
    NOT_AS_DESCRIBED = "not_as_described", "Not as described"


# Returns for these reasons count against the seller (quality metrics).
SELLER_FAULT_RETURN_REASONS = frozenset(
    {
        ReturnReason.DEFECTIVE,
        ReturnReason.DAMAGED_IN_TRANSIT,
        ReturnReason.NOT_AS_DESCRIBED,
    }
)


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", "Return requested"
    AUTHORISED = "authorised", "Return instructions sent"
    SENT_BACK = "sent_back", "On its way back"
    RECEIVED = "received", "Received by the seller"
    REFUNDED = "refunded", "Refunded"
    WITHDRAWN = "withdrawn", "Withdrawn by the shopper"


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
    SCREEN = "screen", "Screen or touch"
    BATTERY = "battery", "Battery"
    CHARGING = "charging", "Charging port or charging"
    CAMERA = "camera", "Camera"
    AUDIO = "audio", "Speaker or microphone"
    CONNECTIVITY = "connectivity", "Wi-Fi, Bluetooth or mobile network"
    BUTTONS = "buttons", "Buttons or sensors"
    SOFTWARE = "software", "Software or start-up"
    OTHER = "other", "Something else"


class ClaimStatus(models.TextChoices):
    OPEN = "open", "Waiting for the seller"
    ANSWERED = "answered", "Seller answered"
    ACCEPTED = "accepted", "Solution accepted"
    ESCALATED = "escalated", "With ReMarket"
    RESOLVED = "resolved", "Decided by ReMarket"


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
    REPAIR = "repair", "Repair"
    REPLACEMENT = "replacement", "Replacement"
    REFUND = "refund", "Refund"
    DECLINE = "decline", "Declined"


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


# --- Payouts -------------------------------------------------------------------


class PayoutStatus(models.TextChoices):
    PENDING = "pending", "Being sent"
    PAID = "paid", "Paid"
    FAILED = "failed", "Not sent"


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
    SALE = "sale", "Sale"
    REFUND = "refund", "Refund deducted"


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
