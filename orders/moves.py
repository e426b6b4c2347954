"""The status moves of an order and of its seller orders, and their audit rows.

Each is a ``marketplace.status.StatusMachine`` over the table of allowed
moves in ``orders.models`` (``ORDER_MOVES``, ``SELLER_ORDER_MOVES``); both
write ``OrderStatusChange`` rows. Payment services move orders; fulfilment,
delivery and cancellation services move seller orders.
"""

from __future__ import annotations

from marketplace.status import StatusMachine
from orders.exceptions import CheckoutRefused, FulfilmentRefused
from orders.models import (
    ORDER_MOVES,
    SELLER_ORDER_MOVES,
    Order,
    OrderStatus,
    OrderStatusChange,
    SellerOrder,
    SellerOrderStatus,
)


def _order_refused(from_status: str, to_status: str) -> CheckoutRefused:
    return CheckoutRefused(
        f"This order is {OrderStatus(from_status).label.lower()}: it cannot be "
        f"{OrderStatus(to_status).label.lower()} now."
    )


def _seller_order_refused(from_status: str, to_status: str) -> FulfilmentRefused:
    return FulfilmentRefused(
        f"This order is {SellerOrderStatus(from_status).label.lower()}: it cannot "
        f"be {SellerOrderStatus(to_status).label.lower()} now."
    )


ORDER_STATUS: StatusMachine[Order] = StatusMachine(
    moves=ORDER_MOVES,
    refusal=_order_refused,
    audit_model=OrderStatusChange,
    audit_parent=lambda order: {"order": order},
)

SELLER_ORDER_STATUS: StatusMachine[SellerOrder] = StatusMachine(
    moves=SELLER_ORDER_MOVES,
    refusal=_seller_order_refused,
    audit_model=OrderStatusChange,
    audit_parent=lambda seller_order: {
        "order_id": seller_order.order_id,
        "seller_order": seller_order,
    },
)
