"""The glue between a started checkout and the payment gateway, and after it.

``checkout_pay`` opens the gateway's payment for an order that
``checkout_start`` has reserved and priced: amounts in minor units from the
order's rows, an idempotency key derived from the order (a retried request
gets the same payment back), and the order id in the metadata so every event
finds its order. The gateway call happens outside any transaction: a slow
provider never holds a lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext

from marketplace.money import to_minor_units
from orders.exceptions import PaymentProviderError
from orders.models import Cart, CartLine, Order, OrderLine, OrderStatus
from orders.payment_gateway import payment_gateway
from orders.services.installation import provider_key, provider_metadata
from orders.services.payment import order_payment_failed
from orders.stripe_api import CheckoutLine

# How long after its checkout a payment page stays open. Stripe wants 30
# minutes at least, and stripe_api moves an earlier end to 31 minutes from the
# call: 32 minutes from the checkout keeps it a fixed value for a minute, so a
# repeated "Pay" in that minute (orders.services.checkout.PAY_REPEAT_SECONDS)
# sends exactly the parameters of the first try, which Stripe replays under
# the same idempotency key instead of refusing.
SESSION_LIFETIME = dt.timedelta(minutes=32)


def payment_lines(order: Order) -> list[CheckoutLine]:
    """What the payment page lists: each item, then each seller's shipping.

    The amounts add up to the order's total (checked before any call).
    """
    lines: list[CheckoutLine] = []
    order_lines = OrderLine.objects.filter(seller_order__order=order).order_by(
        "seller_order_id", "pk"
    )
    for line in order_lines:
        lines.append(
            {
                "name": f"{line.title}, {line.variant_label}",
                "unit_amount_minor": to_minor_units(line.unit_price, order.currency),
                "quantity": line.quantity,
            }
        )
    for seller_order in order.seller_orders.select_related("refurbisher"):
        if seller_order.shipping_amount > 0:
            lines.append(
                {
                    "name": gettext("Shipping from %(seller)s")
                    % {"seller": seller_order.refurbisher.name},
                    "unit_amount_minor": to_minor_units(
                        seller_order.shipping_amount, order.currency
                    ),
                    "quantity": 1,
                }
            )
    total = sum(line["unit_amount_minor"] * line["quantity"] for line in lines)
    if total != to_minor_units(order.total_amount, order.currency):
        raise PaymentProviderError(
            f"Order {order.reference}: the lines add up to {total}, not its total."
        )
    return lines


@transaction.atomic
def order_payment_session_store(
    *, order: Order, provider: str, session_id: str
) -> Order:
    """Remember which payment the order is paid through (row locked)."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    locked.payment_provider = provider
    locked.payment_session_id = session_id
    locked.save(update_fields=["payment_provider", "payment_session_id"])
    order.payment_provider, order.payment_session_id = provider, session_id
    return locked


def checkout_pay(order: Order, request_base_url: str) -> str:
    """Open the payment for a pending order; return where to send the shopper.

    If the gateway refuses, the order's reservations are released at once
    (the shopper may try again) and PaymentProviderError is raised.
    """
    base = request_base_url.rstrip("/")
    confirmation = reverse("order-confirmation", args=[order.reference])
    key = order.payment_idempotency_key or provider_key(
        "order", order.reference, "session"
    )
    try:
        start = payment_gateway().start_payment(
            order_reference=order.reference,
            idempotency_key=key,
            email=order.email,
            currency=order.currency,
            lines=payment_lines(order),
            success_url=base + confirmation,
            cancel_url=base + reverse("checkout-review") + "?cancelled=1",
            expires_at=max(order.expires_at, order.created_at + SESSION_LIFETIME),
            metadata=provider_metadata(
                key=key, order_id=order.pk, order_reference=order.reference
            ),
        )
    except PaymentProviderError:
        order_payment_failed(
            order_id=order.pk, reason="The payment could not be started"
        )
        raise
    order_payment_session_store(
        order=order, provider=start.provider, session_id=start.session_id
    )
    return start.redirect_url


def checkout_abandon(*, order_id: int) -> bool:
    """Release a shopper's earlier unpaid checkout when they start a new one.

    Without it, their own first attempt would hold the stock the second one
    needs until it expires. A no-op for an order no longer pending.
    """
    order = Order.objects.filter(
        pk=order_id, status=OrderStatus.PENDING_PAYMENT
    ).first()
    if order is None:
        return False
    released = order_payment_failed(
        order_id=order_id, reason="The shopper started a new checkout"
    )
    if released and order.payment_session_id:
        # Close the old payment too, so it can no longer be paid by mistake.
        with contextlib.suppress(PaymentProviderError):
            payment_gateway().cancel_payment(
                order.payment_session_id,
                idempotency_key=provider_key("expire", order.payment_session_id),
            )
    return released


@transaction.atomic
def cart_lines_remove_bought(*, cart: Cart, order: Order) -> int:
    """Take the offers a paid order bought out of the cart; return lines removed.

    Only for a paid order; the cart row is locked like every cart write.
    """
    if order.status != OrderStatus.PAID:
        return 0
    Cart.objects.select_for_update().filter(pk=cart.pk).first()
    offer_ids = OrderLine.objects.filter(
        seller_order__order=order, offer__isnull=False
    ).values_list("offer_id", flat=True)
    deleted, _ = CartLine.objects.filter(cart=cart, offer_id__in=offer_ids).delete()
    return deleted
