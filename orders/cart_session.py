"""The cart as a browser session sees it: which cart is the shopper's, and the
item count the header shows.

The cart services and selectors take plain values (a signed-in user, a session
key); this is where a request becomes those values, and where the session
keeps what the pages need between requests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orders.models import Cart
from orders.selectors.cart import cart_find, cart_items_total
from orders.services.cart import cart_get_or_create

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.http import HttpRequest

# Session keys: the guest cart's id (it survives the new session key a sign-in
# makes, so the merge finds the cart) and the item count the header shows.
SESSION_CART_ID = "cart_id"
SESSION_CART_COUNT = "cart_count"


def signed_in_user(request: HttpRequest) -> AbstractBaseUser | None:
    """The request's user when signed in, else None (a guest)."""
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def cart_of_request(request: HttpRequest) -> Cart | None:
    """The shopper's cart if they have one; never creates it (pages read this)."""
    return cart_find(
        user=signed_in_user(request), session_key=request.session.session_key
    )


def cart_for_request(request: HttpRequest) -> Cart:
    """The shopper's cart, created on first use: the person's, or the session's.

    A guest's cart is keyed by the session key, so the session is saved first
    when it does not exist yet, and the session remembers the cart's id.
    """
    user = signed_in_user(request)
    if user is not None:
        return cart_get_or_create(user=user, session_key=None)
    if not request.session.session_key:
        request.session.save()
    cart = cart_get_or_create(user=None, session_key=request.session.session_key)
    request.session[SESSION_CART_ID] = cart.pk
    return cart


def cart_count_remember(
    *, request: HttpRequest, cart: Cart | None, count: int | None = None
) -> int:
    """Keep the cart's item count in the session, where the header reads it.

    ``count`` when the caller knows it already (the cart page), else one query.
    The session is written only when the count changed.
    """
    if count is None:
        count = cart_items_total(cart=cart)
    if request.session.get(SESSION_CART_COUNT) != count:
        request.session[SESSION_CART_COUNT] = count
    return count


def cart_item_count(request: HttpRequest) -> int:
    """The number of items the header shows, from the session (no query).

    Every cart write and every view of the cart page refresh it; a person's
    cart changed on another device shows its new count after the next change
    or cart page here.
    """
    try:
        return int(request.session.get(SESSION_CART_COUNT, 0) or 0)
    except (TypeError, ValueError):
        return 0
