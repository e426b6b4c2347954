"""Reads of payment disputes for the seller's order page."""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.money import MINOR_UNIT_EXPONENT
from orders.models import PaymentDispute, SellerOrder


@dataclass(frozen=True)
class SellerDispute:
    """A dispute as a seller sees it: the amount only when the payment was
    for its own items alone (otherwise it would show another seller's), in a
    currency the site formats."""

    dispute: PaymentDispute
    shows_amount: bool


def disputes_of_seller_order(*, seller_order: SellerOrder) -> list[SellerDispute]:
    """The disputes recorded against a seller order, newest first: two queries."""
    disputes = list(
        PaymentDispute.objects.filter(seller_orders=seller_order).order_by(
            "-opened_at", "-pk"
        )
    )
    if not disputes:
        return []
    alone = (
        not SellerOrder.objects.filter(order_id=seller_order.order_id)
        .exclude(pk=seller_order.pk)
        .exists()
    )
    return [
        SellerDispute(
            dispute=dispute,
            shows_amount=alone and dispute.currency in MINOR_UNIT_EXPONENT,
        )
        for dispute in disputes
    ]
