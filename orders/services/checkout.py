"""Starting a checkout: reserve stock and trial sale slots, priced on the server.

Started from a cart (the checkout pages), a checkout is one per cart: the
cart row is locked first, so presses of "Pay" at once take turns, and a press
that repeats the cart's checkout of the last ``PAY_REPEAT_SECONDS`` (same
items, same details) gets that same order back, not a second one. A cart's
earlier unpaid checkout that differs is released in the same transaction
(its stock is free for the new one), and its payment page closed once the
transaction commits. The limits on unpaid reservations per browser session
and per client address (``checkout_limits``) are checked under their locks.

Lock order (the one global order for a checkout): the cart row, then the
holder's advisory locks (session, address), then the earlier unpaid orders
it replaces (``order_payment_failed``: the order, its listings, sale days),
then listing rows by pk (``select_for_update``), then each trial seller's
sale day (the conditional UPDATE in ``sale_slot_reserve``), then the new
order rows. Concurrent checkouts for the last unit queue on the listing row;
the first to commit takes it, the others see stock 0 after the lock and are
refused before any payment starts. The stock ``CheckConstraint`` is the last
guard.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from listings.models import Offer
from listings.services import (
    catalog_version_bump,
    listing_stock_take,
    listings_lock,
    offers_refresh,
)
from marketplace.markets import MARKETS
from marketplace.money import quantize
from orders.exceptions import CheckoutRefused, PaymentProviderError
from orders.models import (
    MAX_QUANTITY_PER_LINE,
    Cart,
    Order,
    OrderLine,
    OrderStatus,
    SellerOrder,
    StockReservation,
)
from orders.moves import ORDER_STATUS
from orders.payment_gateway import payment_gateway
from orders.services.checkout_limits import (
    CheckoutHolder,
    checkout_holder_lock,
    checkout_limits_check,
)
from orders.services.installation import provider_key
from orders.services.payment import order_payment_failed
from refurbishers.exceptions import SaleCapReached
from refurbishers.services import sale_slot_reserve

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# A press of "Pay" this soon after the cart's checkout, with the same items
# and details, is the same press (a double click, two tabs): it gets that
# checkout back. Within it the payment is opened with the very parameters of
# the first try (orders.services.checkout_session), so the provider replays
# it under the same idempotency key.
PAY_REPEAT_SECONDS = 60


@dataclass(frozen=True)
class CheckoutLine:
    offer_id: int
    quantity: int


@dataclass(frozen=True)
class ShippingAddress:
    name: str
    line1: str
    postal_code: str
    city: str
    country: str
    line2: str = ""
    phone: str = ""


def _reference() -> str:
    return "RM-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def _check_lines(lines: Sequence[CheckoutLine]) -> dict[int, int]:
    if not lines:
        raise CheckoutRefused(gettext("Your cart is empty."))
    quantities: dict[int, int] = {}
    for line in lines:
        if not 1 <= line.quantity <= MAX_QUANTITY_PER_LINE:
            raise CheckoutRefused(
                gettext("A quantity is 1 to %(most)s.")
                % {"most": MAX_QUANTITY_PER_LINE},
                field="quantity",
            )
        quantities[line.offer_id] = quantities.get(line.offer_id, 0) + line.quantity
    return quantities


def _offers(quantities: dict[int, int], market: str) -> list[Offer]:
    offers = list(
        Offer.objects.filter(pk__in=quantities)
        .select_related(
            "listing", "listing__variant__device_model__brand", "refurbisher"
        )
        .order_by("pk")
    )
    if len(offers) != len(quantities):
        raise CheckoutRefused(
            gettext("An item in your cart is no longer sold. Remove it to go on.")
        )
    for offer in offers:
        if offer.market != market:
            raise CheckoutRefused(
                gettext("%(device)s is not sold in %(market)s.")
                % {"device": _title(offer), "market": MARKETS[market].name}
            )
    return offers


def _title(offer: Offer) -> str:
    model = offer.listing.variant.device_model
    return f"{model.brand.name} {model.name}"


def _lock_and_take_stock(offers: list[Offer], quantities: dict[int, int]) -> None:
    """Lock the listings in pk order, check and decrement their stock."""
    locked = listings_lock(listing_ids=sorted({offer.listing_id for offer in offers}))
    needed: dict[int, int] = {}
    for offer in offers:
        needed[offer.listing_id] = (
            needed.get(offer.listing_id, 0) + quantities[offer.pk]
        )
    # Purchasability is read after the locks, so it reflects committed sales.
    purchasable = set(
        Offer.objects.filter(pk__in=[o.pk for o in offers], is_purchasable=True)
        .values_list("pk", flat=True)
    )  # fmt: skip
    for offer in offers:
        listing = locked[offer.listing_id]
        if listing.stock == 0:
            raise CheckoutRefused(
                gettext("%(device)s has just sold out.") % {"device": _title(offer)}
            )
        if offer.pk not in purchasable:
            raise CheckoutRefused(
                gettext(
                    "%(device)s cannot be bought right now: its seller paused it "
                    "or reached today's sales limit."
                )
                % {"device": _title(offer)}
            )
        if listing.stock < needed[listing.pk]:
            raise CheckoutRefused(
                gettext("Only %(left)s of %(device)s left: lower the quantity.")
                % {"left": listing.stock, "device": _title(offer)}
            )
    for listing_id, quantity in needed.items():
        listing_stock_take(listing_id=listing_id, quantity=quantity)


def _repeats(
    order: Order,
    *,
    quantities: dict[int, int],
    email: str,
    address: ShippingAddress,
    market: str,
    user_id: int | None,
    now: dt.datetime,
) -> bool:
    """Whether a new checkout would be ``order`` again (a repeated "Pay")."""
    if now - order.created_at > dt.timedelta(seconds=PAY_REPEAT_SECONDS):
        return False
    shipped_to = (
        order.ship_name, order.ship_line1, order.ship_line2, order.ship_postal_code,
        order.ship_city, order.ship_country, order.ship_phone,
    )  # fmt: skip
    wanted = (
        address.name, address.line1, address.line2, address.postal_code,
        address.city, address.country, address.phone,
    )  # fmt: skip
    if (order.market, order.email, order.user_id, shipped_to) != (
        market, email, user_id, wanted,
    ):  # fmt: skip
        return False
    bought = dict(
        OrderLine.objects.filter(seller_order__order=order).values_list(
            "offer_id", "quantity"
        )
    )
    return bought == quantities


def _payment_close(session_id: str) -> None:
    """Close a released checkout's payment, so it can no longer be paid by
    mistake (after commit: a slow provider never holds a lock)."""
    with contextlib.suppress(PaymentProviderError):
        payment_gateway().cancel_payment(
            session_id, idempotency_key=provider_key("expire", session_id)
        )


def _earlier_checkout(
    *, cart: Cart | None, replaces: int | None, repeat: Callable[[Order], bool]
) -> Order | None:
    """The cart's unpaid checkout this one repeats, if any; release the others.

    ``replaces`` is the browser's last checkout (it may be of a cart merged
    away since). Runs under the cart's lock.
    """
    mine = Q(cart=cart) if cart is not None else Q(pk__in=[])
    if replaces is not None:
        mine |= Q(pk=replaces)
    earlier = list(
        Order.objects.filter(mine, status=OrderStatus.PENDING_PAYMENT).order_by("-pk")
    )
    repeated = next((order for order in earlier if repeat(order)), None)
    for order in earlier:
        if order is repeated:
            continue
        released = order_payment_failed(
            order_id=order.pk, reason="The shopper started a new checkout"
        )
        session_id = (
            Order.objects.values_list("payment_session_id", flat=True).get(pk=order.pk)
            if released
            else ""
        )
        if session_id:
            transaction.on_commit(functools.partial(_payment_close, session_id))
    return repeated


@transaction.atomic
def checkout_start(
    *,
    lines: Sequence[CheckoutLine],
    email: str,
    address: ShippingAddress,
    market: str,
    user=None,
    cart: Cart | None = None,
    holder: CheckoutHolder | None = None,
    replaces: int | None = None,
) -> Order:
    """Reserve everything the shopper is about to pay for and price it.

    Refuses (CheckoutRefused, nothing written) with the item and the reason
    when stock or a trial seller's sale slot cannot be had. Prices, currency
    and shipping come from the offers in the database, never from the client.

    From the checkout pages, ``cart`` makes it one checkout per cart (a
    repeated "Pay" returns the same order; an earlier different one, and
    ``replaces``, are released) and ``holder`` applies the limits on unpaid
    reservations of the browser session and client address.
    """
    market_obj = MARKETS.get(market)
    if market_obj is None:
        raise CheckoutRefused(gettext("Choose a country to ship to."))
    if address.country != market:
        raise CheckoutRefused(
            gettext("We ship to %(market)s from this shop: the address must be there.")
            % {"market": market_obj.name},
            field="country",
        )

    quantities = _check_lines(lines)
    email = email.strip().lower()
    user_id = user.pk if user is not None and user.is_authenticated else None
    if cart is not None:
        # One checkout per cart at a time: presses of "Pay" take turns here.
        Cart.objects.select_for_update().filter(pk=cart.pk).first()
    if holder is not None:
        checkout_holder_lock(holder)
    now = timezone.now()  # after the waits: the turn this checkout got
    if cart is not None or replaces is not None:
        repeated = _earlier_checkout(
            cart=cart, replaces=replaces,
            repeat=lambda order: _repeats(
                order, quantities=quantities, email=email, address=address,
                market=market, user_id=user_id, now=now,
            ),
        )  # fmt: skip
        if repeated is not None:
            return repeated
    if holder is not None:
        checkout_limits_check(holder=holder, units=sum(quantities.values()))
    offers = _offers(quantities, market)
    _lock_and_take_stock(offers, quantities)

    by_seller: dict[int, list[Offer]] = {}
    for offer in offers:
        by_seller.setdefault(offer.refurbisher_id, []).append(offer)
    hold = dt.timedelta(minutes=settings.SALE_SLOT_HOLD_MINUTES)
    seller_totals = []
    for seller_offers in by_seller.values():
        items = sum(
            (offer.price_amount * quantities[offer.pk] for offer in seller_offers),
            Decimal(0),
        )
        # One parcel per seller: its shipping is the highest of its lines.
        shipping = max(offer.shipping_amount for offer in seller_offers)
        seller_totals.append((seller_offers, quantize(items), quantize(shipping)))
    items_amount = sum((items for _, items, _ in seller_totals), Decimal(0))
    shipping_amount = sum((ship for _, _, ship in seller_totals), Decimal(0))
    reference = _reference()
    order = Order.objects.create(
        reference=reference,
        payment_idempotency_key=provider_key("order", reference, "session"),
        access_token=secrets.token_urlsafe(32),
        user_id=user_id,
        email=email,
        market=market,
        currency=market_obj.currency,
        ship_name=address.name,
        ship_line1=address.line1,
        ship_line2=address.line2,
        ship_postal_code=address.postal_code,
        ship_city=address.city,
        ship_country=address.country,
        ship_phone=address.phone,
        items_amount=items_amount,
        shipping_amount=shipping_amount,
        total_amount=items_amount + shipping_amount,
        expires_at=now + hold,
        cart=cart,
        checkout_session=holder.session if holder else "",
        checkout_address=(holder.address or None) if holder else None,
    )
    ORDER_STATUS.record(
        order, from_status="", to_status=OrderStatus.PENDING_PAYMENT,
        reason="Checkout started",
    )  # fmt: skip
    for seller_offers, items, shipping in seller_totals:
        refurbisher = seller_offers[0].refurbisher
        seller_order = SellerOrder.objects.create(
            order=order,
            refurbisher=refurbisher,
            currency=market_obj.currency,
            items_amount=items,
            shipping_amount=shipping,
            total_amount=items + shipping,
            commission_rate=settings.PLATFORM_COMMISSION_RATE,
        )
        reference = f"order:{order.pk}:seller:{refurbisher.pk}"
        try:
            slot = sale_slot_reserve(
                refurbisher=refurbisher, reference=reference, at=now, hold=hold
            )
        except SaleCapReached as refusal:
            raise CheckoutRefused(refusal.message) from None
        if slot is not None:
            seller_order.sale_slot_reference = reference
            seller_order.save(update_fields=["sale_slot_reference"])
        for offer in seller_offers:
            listing, quantity = offer.listing, quantities[offer.pk]
            line = OrderLine.objects.create(
                seller_order=seller_order,
                listing=listing,
                offer=offer,
                title=_title(offer),
                variant_label=str(listing.variant),
                grade=offer.grade,
                battery_min_pct=offer.battery_min_pct,
                warranty_months=offer.warranty_months,
                unit_price=offer.price_amount,
                quantity=quantity,
                line_amount=offer.price_amount * quantity,
                currency=offer.currency,
            )
            StockReservation.objects.create(
                line=line, listing=listing, quantity=quantity
            )
    # Sold-out listings leave the shop at once.
    offers_refresh(listing_ids=sorted({offer.listing_id for offer in offers}))
    catalog_version_bump()
    return order
