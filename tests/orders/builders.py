"""Orders in after-sale states, built through the services as people would.

Payments go through the offline gateway (``checkout_pay`` then the events it
emits, as the test-payment page does), so a refund finds a paid payment to
give back, exactly as with Stripe.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from orders.models import Order, SellerOrder
from orders.payment_gateway import payment_gateway
from orders.services.checkout import CheckoutLine, checkout_start
from orders.services.checkout_session import checkout_pay
from orders.services.fulfilment import (
    seller_order_accept,
    seller_order_deliver,
    seller_order_ship,
)
from orders.services.payment_events import payment_event_receive
from tests.orders.test_checkout import PARIS, fr_listing
from tests.orders.test_fulfilment import IMEI

SITE = "http://testserver"


def order_paid_offline(
    *listings_and_quantities,
    user: AbstractBaseUser | None = None,
    email: str = "camille@example.com",
) -> Order:
    """A paid FR order for (listing, quantity) pairs, through the offline gateway."""
    order = checkout_start(
        lines=[
            CheckoutLine(listing.offers.get(market="FR").pk, quantity)
            for listing, quantity in listings_and_quantities
        ],
        email=email,
        address=PARIS,
        market="FR",
        user=user,
    )
    checkout_pay(order, SITE)
    order.refresh_from_db()
    for event in payment_gateway().events_for(order.payment_session_id, "paid"):
        payment_event_receive(event)
    order.refresh_from_db()
    return order


def seller_order_paid(
    *, refurbisher=None, quantity: int = 1, user=None, **listing
) -> SellerOrder:
    """A paid seller order of ``quantity`` units of a new FR listing."""
    order = order_paid_offline(
        (fr_listing(refurbisher, **listing), quantity), user=user
    )
    return order.seller_orders.get()


def serials(seller_order: SellerOrder) -> dict[int, list[str]]:
    """A valid, distinct serial for each unit of each line."""
    given: dict[int, list[str]] = {}
    for line in seller_order.lines.order_by("pk"):
        given[line.pk] = [
            IMEI if not given and index == 0 else f"SN{line.pk:04d}{index:04d}"
            for index in range(line.quantity)
        ]
    return given


def seller_order_shipped(seller_order: SellerOrder, actor=None) -> SellerOrder:
    seller_order_accept(seller_order=seller_order, actor=actor)
    return seller_order_ship(
        seller_order=seller_order, actor=actor, carrier="colissimo",
        tracking_number="6A12345678901", serials=serials(seller_order),
    )  # fmt: skip


def seller_order_delivered(seller_order: SellerOrder, actor=None) -> SellerOrder:
    """Accepted, shipped with tracking and serials, delivered (warranties start)."""
    seller_order_shipped(seller_order, actor)
    seller_order_deliver(seller_order=seller_order, actor=actor, by="shopper")
    seller_order.refresh_from_db()
    return seller_order


def payout_account_connect(owner, refurbisher, account_id: str, *, release=True):
    """Connect a payout account as an owner does (password and a code again).

    With ``release``, QA then releases the new account's hold through its
    service, so a test's payouts go out now rather than in 48 hours.
    """
    from marketplace.accounts.second_factor import totp_device
    from orders.services.payout_account import (
        payout_account_hold_release,
        refurbisher_payout_account_set,
    )
    from tests.refurbishers.builders import PASSWORD, user_make
    from tests.second_factor import second_factor_give, totp_code

    device = totp_device(owner) or second_factor_give(owner)[0]
    change = refurbisher_payout_account_set(
        refurbisher=refurbisher, account_id=account_id, actor=owner,
        password=PASSWORD, code=totp_code(device),
    )  # fmt: skip
    if release and change is not None and change.held_until is not None:
        qa = user_make(is_staff=True)
        payout_account_hold_release(
            change=change, actor=qa, reason="Confirmed with the owner by phone."
        )
    refurbisher.refresh_from_db()
    return change
