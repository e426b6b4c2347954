"""Errors of the orders app: what a shopper did that the rules refuse, and why."""

from marketplace.errors import BusinessRuleError


class CartError(BusinessRuleError):
    """A cart change the marketplace refuses; ``message`` says why in plain words.

    ``field`` names the posted field at fault (``offer_id``, ``quantity``), if any.
    """


class CartLineNotFound(CartError):
    """The line is not in this cart (another shopper's, or already removed)."""


class OrderError(BusinessRuleError):
    """An order change the marketplace refuses; ``message`` says why."""


class CheckoutRefused(OrderError):
    """Something in the cart cannot be reserved; the message names it and why."""


class PaymentProviderError(Exception):
    """The payment provider refused a request or could not be reached.

    ``message`` is the provider's explanation, fit for a log and a staff page;
    ``code`` is the provider's error code (``resource_missing``), if any.
    """

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code


class WebhookSignatureError(Exception):
    """A webhook delivery is not provably from the provider, or not an event.

    Missing, malformed, wrong or stale signature, or a body that is not an event:
    the endpoint answers 400 and changes nothing.
    """


class FulfilmentRefused(OrderError):
    """A fulfilment move or its input the rules refuse (a move out of turn, a
    tracking number in the wrong format, a missing serial number).

    ``field`` names the form field at fault (``tracking_number``,
    ``serial_<line id>_<index>``), if any.
    """


class MessageRefused(OrderError):
    """A message the marketplace will not send (empty, too long, a bad image)."""
