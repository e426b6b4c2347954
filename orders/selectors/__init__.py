"""Reads of the orders app for pages and the API."""

from orders.selectors.cart import (
    CartLineView,
    CartView,
    SellerGroup,
    cart_item_count,
    cart_of_request,
    cart_view,
)

__all__ = [
    "CartLineView",
    "CartView",
    "SellerGroup",
    "cart_item_count",
    "cart_of_request",
    "cart_view",
]
