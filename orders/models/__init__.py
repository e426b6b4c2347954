"""The orders app's tables, one module per topic; every name is importable from here.

- ``cart``: carts and their lines
- ``orders``: orders split per seller, their lines, stock reservations, the
  status audit trail
- ``payments``: the payment provider's events, this installation's keys,
  refunds, payments that need QA (mismatches, disputes)
- ``fulfilment``: the devices shipped and their warranties
- ``after_sale``: messages, returns, warranty claims
- ``payouts``: payouts to refurbishers and the account they go to

Code outside this package imports from ``orders.models``, not from its modules,
so a model can move between them without touching its users. The migrations
name ``orders.models.message_image_path`` and ``orders.models.claim_photo_path``.
"""

from orders.models.after_sale import (
    CLAIM_MOVES,
    OPEN_CLAIM_STATUSES,
    OPEN_RETURN_STATUSES,
    RETURN_MOVES,
    SELLER_FAULT_RETURN_REASONS,
    ClaimPhoto,
    ClaimProblem,
    ClaimRemedy,
    ClaimStatus,
    ClaimStatusChange,
    Message,
    MessageAuthor,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
    ReturnStatusChange,
    WarrantyClaim,
    claim_photo_path,
    message_image_path,
)
from orders.models.cart import MAX_QUANTITY_PER_LINE, Cart, CartLine
from orders.models.fulfilment import ShippedUnit, Warranty
from orders.models.orders import (
    ORDER_MOVES,
    SELLER_ORDER_MOVES,
    Carrier,
    DeliveredBy,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
    ReservationStatus,
    SellerOrder,
    SellerOrderStatus,
    StockReservation,
)
from orders.models.payments import (
    CLOSED_DISPUTE_STATUSES,
    DisputeReason,
    DisputeStatus,
    Installation,
    PaymentDispute,
    PaymentEvent,
    PaymentMismatch,
    Refund,
    RefundReason,
    RefundStatus,
)
from orders.models.payouts import (
    Payout,
    PayoutAccountChange,
    PayoutLine,
    PayoutLineKind,
    PayoutStatus,
)

__all__ = [
    "CLAIM_MOVES",
    "CLOSED_DISPUTE_STATUSES",
    "MAX_QUANTITY_PER_LINE",
    "OPEN_CLAIM_STATUSES",
    "OPEN_RETURN_STATUSES",
    "ORDER_MOVES",
    "RETURN_MOVES",
    "SELLER_FAULT_RETURN_REASONS",
    "SELLER_ORDER_MOVES",
    "Carrier",
    "Cart",
    "CartLine",
    "ClaimPhoto",
    "ClaimProblem",
    "ClaimRemedy",
    "ClaimStatus",
    "ClaimStatusChange",
    "DeliveredBy",
    "DisputeReason",
    "DisputeStatus",
    "Installation",
    "Message",
    "MessageAuthor",
    "Order",
    "OrderLine",
    "OrderStatus",
    "OrderStatusChange",
    "PaymentDispute",
    "PaymentEvent",
    "PaymentMismatch",
    "Payout",
    "PayoutAccountChange",
    "PayoutLine",
    "PayoutLineKind",
    "PayoutStatus",
    "Refund",
    "RefundReason",
    "RefundStatus",
    "ReservationStatus",
    "ReturnReason",
    "ReturnRequest",
    "ReturnStatus",
    "ReturnStatusChange",
    "SellerOrder",
    "SellerOrderStatus",
    "ShippedUnit",
    "StockReservation",
    "Warranty",
    "WarrantyClaim",
    "claim_photo_path",
    "message_image_path",
]
