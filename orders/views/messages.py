"""The shopper's messages with a seller, and message images for both sides.

A thread is the buyer's (the order's owner, or a browser granted the order, as
on the order pages) and the seller's; anyone else signed in gets a 404, like an
order that does not exist, and a signed-out visitor is asked to sign in.
Images are never public media: a view streams them to the two parties and to
staff allowed to view messages.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from orders.exceptions import MessageRefused
from orders.models import Message, MessageAuthor, SellerOrder
from orders.selectors.messages import (
    message_for_image,
    message_thread,
    seller_order_for_shopper,
)
from orders.selectors.orders import order_visible_to
from orders.services.messages import (
    BODY_MAX_CHARS,
    image_max_megabytes,
    message_send,
)
from orders.views.orders import order_access_grant, order_access_granted
from refurbishers.models import Membership


def _buyer_may_see(request, seller_order: SellerOrder, token: str = "") -> bool:
    return order_visible_to(
        order=seller_order.order,
        user=request.user,
        granted=order_access_granted(request),
        token=token,
    )


def _visible_seller_order(
    request, reference: str, seller_order_id: int
) -> SellerOrder | None:
    """The seller order if the requester is its buyer; None for a signed-out
    visitor who is not; a 404 for anyone else signed in."""
    seller_order = seller_order_for_shopper(
        reference=reference, seller_order_id=seller_order_id
    )
    token = request.GET.get("token", "")
    if seller_order is None or not _buyer_may_see(request, seller_order, token):
        if not request.user.is_authenticated:
            return None
        raise Http404("No such conversation.")
    if token:
        order_access_grant(request, seller_order.order)
    return seller_order


@require_http_methods(["GET", "HEAD", "POST"])
def thread(request, reference: str, seller_order_id: int):
    """The buyer's conversation with the seller of one seller order."""
    seller_order = _visible_seller_order(request, reference, seller_order_id)
    if seller_order is None:
        # A signed-out visitor may be the buyer following the email link:
        # ask them to sign in, whether or not the thread exists (nothing leaks).
        return redirect_to_login(request.get_full_path())
    error = None
    body = ""
    status = 200
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            message = message_send(
                seller_order=seller_order,
                author=MessageAuthor.SHOPPER,
                sender=request.user if request.user.is_authenticated else None,
                body=body,
                image=request.FILES.get("image"),
            )
        except MessageRefused as refused:
            error, status = refused, 400
        else:
            url = reverse("order-messages", args=[reference, seller_order.pk])
            return redirect(f"{url}#message-{message.pk}")
    return render(
        request,
        "orders/messages_thread.html",
        {
            "seller_order": seller_order,
            "order": seller_order.order,
            "refurbisher": seller_order.refurbisher,
            "lines": list(seller_order.lines.all()),
            "thread": message_thread(seller_order=seller_order),
            "error": error,
            "body": body,
            "body_max": BODY_MAX_CHARS,
            "image_max_mb": image_max_megabytes(),
            "viewer": MessageAuthor.SHOPPER,
        },
        status=status,
    )


def _may_see_image(request, message: Message) -> bool:
    user = request.user
    if _buyer_may_see(request, message.seller_order):
        return True
    if not user.is_authenticated:
        return False
    if user.is_staff and user.has_perm("orders.view_message"):
        return True
    return Membership.objects.filter(
        user=user, refurbisher_id=message.seller_order.refurbisher_id
    ).exists()


@require_safe
def image(request, message_id: int):
    """Stream a message's image to the buyer, the seller's team or staff; 404
    to anyone else (the same answer as for an id that does not exist)."""
    message = message_for_image(message_id=message_id)
    if message is None or not _may_see_image(request, message):
        raise Http404("No such image.")
    try:
        handle = message.image.open("rb")
    except FileNotFoundError as error:
        raise Http404("No such image.") from error
    response = FileResponse(handle, content_type=message.image_content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
