"""Every write to a cart: find or create it, add, change and remove lines, merge.

Nothing the browser sends sets a price: ``price_seen`` and ``currency`` are
read from the offer when a line is added. Quantities stay within
1..min(stock, MAX_QUANTITY_PER_LINE) when the shopper chooses them; the cart
page lowers a line whose stock fell since (``cart_changes_accept``).

Locks: a cart row first (``select_for_update``), then its lines; a merge locks
both carts by pk, so two requests of one shopper queue instead of losing a line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext

from listings.models import Offer
from marketplace.markets import Market
from marketplace.status import locked
from orders.exceptions import CartError, CartLineNotFound
from orders.models import MAX_QUANTITY_PER_LINE, Cart, CartLine

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from orders.selectors.cart import CartView


def cart_get_or_create(
    *, user: AbstractBaseUser | None, session_key: str | None
) -> Cart:
    """The shopper's cart, created on first use: the signed-in ``user``'s, else
    the cart of the browser session ``session_key`` (which must exist then).
    """
    if user is not None:
        return cart_for_user_get_or_create(user=user)
    if not session_key:
        raise ValueError("A guest's cart needs the session's key.")
    cart, _ = Cart.objects.get_or_create(session_key=session_key)
    return cart


def _quantity_limit(offer: Offer) -> int:
    return min(offer.listing.stock, MAX_QUANTITY_PER_LINE)


def _check_quantity(quantity: object, limit: int, *, already: int = 0) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise CartError(gettext("Choose a quantity as a whole number."), "quantity")
    if quantity < 1:
        raise CartError(gettext("Choose a quantity of at least 1."), "quantity")
    if quantity > MAX_QUANTITY_PER_LINE:
        raise CartError(
            gettext("You can buy at most %(most)s of one offer.")
            % {"most": MAX_QUANTITY_PER_LINE},
            "quantity",
        )
    if already + quantity > limit:
        # One whole sentence per case, so each language words it its own way.
        if limit and already:
            message = gettext(
                "Only %(left)s left: you already have %(already)s in your cart."
            )
        elif limit:
            message = gettext("Only %(left)s left.")
        elif already:
            message = gettext("None left: you already have %(already)s in your cart.")
        else:
            message = gettext("None left.")
        raise CartError(message % {"left": limit, "already": already}, "quantity")
    return quantity


@transaction.atomic
def cart_line_add(
    *, cart: Cart, offer_id: int, quantity: int, market: Market
) -> CartLine:
    """Add ``quantity`` of an offer to the cart, or more of it if already there.

    The offer must exist, be sold in the shopper's market and be purchasable;
    the line's total quantity stays within 1..min(stock, 10). The price the
    line remembers is the offer's, now.
    """
    if isinstance(offer_id, bool) or not isinstance(offer_id, int):
        raise CartError(gettext("Choose an offer to add."), "offer_id")
    offer = (
        Offer.objects.select_related("listing", "refurbisher", "device_model")
        .filter(pk=offer_id)
        .first()
    )
    if offer is None:
        raise CartError(gettext("That offer does not exist (any more)."), "offer_id")
    if offer.market != market.code:
        raise CartError(
            gettext(
                "That offer is not sold in %(market)s: choose an offer shown "
                "in %(market)s."
            )
            % {"market": market.name},
            "offer_id",
        )
    if not offer.is_purchasable:
        raise CartError(
            gettext(
                "The %(device)s from %(seller)s cannot be bought right now: "
                "choose another offer."
            )
            % {"device": offer.device_model.name, "seller": offer.refurbisher.name},
            "offer_id",
        )
    locked(cart)
    line = CartLine.objects.filter(cart=cart, offer=offer).first()
    already = line.quantity if line else 0
    quantity = _check_quantity(quantity, _quantity_limit(offer), already=already)
    if line is None:
        line = CartLine.objects.create(
            cart=cart,
            offer=offer,
            quantity=quantity,
            price_seen=offer.price_amount,
            currency=offer.currency,
            market=offer.market,
        )
    else:
        line.quantity = already + quantity
        line.price_seen = offer.price_amount
        line.currency = offer.currency
        line.save(update_fields=["quantity", "price_seen", "currency"])
        line.offer = offer
    return line


def _line(cart: Cart, line_id: int) -> CartLine:
    if isinstance(line_id, bool) or not isinstance(line_id, int):
        raise CartLineNotFound(gettext("That item is not in your cart."))
    line = (
        CartLine.objects.select_for_update(of=("self",))
        .select_related("offer__listing")
        .filter(cart=cart, pk=line_id)
        .first()
    )
    if line is None:
        raise CartLineNotFound(gettext("That item is not in your cart."))
    return line


@transaction.atomic
def cart_line_quantity_set(*, cart: Cart, line_id: int, quantity: int) -> CartLine:
    """Set a line's quantity, within 1..min(stock, 10).

    Raises CartLineNotFound for a line of another cart.
    """
    locked(cart)
    line = _line(cart, line_id)
    line.quantity = _check_quantity(quantity, _quantity_limit(line.offer))
    line.save(update_fields=["quantity"])
    return line


@transaction.atomic
def cart_line_remove(*, cart: Cart, line_id: int) -> CartLine:
    """Take a line out of the cart; raises CartLineNotFound for another cart's."""
    locked(cart)
    line = _line(cart, line_id)
    line.delete()
    return line


