"""Errors of the orders app: what a shopper did that the rules refuse, and why."""


class CartError(Exception):
    """A cart change the marketplace refuses; ``message`` says why in plain words.

    ``field`` names the posted field at fault (``offer_id``, ``quantity``), if any.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class CartLineNotFound(CartError):
    """The line is not in this cart (another shopper's, or already removed)."""


class OrderError(Exception):
    """An order change the marketplace refuses; ``message`` says why."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class CheckoutRefused(OrderError):
    """Something in the cart cannot be reserved; the message names it and why."""
