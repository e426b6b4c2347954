"""The status moves of an order and of its seller orders, and their audit rows.

Each is a ``marketplace.status.StatusMachine`` over the table of allowed
moves in ``orders.models`` (``ORDER_MOVES``, ``SELLER_ORDER_MOVES``); both
write ``OrderStatusChange`` rows. Payment services move orders; fulfilment,
delivery and cancellation services move seller orders.
"""

from __future__ import annotations

from django.utils.translation import gettext, pgettext_lazy

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

# A status as the word that completes "This order is ..." and "it cannot be
# ... now": a context of its own, since a language may need another form
# there than in the status's label.
STATE_WORDS = {
    "pending_payment": pgettext_lazy(
        "order state in a sentence", "waiting for payment"
    ),
    "paid": pgettext_lazy("order state in a sentence", "paid"),
    "payment_failed": pgettext_lazy("order state in a sentence", "payment failed"),
    "expired": pgettext_lazy("order state in a sentence", "expired"),
    "accepted": pgettext_lazy("order state in a sentence", "accepted"),
    "shipped": pgettext_lazy("order state in a sentence", "shipped"),
    "delivered": pgettext_lazy("order state in a sentence", "delivered"),
    "cancelled": pgettext_lazy("order state in a sentence", "cancelled"),
    "void": pgettext_lazy("order state in a sentence", "not paid"),
}


def _refusal_words(from_status: str, to_status: str) -> str:
    return gettext("This order is %(status)s: it cannot be %(target)s now.") % {
        "status": STATE_WORDS[from_status],
        "target": STATE_WORDS[to_status],
    }


def _order_refused(from_status: str, to_status: str) -> CheckoutRefused:
    return CheckoutRefused(
        _refusal_words(OrderStatus(from_status), OrderStatus(to_status))
    )


def _seller_order_refused(from_status: str, to_status: str) -> FulfilmentRefused:
    return FulfilmentRefused(
        _refusal_words(SellerOrderStatus(from_status), SellerOrderStatus(to_status))
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
