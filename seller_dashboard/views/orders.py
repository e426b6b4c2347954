"""The seller's orders: the list, one order's page, and accept, ship, report
delivered, cancel.

Any member of the refurbisher (owner or staff) may act on its orders. An order
is looked up by reference within the member's own refurbisher, so another
seller's order is a 404 that reveals nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from orders.exceptions import FulfilmentRefused, OrderError
from orders.models import Carrier, SellerOrder, SellerOrderStatus
from orders.selectors.disputes import disputes_of_seller_order
from orders.selectors.fulfilment import seller_order_of_refurbisher
from orders.selectors.seller_orders import SOLD, seller_orders_page
from orders.services.cancellation import (
    REASON_MAX_CHARS,
    SELLER_FAULT_REASONS,
    CancellationRefused,
    SellerCancelReason,
    seller_order_cancel_by_seller,
)
from orders.services.delivery import seller_order_delivery_report
from orders.services.fulfilment import (
    auto_delivery_at,
    seller_order_accept,
    seller_order_ship,
)
from orders.tracking import tracking_url
from seller_dashboard.views.access import member_required, seller_render

Status = SellerOrderStatus
STEPS = [
    (Status.PAID, "paid_at"),
    (Status.ACCEPTED, "accepted_at"),
    (Status.SHIPPED, "shipped_at"),
    (Status.DELIVERED, "delivered_at"),
]


@require_safe
@member_required
def orders(request):
    status = request.GET.get("status") or None
    page = seller_orders_page(
        refurbisher=request.refurbisher, status=status, page=request.GET.get("page")
    )
    filters = [{"value": "", "label": _("All"), "current": status not in SOLD}] + [
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


def _seller_order(request, reference: str) -> SellerOrder:
    seller_order = seller_order_of_refurbisher(
        refurbisher=request.refurbisher, reference=reference
    )
    if seller_order is None:
        raise Http404("No such order.")
    return seller_order


def _ship_fields(seller_order: SellerOrder, data=None) -> dict:
    """The ship form's fields and values: one serial field per unit shipped."""
    data = data or {}
    units = [
        {
            "name": f"serial_{line.pk}_{index}",
            "label": (
                _("%(title)s (%(variant)s), unit %(number)s")
                % {
                    "title": line.title,
                    "variant": line.variant_label,
                    "number": index + 1,
                }
                if line.quantity > 1
                else f"{line.title} ({line.variant_label})"
            ),
            "value": data.get(f"serial_{line.pk}_{index}", ""),
        }
        for line in seller_order.lines.all()
        for index in range(line.quantity)
    ]
    return {
        "carriers": Carrier.choices,
        "carrier": data.get("carrier", ""),
        "carrier_name": data.get("carrier_name", ""),
        "tracking_number": data.get("tracking_number", ""),
        "units": units,
    }


def _timeline(seller_order: SellerOrder) -> list[dict]:
    order_of = [status for status, _ in STEPS]
    reached = (
        order_of.index(seller_order.status) if seller_order.status in order_of else -1
    )
    return [
        {
            "label": Status(status).label,
            "at": getattr(seller_order, field),
            "done": i <= reached,
            "current": i == reached,
        }
        for i, (status, field) in enumerate(STEPS)
    ]


def _cancel_fields(data=None) -> dict:
    """The cancel form's reasons (saying which count against the seller) and values."""
    data = data or {}
    return {
        "reasons": [
            {
                "value": reason.value,
                "label": reason.label,
                "counts": reason in SELLER_FAULT_REASONS,
            }
            for reason in SellerCancelReason
        ],
        "reason_code": data.get("reason_code", ""),
        "note": data.get("note", ""),
        "note_max": REASON_MAX_CHARS,
        "other_label": SellerCancelReason.OTHER.label,
    }


