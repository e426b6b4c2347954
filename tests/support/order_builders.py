"""Orders from checkout to after-sale, built through the services as people would.

Payments go through the offline gateway (``checkout_pay`` then the events it
emits, as the test-payment page does), so a refund finds a paid payment to
give back, exactly as with Stripe; ``paid_order`` and ``paid_seller_order``
apply the payment directly (``order_payment_succeeded``), as a webhook does.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from listings.models import Offer
from listings.services import MarketPrice
from marketplace.money import to_minor_units
from orders.models import Order, SellerOrder
from orders.payment_gateway import payment_gateway
from orders.services.checkout import CheckoutLine, ShippingAddress, checkout_start
from orders.services.checkout_session import checkout_pay
from orders.services.fulfilment import (
    seller_order_accept,
    seller_order_deliver,
    seller_order_ship,
)
from orders.services.payment import order_payment_succeeded
from orders.services.payment_events import payment_event_receive
from refurbishers.models import MemberRole, Membership
from tests.support.factories import RefurbisherFactory, make_listing
from tests.support.refurbisher_builders import user_make

SITE = "http://testserver"
PARIS = ShippingAddress(
    name="Camille Martin", line1="8 rue Oberkampf", postal_code="75011",
    city="Paris", country="FR",
)  # fmt: skip
IMEI = "490154203237518"  # a valid IMEI (Luhn check digit 8)


def seller(name: str, country: str = "FR", *, owner_email: str | None = None):
    refurbisher = RefurbisherFactory(name=name, country=country)
    if owner_email:
        Membership.objects.create(
            user=user_make(email=owner_email),
            refurbisher=refurbisher,
            role=MemberRole.OWNER,
        )
    return refurbisher


def listing_in(market: str, refurbisher, *, price="400.00", shipping="0", **kw):
    return make_listing(
        refurbisher=refurbisher,
        prices={market: MarketPrice(Decimal(price), Decimal(shipping))},
        **kw,
    )


def fr_listing(refurbisher=None, *, price="400.00", shipping="0", stock=5, **kwargs):
    refurbisher = refurbisher or RefurbisherFactory(country="FR", ships_to=["FR"])
    return make_listing(
        refurbisher=refurbisher, stock=stock,
        prices={"FR": MarketPrice(Decimal(price), Decimal(shipping))}, **kwargs,
    )  # fmt: skip


def offer_of(listing, market="FR") -> Offer:
    return listing.offers.get(market=market)


def start(*pairs, email="camille@example.com", address=PARIS, market="FR"):
    lines = [
        CheckoutLine(offer_of(listing).pk, quantity) for listing, quantity in pairs
    ]
    return checkout_start(lines=lines, email=email, address=address, market=market)


def paid_order(*listings, user=None, email="camille@example.com") -> Order:
    """An order for one of each listing, paid (through the services)."""
    order = checkout_start(
        lines=[CheckoutLine(listing.offers.get().pk, 1) for listing in listings],
        email=email,
        address=PARIS,
        market="FR",
        user=user,
    )
    order_payment_succeeded(
        order_id=order.pk,
        amount_minor=to_minor_units(order.total_amount, order.currency),
        currency=order.currency,
    )
    order.refresh_from_db()
    return order


def paid_seller_order(*, quantity: int = 1, refurbisher=None, **listing) -> SellerOrder:
    """A seller order for ``quantity`` units of a new listing, paid."""
    order = start((fr_listing(refurbisher, **listing), quantity))
    order_payment_succeeded(
        order_id=order.pk,
        amount_minor=to_minor_units(order.total_amount, order.currency),
        currency=order.currency,
    )
    return order.seller_orders.get()


def serials_for(seller_order: SellerOrder, *serials: str) -> dict[int, list[str]]:
    line = seller_order.lines.get()
    return {line.pk: list(serials)}


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
    from tests.support.refurbisher_builders import PASSWORD
    from tests.support.second_factor import second_factor_give, totp_code

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


def stripe_account_connect(fake, owner, refurbisher) -> str:
    """A new account at the fake Stripe, connected as the payout account."""
    account = fake.account_create()
    payout_account_connect(owner, refurbisher, account)
    return account


def later() -> dt.datetime:
    """A moment after a delivery made now has its 30-day return window closed."""
    return timezone.now() + dt.timedelta(days=31)
