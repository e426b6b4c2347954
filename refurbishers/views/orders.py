"""The seller's orders: what shoppers paid for, newest first."""

from __future__ import annotations

from django.views.decorators.http import require_safe

from orders.models import SellerOrderStatus
from orders.selectors.seller_orders import SOLD, seller_orders_page
from refurbishers.views.access import member_required, seller_render


@require_safe
@member_required
def orders(request):
    status = request.GET.get("status") or None
    page = seller_orders_page(
        refurbisher=request.refurbisher, status=status, page=request.GET.get("page")
    )
    filters = [{"value": "", "label": "All", "current": status not in SOLD}] + [
        {
            "value": value,
            "label": SellerOrderStatus(value).label,
            "current": value == status,
        }
        for value in SOLD
    ]
    return seller_render(
        request, "seller/orders.html", {"page": page, "filters": filters},
        current="orders",
    )  # fmt: skip
