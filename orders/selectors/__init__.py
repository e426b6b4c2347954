"""Reads of the orders app for pages and the API."""

from orders.selectors.cart import (
    CartLineView,
    CartView,
    SellerGroup,
    cart_find,
    cart_items_total,
    cart_view,
)

__all__ = [
    "CartLineView",
    "CartView",
    "SellerGroup",
    "cart_find",
    "cart_items_total",
    "cart_view",
]
