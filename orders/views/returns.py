"""The shopper's returns: ask to return a delivered item, then follow the return.

The order is found as on the order pages (``_visible_order``): its signed-in
owner, or a browser granted it by the email link's token; anyone else gets a
404, the same as for an order or a return that does not exist.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from marketplace.status import actor_or_none
from orders.models import (
    SELLER_FAULT_RETURN_REASONS,
    Carrier,
    Order,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
)
from orders.selectors.returns import (
    line_of_order,
    live_return_of_line,
    return_of_order,
    return_timeline,
)
from orders.services.fulfilment import return_window_end
from orders.services.returns import (
    DETAILS_MAX_CHARS,
    ReturnRefused,
    return_mark_sent_back,
    return_request,
    return_tracking_url,
    return_window_problem,
    return_withdraw,
)
from orders.views.orders import _visible_order

# The reasons as the shopper reads them, with a hint of what happens next.
REASON_HINTS = {
    ReturnReason.CHANGED_MIND: gettext_lazy(
        "No need to explain. The item must come back complete and in the "
        "condition you received it."
    ),
    ReturnReason.DEFECTIVE: gettext_lazy(
        "It does not work as it should. Tell the seller what happens."
    ),
    ReturnReason.DAMAGED_IN_TRANSIT: gettext_lazy(
        "It arrived broken, scratched or dented. Tell the seller what you found."
    ),
    ReturnReason.NOT_AS_DESCRIBED: gettext_lazy(
        "The grade, colour, storage or battery is not what the listing said. "
        "Tell the seller what differs."
    ),
}
CARRIERS = [label for value, label in Carrier.choices if value != Carrier.OTHER]


def _return_or_404(order: Order, pk: int) -> ReturnRequest:
    found = return_of_order(order=order, pk=pk)
    if found is None:
        raise Http404("No such return.")
    return found


@require_http_methods(["GET", "HEAD", "POST"])
def return_new(request, reference: str, line_id: int):
    """The return form for one line: the reason as plain choices, and details."""
    order = _visible_order(request, reference)
    line = line_of_order(order=order, line_id=line_id)
    if line is None:
        raise Http404("No such item in this order.")
    live = live_return_of_line(line=line)
    if live is not None:
        return redirect("order-return", order.reference, live.pk)
    seller_order = line.seller_order
    error = None
    status = 200
    data = {"reason": "", "details": ""}
    if request.method == "POST":
        data = {
            "reason": request.POST.get("reason", ""),
            "details": request.POST.get("details", ""),
        }
        try:
            created = return_request(
                line=line, reason=data["reason"], details=data["details"],
                actor=actor_or_none(request.user),
            )  # fmt: skip
        except ReturnRefused as refusal:
            error = refusal
            status = refusal.status
        else:
            messages.success(
                request,
                gettext(
                    "Return requested. %(seller)s will send you instructions by "
                    "email; you can follow it here."
                )
                % {"seller": seller_order.refurbisher.name},
            )
            return redirect("order-return", order.reference, created.pk)
    problem = return_window_problem(seller_order)
    return render(
        request,
        "orders/return_request.html",
        {
            "order": order,
            "line": line,
            "refurbisher": seller_order.refurbisher,
            "return_until": return_window_end(seller_order),
            "problem": problem,
            "reasons": [
                {
                    "value": value,
                    "label": label,
                    "hint": REASON_HINTS.get(value, ""),
                    "seller_fault": value in SELLER_FAULT_RETURN_REASONS,
                }
                for value, label in ReturnReason.choices
            ],
            "data": data,
            "error": error,
            "details_max": DETAILS_MAX_CHARS,
        },
        status=status,
    )


def _detail(request, order, found, *, sent_back=None, error=None, status=200):
    return render(
        request,
        "orders/return_detail.html",
        {
            "order": order,
            "return_request": found,
            "line": found.line,
            "refurbisher": found.seller_order.refurbisher,
            "timeline": return_timeline(found),
            "tracking_url": return_tracking_url(found),
            "carriers": CARRIERS,
            "sent_back": sent_back or {"carrier": "", "tracking_number": ""},
            "error": error,
            "refund_days": settings.RETURN_REFUND_DAYS,
            "can_send_back": found.status == ReturnStatus.AUTHORISED,
            "can_withdraw": found.status
            in (ReturnStatus.REQUESTED, ReturnStatus.AUTHORISED),
        },
        status=status,
    )


@require_safe
def return_detail(request, reference: str, pk: int):
    """Where the return stands, with dates, the seller's instructions, the refund."""
    order = _visible_order(request, reference)
    return _detail(request, order, _return_or_404(order, pk))


@require_POST
def return_sent_back(request, reference: str, pk: int):
    """The shopper posted the item: carrier and tracking number."""
    order = _visible_order(request, reference)
    found = _return_or_404(order, pk)
    sent_back = {
        "carrier": request.POST.get("carrier", ""),
        "tracking_number": request.POST.get("tracking_number", ""),
    }
    try:
        return_mark_sent_back(
            return_request=found, actor=actor_or_none(request.user),
            carrier=sent_back["carrier"],
            tracking_number=sent_back["tracking_number"],
        )  # fmt: skip
    except ReturnRefused as refusal:
        return _detail(
            request, order, _return_or_404(order, pk), sent_back=sent_back,
            error=refusal, status=refusal.status,
        )  # fmt: skip
    messages.success(
        request,
        gettext(
            "Thank you. The seller can follow the parcel now; you are refunded "
            "as soon as they receive it."
        ),
    )
    return redirect("order-return", order.reference, pk)


@require_POST
def return_withdraw_view(request, reference: str, pk: int):
    """The shopper keeps the item after all."""
    order = _visible_order(request, reference)
    found = _return_or_404(order, pk)
    try:
        return_withdraw(return_request=found, actor=actor_or_none(request.user))
    except ReturnRefused as refusal:
        return _detail(
            request, order, _return_or_404(order, pk), error=refusal, status=409
        )
    messages.success(request, gettext("Return withdrawn: you keep the item."))

    return redirect("order-detail", order.reference)
