"""Every write of the orders app (see each module for its part)."""

from orders.services.cart import (
    cart_changes_accept,
    cart_for_user_get_or_create,
    cart_get_or_create,
    cart_line_add,
    cart_line_offer_swap,
    cart_line_quantity_set,
    cart_line_remove,
    cart_merge,
)

__all__ = [
    "cart_changes_accept",
    "cart_for_user_get_or_create",
    "cart_get_or_create",
    "cart_line_add",
    "cart_line_offer_swap",
    "cart_line_quantity_set",
    "cart_line_remove",
    "cart_merge",
]
