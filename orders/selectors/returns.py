"""Reads of returns: the shopper's return page, the seller's list and detail.

Each in a fixed number of queries whatever the number of returns, lines or
units. Scoping is here too: a return is found only within the order the
shopper may see, or within the seller's own refurbisher.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy

from orders.models import (
    Order,
    OrderLine,
    ReturnRequest,
    ReturnStatus,
    ReturnStatusChange,
    SellerOrderStatus,
    ShippedUnit,
)
from refurbishers.models import Refurbisher

Status = ReturnStatus
PAGE_SIZE = 25


@dataclass(frozen=True)
class ReturnFilter:
    key: str
    label: str
    statuses: tuple[str, ...]


# The seller's list: what waits for its instructions, what is coming back to
# it (the shopper has the instructions, or the parcel is on its way), all.
FILTERS = (
    ReturnFilter("action", gettext_lazy("Needs action"), (Status.REQUESTED,)),
    ReturnFilter(
        "on_the_way",
        gettext_lazy("On the way"),
        (Status.AUTHORISED, Status.SENT_BACK),
    ),
    ReturnFilter("all", gettext_lazy("All"), tuple(Status.values)),
)
FILTERS_BY_KEY = {f.key: f for f in FILTERS}
DEFAULT_FILTER = "action"

# Steps of a return, with the field that dates each.
STEPS = (
    (Status.REQUESTED, "created_at"),
    (Status.AUTHORISED, "authorised_at"),
    (Status.SENT_BACK, "sent_back_at"),
    (Status.RECEIVED, "received_at"),
    (Status.REFUNDED, "refunded_at"),
)


def _history() -> Prefetch:
    return Prefetch(
        "status_changes",
        queryset=ReturnStatusChange.objects.select_related("actor").order_by(
            "created_at", "pk"
        ),
        to_attr="history",
    )


def line_of_order(*, order: Order, line_id: int) -> OrderLine | None:
    """A line of a paid part of the order, with its seller order, or None."""
    return (
        OrderLine.objects.filter(pk=line_id, seller_order__order=order)
        .exclude(seller_order__status=SellerOrderStatus.PENDING_PAYMENT)
        .select_related("seller_order__order", "seller_order__refurbisher")
        .first()
    )


def live_return_of_line(*, line: OrderLine) -> ReturnRequest | None:
    """The line's return that was not withdrawn (at most one), or None."""
    return (
        ReturnRequest.objects.filter(line=line)
        .exclude(status=Status.WITHDRAWN)
        .only("pk", "status")
        .first()
    )


def return_of_order(*, order: Order, pk: int) -> ReturnRequest | None:
    """A return of the order, with line, seller, refund and history: 2 queries."""
    return (
        ReturnRequest.objects.filter(pk=pk, seller_order__order=order)
        .select_related("line", "seller_order__refurbisher", "refund")
        .prefetch_related(_history())
        .first()
    )


def return_of_refurbisher(*, refurbisher: Refurbisher, pk: int) -> ReturnRequest | None:
    """One of the refurbisher's returns, with the line's shipped units (serials),
    the order, the refund and the history: three queries."""
    return (
        ReturnRequest.objects.filter(pk=pk, seller_order__refurbisher=refurbisher)
        .select_related("line", "seller_order__order", "refund")
        .prefetch_related(
            Prefetch("line__units", queryset=ShippedUnit.objects.order_by("pk")),
            _history(),
        )
        .first()
    )


def returns_of_refurbisher(*, refurbisher: Refurbisher, show: str) -> QuerySet:
    """The refurbisher's returns in one filter, oldest waiting first for the
    queues (first come, first served), newest first for "all"."""
    chosen = FILTERS_BY_KEY.get(show) or FILTERS_BY_KEY[DEFAULT_FILTER]
    ordering = ("-created_at", "-pk") if chosen.key == "all" else ("created_at", "pk")
    return (
        ReturnRequest.objects.filter(
            seller_order__refurbisher=refurbisher, status__in=chosen.statuses
        )
        .select_related("line", "seller_order__order", "refund")
        .order_by(*ordering)
    )


def return_counts(*, refurbisher: Refurbisher) -> dict[str, int]:
    """How many returns each filter holds: one query."""
    return ReturnRequest.objects.filter(
        seller_order__refurbisher=refurbisher
    ).aggregate(
        **{f.key: Count("pk", filter=Q(status__in=f.statuses)) for f in FILTERS}
    )


def returns_page(
    *, refurbisher: Refurbisher, show: str | None, page: str | None
) -> Page:
    """One page of the refurbisher's returns; a bad page shows the nearest page."""
    return Paginator(
        returns_of_refurbisher(refurbisher=refurbisher, show=show or ""), PAGE_SIZE
    ).get_page(page)


def return_timeline(return_request: ReturnRequest) -> list[dict]:
    """Each step of the return with its date; a step skipped is left out.

    A return refunded without the seller's receipt (automatically) has no
    "received" step; a withdrawn one ends with its withdrawal.
    """
    steps = []
    for status, field in STEPS:
        at = getattr(return_request, field)
        if at is None and (
            return_request.status in (Status.REFUNDED, Status.WITHDRAWN)
        ):
            continue
        steps.append({"status": status, "label": Status(status).label, "at": at})
    if return_request.status == Status.WITHDRAWN:
        steps.append(
            {
                "status": Status.WITHDRAWN,
                "label": Status.WITHDRAWN.label,
                "at": return_request.withdrawn_at,
            }
        )
    for step in steps:
        step["done"] = step["at"] is not None
    return steps
