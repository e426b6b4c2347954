"""The seller's messages: every thread with shoppers, and one thread to answer.

Threads are the signed-in member's refurbisher's only; another seller's order
reference is a 404, the same as one that does not exist.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from orders.exceptions import MessageRefused
from orders.models import MessageAuthor
from orders.selectors.messages import (
    message_thread,
    messages_waiting,
    refurbisher_threads,
    seller_order_for_refurbisher,
)
from orders.services.messages import (
    BODY_MAX_CHARS,
    image_max_megabytes,
    message_send,
)
from seller_dashboard.views.access import member_required, seller_render


@require_safe
@member_required
def threads(request):
    page = refurbisher_threads(
        refurbisher=request.refurbisher, page=request.GET.get("page")
    )
    return seller_render(
        request,
        "seller/messages.html",
        {
            "page": page,
            "waiting": messages_waiting(refurbisher=request.refurbisher),
            "now": timezone.now(),
        },
        current="messages",
    )


@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def thread(request, reference: str):
    seller_order = seller_order_for_refurbisher(
        refurbisher=request.refurbisher, reference=reference
    )
    if seller_order is None:
        raise Http404("No such conversation.")
    error = None
    body = ""
    status = 200
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            message = message_send(
                seller_order=seller_order,
                author=MessageAuthor.SELLER,
                sender=request.user,
                body=body,
                image=request.FILES.get("image"),
            )
        except MessageRefused as refused:
            error, status = refused, 400
        else:
            url = reverse("seller:message-thread", args=[reference])
            return redirect(f"{url}#message-{message.pk}")
    return seller_render(
        request,
        "seller/messages_thread.html",
        {
            "seller_order": seller_order,
            "order": seller_order.order,
            "lines": list(seller_order.lines.all()),
            "thread": message_thread(seller_order=seller_order),
            "error": error,
            "body": body,
            "body_max": BODY_MAX_CHARS,
            "image_max_mb": image_max_megabytes(),
            "viewer": MessageAuthor.SELLER,
        },
        current="messages",
        status=status,
    )