@transaction.atomic
def cart_line_offer_swap(
    *, cart: Cart, line_id: int, offer_id: int, market: Market
) -> CartLine:
    """Replace a line by the same listing's offer in the shopper's market.

    Used when the shopper changed market: the quantity is kept where stock
    allows, else lowered to what is left.
    """
    locked(cart)
    line = _line(cart, line_id)
    offer = (
        Offer.objects.select_related("listing")
        .filter(pk=offer_id, listing_id=line.offer.listing_id, market=market.code)
        .first()
    )
    if offer is None or not offer.is_purchasable:
        raise CartError(
            gettext("This item cannot be bought in %(market)s right now.")
            % {"market": market.name},
            "offer_id",
        )

    limit = _quantity_limit(offer)
    quantity = min(line.quantity, limit)
    line.delete()
    existing = CartLine.objects.filter(cart=cart, offer=offer).first()
    if existing is not None:
        quantity = min(existing.quantity + quantity, limit)
        existing.delete()
    return CartLine.objects.create(
        cart=cart,
        offer=offer,
        quantity=max(quantity, 1),
        price_seen=offer.price_amount,
        currency=offer.currency,
        market=offer.market,
    )


@transaction.atomic
def cart_merge(*, guest_cart: Cart, user_cart: Cart) -> Cart:
    """Move a guest cart's lines into a person's cart, then delete the guest cart.

    An offer in both carts keeps one line whose quantity is the sum, capped by
    stock and MAX_QUANTITY_PER_LINE (at least 1: a sold-out line stays to say
    so), with the price the guest saw last. Both carts are locked by pk.
    """
    if guest_cart.pk == user_cart.pk:
        return user_cart
    list(
        Cart.objects.select_for_update()
        .filter(pk__in=[guest_cart.pk, user_cart.pk])
        .order_by("pk")
    )
    theirs = {
        line.offer_id: line
        for line in CartLine.objects.select_for_update(of=("self",)).filter(
            cart=user_cart
        )
    }
    guest_lines = list(
        CartLine.objects.select_for_update(of=("self",))
        .select_related("offer__listing")
        .filter(cart=guest_cart)
    )
    for line in guest_lines:
        kept = theirs.get(line.offer_id)
        if kept is None:
            line.cart = user_cart
            line.save(update_fields=["cart"])
            continue
        limit = _quantity_limit(line.offer)
        kept.quantity = max(1, min(kept.quantity + line.quantity, limit))
        kept.price_seen, kept.currency = line.price_seen, line.currency
        kept.market = line.market
        kept.save(update_fields=["quantity", "price_seen", "currency", "market"])
        line.delete()
    guest_cart.delete()
    return user_cart


def cart_for_user_get_or_create(*, user) -> Cart:
    """The person's cart, created if they have none yet."""
    cart, _ = Cart.objects.get_or_create(user=user)
    return cart


def cart_changes_accept(*, cart: Cart, view: CartView) -> int:
    """Record that the shopper has been shown what changed since they added lines.

    Each line's ``price_seen`` becomes the price now, and a quantity above the
    stock left is lowered to it (a sold-out line keeps its quantity: it cannot
    be bought and says so). Called by the cart page after rendering the
    notices once; returns the number of lines changed, in one UPDATE (none
    when nothing changed).
    """
    changed = []
    for line in view.all_lines:
        row = line.line
        if line.price_changed:
            row.price_seen = line.price
        if line.quantity < row.quantity and line.quantity >= 1:
            row.quantity = line.quantity
        if line.price_changed or line.quantity_lowered:
            changed.append(row)
    if changed:
        CartLine.objects.filter(cart=cart).bulk_update(
            changed, ["price_seen", "quantity"]
        )
    return len(changed)
