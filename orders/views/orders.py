"""The shopper's order pages: confirmation, list, detail, and the guest's link.

An order is shown to its signed-in owner, or to a browser whose session was
granted it (the one that paid, or one that opened the email link with the
order's access token). Anyone else gets a 404, the same as for an order that
does not exist, so references cannot be probed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST, require_safe

from orders.cart_session import cart_count_remember, cart_of_request
from orders.exceptions import FulfilmentRefused
from orders.models import Order, OrderStatus, SellerOrder, SellerOrderStatus
from orders.selectors.after_sale import AfterSale, after_sale_of_order
from orders.selectors.fulfilment import seller_order_in_order, warranties_of_order
from orders.selectors.orders import (
    order_detail,
    order_for_access_token,
    order_visible_to,
    orders_for_user,
    seller_contact_email,
)
from orders.services.checkout_session import cart_lines_remove_bought
from orders.services.fulfilment import (
    CANCELLABLE_BY_SHOPPER,
    auto_delivery_at,
    return_window_end,
    seller_order_deliver,
)
from orders.services.warranty import COVERS, EXCLUDES
from orders.tracking import tracking_url

# Orders this browser may see without an account, by id.
SESSION_GRANTED = "orders_granted"
# Paid orders whose lines were taken out of this browser's cart already.
SESSION_CART_CLEARED = "orders_cart_cleared"
MAX_GRANTED = 50
TIMELINE = [
    SellerOrderStatus.PAID,
    SellerOrderStatus.ACCEPTED,
    SellerOrderStatus.SHIPPED,
    SellerOrderStatus.DELIVERED,
]


def order_access_granted(request) -> list[int]:
    granted = request.session.get(SESSION_GRANTED, [])
    return [pk for pk in granted if isinstance(pk, int)]


def order_access_grant(request, order: Order) -> None:
    """Let this browser's session see the order (the payer, the email link)."""
    granted = [pk for pk in order_access_granted(request) if pk != order.pk]
    request.session[SESSION_GRANTED] = [*granted, order.pk][-MAX_GRANTED:]


def _visible_order(request, reference: str) -> Order:
    order = order_detail(reference=reference)
    token = request.GET.get("token", "")
    if order is None or not order_visible_to(
        order=order,
        user=request.user,
        granted=order_access_granted(request),
        token=token,
    ):
        raise Http404("No such order.")
    if token:
        order_access_grant(request, order)
    return order


# When each step of the timeline happened, by the seller order's field.
TIMELINE_AT = {
    SellerOrderStatus.PAID: "paid_at",
    SellerOrderStatus.ACCEPTED: "accepted_at",
    SellerOrderStatus.SHIPPED: "shipped_at",
    SellerOrderStatus.DELIVERED: "delivered_at",
}


def _timeline(seller_order: SellerOrder) -> list[dict]:
    """Each step of a seller order's journey, done or current, with its date.

    [] off the path (cancelled, not paid): the status badge says it then.
    """
    status = seller_order.status
    if status not in TIMELINE:
        return []
    reached = TIMELINE.index(status)
    return [
        {"label": SellerOrderStatus(step).label, "done": i <= reached,
         "current": i == reached, "at": getattr(seller_order, TIMELINE_AT[step])}
        for i, step in enumerate(TIMELINE)
    ]  # fmt: skip


def _sellers(order: Order, *, after_sale: AfterSale | None = None) -> list[dict]:
    """Each seller order's part of the page.

    With ``after_sale`` (the order page): each seller order's warranties (one
    query), refunds, each line's return (``line.return_request``) and each
    warranty's claims (``warranty.claims_list``).
    """
    by_seller_order = warranties_of_order(order=order) if after_sale else {}
    after_sale = after_sale or AfterSale()
    now = timezone.now()
    sellers = []
    for seller_order in order.seller_orders.all():
        lines = list(seller_order.lines.all())
        for line in lines:
            line.return_request = after_sale.return_by_line.get(line.pk)
        seller_warranties = by_seller_order.get(seller_order.pk, [])
        for warranty in seller_warranties:
            warranty.claims_list = after_sale.claims_by_warranty.get(warranty.pk, [])
            warranty.running = warranty.starts_at <= now < warranty.ends_at
        return_until = return_window_end(seller_order)
        sellers.append(
            {
                "seller_order": seller_order,
                "refurbisher": seller_order.refurbisher,
                "contact_email": seller_contact_email(seller_order),
                "lines": lines,
                "timeline": _timeline(seller_order),
                "carrier": seller_order.carrier_name
                or seller_order.get_carrier_display(),
                "tracking_url": tracking_url(
                    seller_order.carrier, seller_order.tracking_number
                ),
                "warranties": seller_warranties,
                "refunds": after_sale.refunds_by_seller_order.get(seller_order.pk, []),
                "cancellable": seller_order.status in CANCELLABLE_BY_SHOPPER,
                "return_until": return_until,
                "auto_delivery_at": auto_delivery_at(seller_order),
                "returnable": return_until is not None and now < return_until,
            }
        )
    return sellers


def _clear_bought_from_cart(request, order: Order) -> None:
    """Once per paid order, take what it bought out of this browser's cart."""
    if order.status != OrderStatus.PAID:
        return
    cleared = request.session.get(SESSION_CART_CLEARED, [])
    if order.pk in cleared:
        return
    cart = cart_of_request(request)
    if cart is not None:
        cart_lines_remove_bought(cart=cart, order=order)
        cart_count_remember(request=request, cart=cart)
    request.session[SESSION_CART_CLEARED] = [*cleared, order.pk][-MAX_GRANTED:]


@require_safe
def order_confirmation(request, reference: str):
    order = _visible_order(request, reference)
    _clear_bought_from_cart(request, order)
    return render(
        request,
        "orders/order_confirmation.html",
        {"order": order, "sellers": _sellers(order)},
    )


@require_safe
def order_detail_page(request, reference: str):
    order = _visible_order(request, reference)
    after_sale = after_sale_of_order(order=order)
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "sellers": _sellers(order, after_sale=after_sale),
            # Refunds of the whole order (a payment that came too late).
            "order_refunds": after_sale.refunds_by_seller_order.get(None, []),
            "warranty_covers": COVERS,
            "warranty_excludes": EXCLUDES,
        },
    )


@require_POST
def delivery_confirm(request, reference: str, seller_order_id: int):
    """The shopper confirms a parcel arrived: the warranty starts now."""
    order = _visible_order(request, reference)
    seller_order = seller_order_in_order(order=order, seller_order_id=seller_order_id)
    if seller_order is None:
        raise Http404("No such parcel in this order.")
    try:
        seller_order_deliver(
            seller_order=seller_order, actor=request.user, by="shopper"
        )
    except FulfilmentRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            gettext("Thank you: delivery confirmed. Your warranty starts today."),
        )
    return redirect("order-detail", order.reference)


@require_safe
@login_required
def order_list(request):
    orders = orders_for_user(user=request.user)
    return render(request, "orders/order_list.html", {"orders": orders})


@require_safe
def order_access(request, token: str):
    """The guest's email link: remember the order in the session, show it."""
    order = order_for_access_token(token=token)
    if order is None:
        raise Http404("This link does not open an order.")
    order_access_grant(request, order)
    return redirect("order-detail", order.reference)
