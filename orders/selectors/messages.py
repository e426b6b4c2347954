"""Reads of message threads for the shopper's and the seller's pages.

Each function costs a fixed number of queries whatever the thread's length.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Prefetch,
    Q,
)
from django.utils import timezone

from orders.models import Message, MessageAuthor, OrderLine, SellerOrder
from orders.selectors.seller_orders import SOLD
from refurbishers.models import Refurbisher

THREADS_PAGE_SIZE = 25
ANSWER_TIME_DAYS = 90
WAITING = Q(author=MessageAuthor.SHOPPER, answered_at__isnull=True)
THREAD_WAITING = Q(
    messages__author=MessageAuthor.SHOPPER, messages__answered_at__isnull=True
)


class Median(Aggregate):
    """PostgreSQL's continuous median of an expression (works on intervals)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


def _with_lines(queryset):
    return queryset.select_related("order", "refurbisher").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("pk"))
    )


def seller_order_for_shopper(
    *, reference: str, seller_order_id: int
) -> SellerOrder | None:
    """One paid seller order of an order, with its order, seller and lines.

    Two queries. Whether the requester may see it is the caller's check
    (``order_visible_to`` on ``seller_order.order``).
    """
    return (
        _with_lines(SellerOrder.objects.filter(status__in=SOLD))
        .filter(pk=seller_order_id, order__reference=reference)
        .first()
    )


def seller_order_for_refurbisher(
    *, refurbisher: Refurbisher, reference: str
) -> SellerOrder | None:
    """The refurbisher's own paid seller order in the order ``reference``."""
    return (
        _with_lines(SellerOrder.objects.filter(status__in=SOLD))
        .filter(refurbisher=refurbisher, order__reference=reference)
        .first()
    )


def message_thread(*, seller_order: SellerOrder) -> list[Message]:
    """The seller order's messages, oldest first: one query."""
    return list(
        Message.objects.filter(seller_order=seller_order).order_by("created_at", "pk")
    )


def message_for_image(*, message_id: int) -> Message | None:
    """A message with an image, with its seller order and order: one query."""
    return (
        Message.objects.select_related("seller_order__order")
        .exclude(image="")
        .filter(pk=message_id)
        .first()
    )


def refurbisher_threads(*, refurbisher: Refurbisher, page: str | None = None) -> Page:
    """The refurbisher's threads: those waiting for an answer first (longest
    waiting at the top), then the others by their latest message.

    Each seller order carries ``waiting`` (shopper messages not yet answered),
    ``waiting_since``, ``message_count`` and ``last_message_at``. Three queries
    per page (count, seller orders, lines).
    """
    threads = (
        _with_lines(SellerOrder.objects.filter(refurbisher=refurbisher))
        .annotate(
            message_count=Count("messages"),
            waiting=Count("messages", filter=THREAD_WAITING),
            waiting_since=Min("messages__created_at", filter=THREAD_WAITING),
            last_message_at=Max("messages__created_at"),
        )
        .filter(message_count__gt=0)
        .order_by(F("waiting_since").asc(nulls_last=True), "-last_message_at", "-pk")
    )
    return Paginator(threads, THREADS_PAGE_SIZE).get_page(page)


@dataclass(frozen=True)
class Waiting:
    """Shopper messages a refurbisher has not answered yet."""

    messages: int
    threads: int
    oldest_since: datetime | None

    def waited(self, now: datetime | None = None) -> timedelta | None:
        if self.oldest_since is None:
            return None
        return (now or timezone.now()) - self.oldest_since


def messages_waiting(*, refurbisher: Refurbisher) -> Waiting:
    """How many shopper messages wait for the refurbisher, in how many threads,
    and since when the oldest waits: one query (a partial index covers it)."""
    totals = Message.objects.filter(
        WAITING, seller_order__refurbisher=refurbisher
    ).aggregate(
        messages=Count("pk"),
        threads=Count("seller_order", distinct=True),
        oldest_since=Min("created_at"),
    )
    return Waiting(**totals)


def seller_median_answer_time(
    *, refurbisher: Refurbisher, days: int = ANSWER_TIME_DAYS, now=None
) -> timedelta | None:
    """The median time from a shopper's message to the seller's first answer.

    Over the shopper messages written in the last ``days`` days and answered
    (those still waiting count in ``messages_waiting``); None without any.
    One query, the median computed by PostgreSQL.
    """
    since = (now or timezone.now()) - timedelta(days=days)
    return Message.objects.filter(
        seller_order__refurbisher=refurbisher,
        author=MessageAuthor.SHOPPER,
        answered_at__isnull=False,
        created_at__gte=since,
    ).aggregate(
        median=Median(
            ExpressionWrapper(
                F("answered_at") - F("created_at"), output_field=DurationField()
            ),
            output_field=DurationField(),
        )
    )["median"]
