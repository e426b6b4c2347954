"""What the seller API says about orders, warranty claims, messages and payouts,
and what it accepts to act on them.

Money is a string with two decimals beside its ISO 4217 currency ("459.00",
"EUR"). Input serializers check only the shape of a request; the rules (a
tracking number's format per carrier, one valid serial per unit, who may
answer) are the services', the same as the dashboard's.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.models import (
    MAX_QUANTITY_PER_LINE,
    SELLER_ORDER_MOVES,
    Carrier,
    ClaimRemedy,
    ClaimStatus,
    DeliveredBy,
    Message,
    OrderLine,
    Payout,
    PayoutLine,
    SellerOrder,
    SellerOrderStatus,
    WarrantyClaim,
)
from orders.services.cancellation import REASON_MAX_CHARS, SellerCancelReason
from orders.services.claims import TEXT_MAX_CHARS
from orders.services.fulfilment import auto_delivery_at
from orders.services.messages import BODY_MAX_CHARS
from orders.tracking import tracking_url

Status = SellerOrderStatus
# The API's action for each move a seller may ask for (deliveries are the
# shopper's, the carrier's or the automatic confirmation's, never the seller's).
ACTIONS = {
    Status.ACCEPTED: "accept",
    Status.SHIPPED: "ship",
    Status.CANCELLED: "cancel",
}


class NotYetChoiceField(serializers.ChoiceField):
    """A choice not made yet (a carrier before shipping, a remedy before an
    answer) reads null, not an empty string outside the documented choices."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return None if value in ("", None) else super().to_representation(value)


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, **kwargs
    )


class StatusChangeSerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="created_at")
    from_status = serializers.CharField(help_text="Empty for the first step.")
    to_status = serializers.CharField()
    reason = serializers.CharField()


# --- Orders -----------------------------------------------------------------------


class ShipToSerializer(serializers.Serializer):
    """Where the parcel goes (the order's shipping address)."""

    name = serializers.CharField(source="ship_name")
    line1 = serializers.CharField(source="ship_line1")
    line2 = serializers.CharField(source="ship_line2")
    postal_code = serializers.CharField(source="ship_postal_code")
    city = serializers.CharField(source="ship_city")
    country = serializers.CharField(source="ship_country")
    phone = serializers.CharField(source="ship_phone")


class SellerOrderLineSerializer(serializers.ModelSerializer):
    listing_id = serializers.IntegerField(read_only=True)
    sku = serializers.CharField(source="listing.sku", read_only=True)
    unit_price = _money()
    line_amount = _money()
    serials = serializers.SerializerMethodField(
        help_text="Each unit's serial number or IMEI, once shipped."
    )

    class Meta:
        model = OrderLine
        fields = [
            "id", "listing_id", "sku", "title", "variant_label", "grade",
            "battery_min_pct", "warranty_months", "quantity", "unit_price",
            "line_amount", "currency", "serials",
        ]  # fmt: skip

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_serials(self, line: OrderLine) -> list[str]:
        return [unit.serial for unit in line.units.all()]


class SellerOrderSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="order.reference", read_only=True)
    market = serializers.CharField(source="order.market", read_only=True)
    late = serializers.BooleanField(
        source="late_shipment",
        read_only=True,
        help_text="Not shipped by its ship-by time (stays true once shipped late).",
    )
    items_amount = _money()
    shipping_amount = _money()
    total_amount = _money(help_text="What the shopper paid for this seller order.")
    commission_amount = _money(help_text="ReMarket's commission on it.")
    carrier = NotYetChoiceField(choices=Carrier.choices)
    tracking_url = serializers.SerializerMethodField()
    seller_reported_delivered_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the seller reported the parcel delivered. It starts no "
        "clock: the order stays shipped until the shopper or the carrier "
        "confirms, or until delivery_due_at.",
    )
    delivery_due_at = serializers.SerializerMethodField(
        help_text="When a shipped order counts as delivered if nobody confirms it."
    )
    delivered_by = NotYetChoiceField(
        choices=DeliveredBy.choices,
        help_text="Who confirmed the delivery (which started the warranty, the "
        "return window and the payout): the shopper, the carrier or the "
        "automatic delay.",
    )
    actions = serializers.SerializerMethodField(
        help_text="What the seller may do now: accept, ship, cancel."
    )
    ship_to = ShipToSerializer(source="order", read_only=True)
    lines = SellerOrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = SellerOrder
        fields = [
            "reference", "status", "market", "currency", "paid_at", "ship_by",
            "late", "accepted_at", "shipped_at", "seller_reported_delivered_at",
            "delivery_due_at", "delivered_at", "delivered_by", "cancelled_at",
            "items_amount", "shipping_amount", "total_amount", "commission_amount",
            "carrier", "carrier_name", "tracking_number", "tracking_url",
            "cancel_reason_code", "cancel_reason", "actions", "ship_to", "lines",
        ]  # fmt: skip
        read_only_fields = fields

    def get_tracking_url(self, seller_order: SellerOrder) -> str:
        return tracking_url(seller_order.carrier, seller_order.tracking_number)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_delivery_due_at(self, seller_order: SellerOrder):
        if seller_order.status != Status.SHIPPED:
            return None
        due = auto_delivery_at(seller_order)
        return serializers.DateTimeField().to_representation(due) if due else None

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(list(ACTIONS.values())))
    )
    def get_actions(self, seller_order: SellerOrder) -> list[str]:
        moves = SELLER_ORDER_MOVES[seller_order.status]
        return [action for move, action in ACTIONS.items() if move in moves]


