"""The cart pages: thin views that call the cart services and the cart selector.

A refused change (unknown offer, a quantity out of range, an offer of another
market...) renders the cart with the reason and status 400; a line of another
cart is a 404. Nothing posted sets a price: only ids and quantities are read.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST, require_safe

from marketplace.next_url import local_next_url
from orders.cart_session import cart_count_remember, cart_for_request, cart_of_request
from orders.exceptions import CartError, CartLineNotFound
from orders.selectors import cart_view
from orders.services import (
    cart_changes_accept,
    cart_line_add,
    cart_line_offer_swap,
    cart_line_quantity_set,
    cart_line_remove,
)

MAX_DB_INT = 2**63 - 1


def _checkout_url() -> str | None:
    """The checkout's URL once it exists; until then the button says it is coming."""
    try:
        return reverse("checkout")
    except NoReverseMatch:
        return None


def _posted_int(request, name: str, message: str, *, default: int | None = None):
    raw = request.POST.get(name)
    if raw is None and default is not None:
        return default
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise CartError(message, name) from None
    if abs(value) > MAX_DB_INT:
        raise CartError(message, name)
    return value


def _render_cart(request, *, error: CartError | None = None, status: int = 200):
    cart = cart_of_request(request)
    view = cart_view(cart=cart, market=request.market)
    if cart is not None:
        # The notices below are shown now; the next view starts from here.
        cart_changes_accept(cart=cart, view=view)
    count = sum(line.line.quantity for line in view.all_lines)
    cart_count_remember(request=request, cart=cart, count=count)
    context = {
        "cart": view,
        "error": error,
        "checkout_url": _checkout_url(),
        "back_url": local_next_url(request),
    }
    return render(request, "orders/cart.html", context, status=status)


@require_safe
def cart_page(request):
    return _render_cart(request)


@require_POST
def cart_add(request):
    try:
        offer_id = _posted_int(request, "offer_id", gettext("Choose an offer to add."))
        quantity = _posted_int(
            request,
            "quantity",
            gettext("Choose a quantity as a whole number."),
            default=1,
        )
        cart = cart_for_request(request)
        line = cart_line_add(
            cart=cart, offer_id=offer_id, quantity=quantity, market=request.market
        )
    except CartError as error:
        return _render_cart(request, error=error, status=400)
    cart_count_remember(request=request, cart=cart)
    offer = line.offer
    messages.success(
        request,
        gettext("Added to your cart: %(device)s from %(seller)s.")
        % {"device": offer.device_model.name, "seller": offer.refurbisher.name},
    )
    return redirect(local_next_url(request) or "cart")


def _line_change(request, line_id: int, change):
    cart = cart_of_request(request)
    if cart is None:
        raise Http404("That item is not in your cart.")
    try:
        message = change(cart)
    except CartLineNotFound:
        raise Http404("That item is not in your cart.") from None
    except CartError as error:
        return _render_cart(request, error=error, status=400)
    cart_count_remember(request=request, cart=cart)
    if message:
        messages.success(request, message)
    return redirect("cart")


@require_POST
def cart_line_quantity(request, line_id: int):
    def change(cart):
        quantity = _posted_int(
            request, "quantity", gettext("Choose a quantity as a whole number.")
        )
        cart_line_quantity_set(cart=cart, line_id=line_id, quantity=quantity)
        return None

    return _line_change(request, line_id, change)


@require_POST
def cart_line_delete(request, line_id: int):
    def change(cart):
        line = cart_line_remove(cart=cart, line_id=line_id)
        return gettext("Removed from your cart: %(device)s.") % {
            "device": line.offer.device_model.name
        }

    return _line_change(request, line_id, change)


@require_POST
def cart_line_swap(request, line_id: int):
    def change(cart):
        offer_id = _posted_int(request, "offer_id", gettext("Choose an offer to add."))
        cart_line_offer_swap(
            cart=cart, line_id=line_id, offer_id=offer_id, market=request.market
        )
        return gettext("Switched to the offer sold in %(market)s.") % {
            "market": request.market.name
        }

    return _line_change(request, line_id, change)