def _detail_page(
    request, seller_order, *, ship=None, cancel=None, error=None, status=200
):
    return seller_render(
        request,
        "seller/order_detail.html",
        {
            "so": seller_order,
            "order": seller_order.order,
            "timeline": _timeline(seller_order),
            "ship": ship or _ship_fields(seller_order),
            "cancel": cancel or _cancel_fields(),
            "refunds": list(seller_order.refunds.order_by("created_at", "pk")),
            "error": error,
            "tracking_url": tracking_url(
                seller_order.carrier, seller_order.tracking_number
            ),
            "carrier_shown": seller_order.carrier_name
            or seller_order.get_carrier_display(),
            "auto_delivery_at": auto_delivery_at(seller_order),
            "disputes": disputes_of_seller_order(seller_order=seller_order),
        },
        current="orders",
        status=status,
    )


@require_safe
@member_required
def order_detail(request, reference: str):
    return _detail_page(request, _seller_order(request, reference))


def _refused(request, seller_order, refusal: OrderError):
    """The page again with the refusal: a move out of turn is a conflict (409)."""
    return _detail_page(request, seller_order, error=refusal, status=409)


@require_POST
@member_required
def order_accept(request, reference: str):
    seller_order = _seller_order(request, reference)
    try:
        seller_order_accept(seller_order=seller_order, actor=request.user)
    except FulfilmentRefused as refusal:
        return _refused(request, seller_order, refusal)
    messages.success(request, _("Order accepted. Ship it before the ship-by time."))
    return redirect("seller:order", reference)


@require_POST
@member_required
def order_ship(request, reference: str):
    seller_order = _seller_order(request, reference)
    ship = _ship_fields(seller_order, request.POST)
    serials: dict[int, list[str]] = {}
    for line in seller_order.lines.all():
        serials[line.pk] = [
            request.POST.get(f"serial_{line.pk}_{index}", "")
            for index in range(line.quantity)
        ]
    try:
        seller_order_ship(
            seller_order=seller_order,
            actor=request.user,
            carrier=request.POST.get("carrier", ""),
            carrier_name=request.POST.get("carrier_name", ""),
            tracking_number=request.POST.get("tracking_number", ""),
            serials=serials,
        )
    except FulfilmentRefused as refusal:
        status = 400 if seller_order.status == Status.ACCEPTED else 409
        return _detail_page(
            request, seller_order, ship=ship, error=refusal, status=status
        )
    messages.success(request, _("Marked shipped. The shopper has the tracking number."))
    return redirect("seller:order", reference)


@require_POST
@member_required
def order_deliver(request, reference: str):
    """The seller reports the parcel delivered: noted for the shopper, no clock."""
    seller_order = _seller_order(request, reference)
    try:
        seller_order = seller_order_delivery_report(
            seller_order=seller_order, actor=request.user
        )
    except FulfilmentRefused as refusal:
        return _refused(request, seller_order, refusal)
    messages.success(
        request,
        _(
            "Noted: the shopper is asked to confirm. The warranty, the return "
            "window and your payout start when the shopper or the carrier "
            "confirms the delivery, or on %(date)s at the latest."
        )
        % {"date": date_format(timezone.localtime(auto_delivery_at(seller_order)))},
    )
    return redirect("seller:order", reference)


@require_POST
@member_required
def order_cancel(request, reference: str):
    """Cancel a paid or accepted order with a reason; the shopper is refunded."""
    seller_order = _seller_order(request, reference)
    cancel = _cancel_fields(request.POST)
    try:
        seller_order_cancel_by_seller(
            seller_order=seller_order,
            actor=request.user,
            reason_code=cancel["reason_code"],
            note=cancel["note"],
        )
    except CancellationRefused as refusal:
        # A missing reason is the form's fault (400); a shipped order, a conflict.
        return _detail_page(
            request, seller_order, cancel=cancel, error=refusal,
            status=400 if refusal.field else 409,
        )  # fmt: skip
    messages.success(
        request,
        _("Order cancelled. The shopper is refunded in full and has been told why."),
    )
    return redirect("seller:order", reference)