class SellerOrderDetailSerializer(SellerOrderSerializer):
    history = StatusChangeSerializer(many=True, read_only=True)

    class Meta(SellerOrderSerializer.Meta):
        fields = [*SellerOrderSerializer.Meta.fields, "history"]
        read_only_fields = fields


class ShipLineSerializer(serializers.Serializer):
    line_id = serializers.IntegerField(help_text="The order line's id (lines[].id).")
    serials = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=True),
        max_length=MAX_QUANTITY_PER_LINE,
        help_text="One serial number or IMEI per unit of the line.",
    )


class ShipSerializer(serializers.Serializer):
    carrier = serializers.ChoiceField(choices=Carrier.choices)
    carrier_name = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text='The carrier\'s name, needed when carrier is "other".',
    )
    tracking_number = serializers.CharField(
        allow_blank=True,
        help_text="Checked against the carrier's format (spaces and dashes ignored).",
    )
    lines = ShipLineSerializer(
        many=True, help_text="Every line of the order, with its units' serials."
    )

    def validate_lines(self, lines: list[dict]) -> list[dict]:
        """Each line of this order at most once; no line of another order."""
        own = self.context["line_ids"]
        errors: list[dict] = []
        seen: set[int] = set()
        for line in lines:
            line_id = line["line_id"]
            if line_id not in own:
                errors.append(
                    {"line_id": [gettext("This order has no line with this id.")]}
                )
            elif line_id in seen:
                errors.append({"line_id": [gettext("This line is given twice.")]})
            else:
                errors.append({})
            seen.add(line_id)
        if any(errors):
            raise serializers.ValidationError(errors)
        return lines


class CancelSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(
        choices=SellerCancelReason.choices,
        help_text="stock_error, defect_found and other count against the seller.",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=f"Read by the shopper; needed with other ({REASON_MAX_CHARS} "
        "characters at most).",
    )


# --- Warranty claims --------------------------------------------------------------


class ClaimDeviceSerializer(serializers.Serializer):
    line_id = serializers.IntegerField(source="line.pk")
    title = serializers.CharField(source="line.title")
    variant_label = serializers.CharField(source="line.variant_label")
    grade = serializers.CharField(source="line.grade")
    unit_price = serializers.DecimalField(
        source="line.unit_price", max_digits=10, decimal_places=2
    )
    serial = serializers.CharField(source="unit.serial")
    warranty_months = serializers.IntegerField(source="months")
    warranty_starts_at = serializers.DateTimeField(source="starts_at")
    warranty_ends_at = serializers.DateTimeField(source="ends_at")


class ClaimSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(
        source="seller_order.order.reference", read_only=True
    )
    currency = serializers.CharField(source="seller_order.currency", read_only=True)
    filed_at = serializers.DateTimeField(source="created_at", read_only=True)
    overdue = serializers.SerializerMethodField(
        help_text="Waiting for the seller's answer past answer_due_at."
    )
    device = ClaimDeviceSerializer(source="warranty", read_only=True)
    seller_remedy = NotYetChoiceField(choices=ClaimRemedy.choices)
    qa_remedy = NotYetChoiceField(
        choices=ClaimRemedy.choices, help_text="ReMarket's decision, once escalated."
    )
    refund_amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, read_only=True, allow_null=True
    )

    class Meta:
        model = WarrantyClaim
        fields = [
            "id", "reference", "status", "problem", "description", "filed_at",
            "answer_due_at", "overdue", "device", "seller_remedy", "seller_message",
            "refund_amount", "currency", "answered_at", "accepted_at",
            "escalated_at", "escalation_reason", "qa_remedy", "qa_note",
            "decided_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_overdue(self, claim: WarrantyClaim) -> bool:
        return claim.status == ClaimStatus.OPEN and claim.answer_due_at <= (
            self.context.get("now") or timezone.now()
        )


class ClaimDetailSerializer(ClaimSerializer):
    photo_count = serializers.SerializerMethodField()
    history = StatusChangeSerializer(many=True, read_only=True)

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "photo_count", "history"]
        read_only_fields = fields

    def get_photo_count(self, claim: WarrantyClaim) -> int:
        return len(claim.photos.all())


class ClaimAnswerSerializer(serializers.Serializer):
    remedy = serializers.ChoiceField(choices=ClaimRemedy.choices)
    message = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text=f"To the shopper; needed to decline ({TEXT_MAX_CHARS} characters "
        "at most).",
    )
    refund_amount = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text="For a refund: at most the device's price.",
    )


# --- Messages ---------------------------------------------------------------------


class MessageSerializer(serializers.ModelSerializer):
    has_image = serializers.SerializerMethodField(
        help_text="A photo came with it (shown in the dashboard)."
    )

    class Meta:
        model = Message
        fields = ["id", "author", "body", "has_image", "created_at", "answered_at"]
        read_only_fields = fields

    def get_has_image(self, message: Message) -> bool:
        return bool(message.image)


class LastMessageSerializer(serializers.Serializer):
    author = serializers.CharField(source="last_author")
    body = serializers.CharField(source="last_body")
    at = serializers.DateTimeField(source="last_message_at")


class ThreadSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="order.reference", read_only=True)
    message_count = serializers.IntegerField(read_only=True)
    waiting = serializers.SerializerMethodField(
        help_text="The shopper wrote and the seller has not answered yet."
    )
    waiting_count = serializers.IntegerField(source="waiting_messages", read_only=True)
    waiting_since = serializers.DateTimeField(read_only=True, allow_null=True)
    last_message = LastMessageSerializer(source="*", read_only=True)

    class Meta:
        model = SellerOrder
        fields = [
            "reference", "status", "message_count", "waiting", "waiting_count",
            "waiting_since", "last_message",
        ]  # fmt: skip
        read_only_fields = fields

    def get_waiting(self, seller_order: SellerOrder) -> bool:
        return seller_order.waiting_messages > 0


class ThreadDetailSerializer(serializers.Serializer):
    reference = serializers.CharField(source="order.reference")
    status = serializers.ChoiceField(choices=SellerOrderStatus.choices)
    messages = MessageSerializer(source="thread", many=True)


class MessageSendSerializer(serializers.Serializer):
    body = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text=f"The message's text ({BODY_MAX_CHARS} characters at most).",
    )


# --- Payouts ----------------------------------------------------------------------


class PayoutSerializer(serializers.ModelSerializer):
    amount = _money()
    sales = serializers.IntegerField(read_only=True, help_text="Sales it pays.")
    refunds = serializers.IntegerField(
        read_only=True, help_text="Refunds deducted from it."
    )

    class Meta:
        model = Payout
        fields = [
            "id", "status", "amount", "currency", "created_at", "paid_at",
            "failure_message", "sales", "refunds",
        ]  # fmt: skip
        read_only_fields = fields


class PayoutLineSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(
        source="seller_order.order.reference", read_only=True
    )
    amount = _money(help_text="Positive for a sale, negative for a deduction.")
    refund_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = PayoutLine
        fields = ["id", "kind", "reference", "amount", "description", "refund_id"]
        read_only_fields = fields


class PayoutDetailSerializer(PayoutSerializer):
    lines = PayoutLineSerializer(many=True, read_only=True)

    class Meta(PayoutSerializer.Meta):
        fields = [
            f for f in PayoutSerializer.Meta.fields if f not in ("sales", "refunds")
        ] + ["lines"]
        read_only_fields = fields
