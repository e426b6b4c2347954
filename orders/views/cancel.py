"""The shopper cancels a seller order not shipped yet: confirm, then cancel.

The order is found as on the order pages (its signed-in owner, or a browser
granted it by the payment or the email link); anyone else gets a 404, as for
an order that does not exist. A refused cancellation shows the page again
with the reason and what was typed.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from orders.models import Order, SellerOrder
from orders.selectors.fulfilment import seller_order_in_order
from orders.services.cancellation import (
    REASON_MAX_CHARS,
    CancellationRefused,
    seller_order_cancel_by_shopper,
)
from orders.services.fulfilment import CANCELLABLE_BY_SHOPPER
from orders.services.refunds import refundable_amount
from orders.views.orders import _visible_order


def _page(
    request,
    order: Order,
    seller_order: SellerOrder,
    *,
    reason: str = "",
    error: CancellationRefused | None = None,
    status: int = 200,
):
    return render(
        request,
        "orders/cancel.html",
        {
            "order": order,
            "so": seller_order,
            "lines": list(seller_order.lines.order_by("pk")),
            "refund_amount": refundable_amount(order=order, seller_order=seller_order),
            "reason": reason,
            "reason_max": REASON_MAX_CHARS,
            "error": error,
            "cancellable": seller_order.status in CANCELLABLE_BY_SHOPPER,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def seller_order_cancel(request, reference: str, seller_order_id: int):
    """Confirm (GET) then cancel (POST) one seller's items of an order."""
    order = _visible_order(request, reference)
    seller_order = seller_order_in_order(order=order, seller_order_id=seller_order_id)
    if seller_order is None:
        raise Http404("No such parcel in this order.")
    seller_order = SellerOrder.objects.select_related("refurbisher").get(
        pk=seller_order.pk
    )
    if request.method != "POST":
        if seller_order.status not in CANCELLABLE_BY_SHOPPER:
            messages.info(
                request,
                gettext("The items from %(seller)s can no longer be cancelled.")
                % {"seller": seller_order.refurbisher.name},
            )
            return redirect("order-detail", order.reference)
        return _page(request, order, seller_order)
    reason = request.POST.get("reason", "")
    try:
        seller_order_cancel_by_shopper(
            seller_order=seller_order, actor=request.user, reason=reason
        )
    except CancellationRefused as refusal:
        seller_order.refresh_from_db()
        return _page(
            request, order, seller_order, reason=reason, error=refusal,
            status=refusal.status,
        )  # fmt: skip
    messages.success(
        request,
        gettext(
            "Cancelled: %(seller)s will not ship these items. Your refund is on "
            "its way; it usually shows on your card within 5 to 10 business days."
        )
        % {"seller": seller_order.refurbisher.name},
    )
    return redirect("order-detail", order.reference)
