"""Reads of the quality app: what the data says about a trial sale, the trial's
outcome for graduation, and shopper reviews for the pages that show them.

Each read costs a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy, ngettext

from orders.models import (
    SELLER_FAULT_RETURN_REASONS,
    Message,
    MessageAuthor,
    OrderLine,
    ReturnRequest,
    ReturnStatus,
    SellerOrder,
    SellerOrderStatus,
    ShippedUnit,
    WarrantyClaim,
)
from orders.tracking import tracking_format_error
from quality.models import SellerReview, TrialSaleReview, TrialSaleVerdict
from refurbishers.models import Refurbisher, SaleSlot, SaleSlotStatus

# A shopper's message must have its first answer within this time.
ANSWER_WITHIN = dt.timedelta(days=1)
# A shopper's review of this many stars or more is fine for a trial sale.
REVIEW_OK_MIN_RATING = 3
# "Low ratings" on the seller's reviews page: this many stars or fewer.
LOW_RATING_MAX = 2
SELLER_REVIEWS_PAGE_SIZE = 20
PUBLIC_REVIEWS_LIMIT = 10

# The checklist of a trial sale, in the order QA reads it: (field, label).
CHECKLIST: tuple[tuple[str, str], ...] = (
    ("shipped_on_time", gettext_lazy("Shipped on time")),
    ("tracking_valid", gettext_lazy("Tracking number valid")),
    ("serial_recorded", gettext_lazy("Serial number or IMEI recorded")),
    ("item_as_described", gettext_lazy("Item as described")),
    ("messages_answered", gettext_lazy("Shopper messages answered within a day")),
    ("review_ok", gettext_lazy("Shopper's review 3 stars or more")),
)
CHECKLIST_FIELDS = tuple(name for name, _ in CHECKLIST)
CHECKLIST_LABELS = dict(CHECKLIST)


def _day(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "j M Y, H:i")


def _hours(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours < 1:
        return gettext("%(minutes)s min") % {"minutes": max(1, round(hours * 60))}
    shown = f"{hours:.0f}" if hours >= 10 else f"{hours:.1f}"
    return gettext("%(hours)s h") % {"hours": shown}


# --- Trial sales: what the data says ---------------------------------------------


@dataclass(frozen=True)
class Fact:
    """One checklist item as the data tells it: True, False or None (not
    knowable yet, e.g. not shipped yet), with the reason in plain words."""

    value: bool | None
    note: str


@dataclass(frozen=True)
class TrialSaleFacts:
    shipped_on_time: Fact
    tracking_valid: Fact
    serial_recorded: Fact
    item_as_described: Fact
    messages_answered: Fact
    review_ok: Fact

    def items(self) -> list[tuple[str, str, Fact]]:
        """(field, label, fact) in checklist order."""
        return [(name, label, getattr(self, name)) for name, label in CHECKLIST]

    def as_checklist(self) -> dict[str, bool | None]:
        return {name: getattr(self, name).value for name in CHECKLIST_FIELDS}

    @property
    def all_good(self) -> bool:
        return all(fact.value is True for _, _, fact in self.items())

    def problems(self) -> list[str]:
        """Why the facts are not all good: "<label>: <note>" per item."""
        return [
            f"{label}: {fact.note}"
            for _, label, fact in self.items()
            if fact.value is not True
        ]


@dataclass
class TrialSaleDossier:
    """Everything QA looks at for one trial sale, and the facts drawn from it."""

    review: TrialSaleReview
    seller_order: SellerOrder
    lines: list[OrderLine]
    returns: list[ReturnRequest]
    claims: list[WarrantyClaim]
    messages: list[Message]
    seller_review: SellerReview | None
    facts: TrialSaleFacts
    # Each shopper message with the time its first answer took (None: waiting).
    answer_times: list[tuple[Message, dt.timedelta | None]] = field(
        default_factory=list
    )


def _seller_fault(return_request: ReturnRequest) -> bool:
    return (
        return_request.seller_at_fault
        or return_request.reason in SELLER_FAULT_RETURN_REASONS
    )


def _shipped_on_time(so: SellerOrder, now: dt.datetime) -> Fact:
    if so.status == SellerOrderStatus.CANCELLED:
        if so.cancelled_by_seller:
            return Fact(
                False,
                gettext("Cancelled by the seller: %(reason)s")
                % {"reason": so.cancel_reason or "-"},
            )
        return Fact(None, gettext("Cancelled at the shopper's request before shipping"))
    if so.status == SellerOrderStatus.VOID:
        return Fact(None, gettext("Never paid"))
    # Whole sentences with and without a ship-by date.
    ship_by = {"ship_by": _day(so.ship_by)} if so.ship_by else {}
    if so.shipped_at is not None:
        shipped = {"shipped": _day(so.shipped_at), **ship_by}
        after = so.ship_by is not None and so.shipped_at > so.ship_by
        if so.late_shipment or after:
            if ship_by:
                note = gettext("Shipped %(shipped)s, after the ship-by %(ship_by)s")
            else:
                note = gettext("Shipped %(shipped)s, after the no ship-by date")
            return Fact(False, note % shipped)
        if ship_by:
            note = gettext("Shipped %(shipped)s, ship-by %(ship_by)s")
        else:
            note = gettext("Shipped %(shipped)s, no ship-by date")
        return Fact(True, note % shipped)
    if so.late_shipment or (so.ship_by is not None and now > so.ship_by):
        if ship_by:
            note = gettext("Not shipped and the ship-by %(ship_by)s has passed")
        else:
            note = gettext("Not shipped and the no ship-by date has passed")
        return Fact(False, note % ship_by)
    if ship_by:
        return Fact(None, gettext("Not shipped yet (ship-by %(ship_by)s)") % ship_by)
    return Fact(None, gettext("Not shipped yet (no ship-by date)"))


def _tracking_valid(so: SellerOrder) -> Fact:
    if so.shipped_at is None:
        return Fact(None, gettext("Not shipped yet"))
    carrier = so.carrier_name or so.get_carrier_display() or gettext("no carrier")
    error = tracking_format_error(
        carrier=so.carrier, carrier_name=so.carrier_name, number=so.tracking_number
    )
    if error:
        return Fact(False, error)
    return Fact(
        True,
        gettext("%(carrier)s %(number)s, in %(carrier)s's format")
        % {"carrier": carrier, "number": so.tracking_number},
    )


def _serial_recorded(so: SellerOrder, lines: list[OrderLine]) -> Fact:
    if so.shipped_at is None:
        return Fact(None, gettext("Not shipped yet"))
    units = sum(line.quantity for line in lines)
    recorded = sum(
        min(len([u for u in line.units_list if u.serial]), line.quantity)
        for line in lines
    )
    if recorded < units:
        return Fact(
            False,
            gettext("%(recorded)s serial numbers for %(units)s units")
            % {"recorded": recorded, "units": units},
        )
    serials = ", ".join(u.serial for line in lines for u in line.units_list)
    return Fact(True, gettext("One per unit: %(serials)s") % {"serials": serials})


def _item_as_described(
    so: SellerOrder, returns: list[ReturnRequest], claims: list[WarrantyClaim]
) -> Fact:
    faults = [r for r in returns if _seller_fault(r)]
    if faults:
        reasons = ", ".join(r.get_reason_display().lower() for r in faults)
        return Fact(False, gettext("Returned: %(reasons)s") % {"reasons": reasons})
    if claims:
        problems = ", ".join(c.get_problem_display().lower() for c in claims)
        return Fact(
            False, gettext("Warranty claim: %(problems)s") % {"problems": problems}
        )
    if so.delivered_at is None:
        return Fact(None, gettext("Not delivered yet"))
    return Fact(
        True,
        gettext("Delivered %(day)s; no return for a fault, no warranty claim")
        % {"day": _day(so.delivered_at)},
    )


def _answer_times(
    messages: list[Message],
) -> list[tuple[Message, dt.timedelta | None]]:
    return [
        (m, (m.answered_at - m.created_at) if m.answered_at else None)
        for m in messages
        if m.author == MessageAuthor.SHOPPER
    ]


def _messages_answered(
    answer_times: list[tuple[Message, dt.timedelta | None]], now: dt.datetime
) -> Fact:
    if not answer_times:
        return Fact(True, gettext("No messages from the shopper"))
    took_long = [t for _, t in answer_times if t is not None and t > ANSWER_WITHIN]
    unanswered = [m for m, took in answer_times if took is None]
    overdue = [m for m in unanswered if now - m.created_at > ANSWER_WITHIN]
    if took_long or overdue:
        # One whole sentence per case.
        if took_long and overdue:
            waited = now - min(m.created_at for m in overdue)
            note = gettext(
                "First answer took %(took)s; a message has waited %(waited)s with "
                "no answer"
            ) % {"took": _hours(max(took_long)), "waited": _hours(waited)}
        elif took_long:
            note = gettext("First answer took %(took)s") % {
                "took": _hours(max(took_long))
            }
        else:
            waited = now - min(m.created_at for m in overdue)
            note = gettext("A message has waited %(waited)s with no answer") % {
                "waited": _hours(waited)
            }
        return Fact(False, note)
    if unanswered:
        return Fact(
            None, gettext("A message waits for its first answer (less than a day)")
        )
    slowest = max(took for _, took in answer_times if took is not None)
    count = len(answer_times)
    return Fact(
        True,
        ngettext(
            "%(count)s message, slowest first answer %(slowest)s",
            "%(count)s messages, slowest first answer %(slowest)s",
            count,
        )
        % {"count": count, "slowest": _hours(slowest)},
    )


def _review_ok(seller_review: SellerReview | None) -> Fact:
    if seller_review is None:
        return Fact(True, gettext("No review from the shopper"))
    rating = seller_review.rating
    if seller_review.hidden:
        note = ngettext(
            "%(count)s star (hidden by QA)", "%(count)s stars (hidden by QA)", rating
        )
    else:
        note = ngettext("%(count)s star", "%(count)s stars", rating)
    return Fact(rating >= REVIEW_OK_MIN_RATING, note % {"count": rating})


def trial_sale_facts_from(
    *,
    seller_order: SellerOrder,
    lines: list[OrderLine],
    returns: list[ReturnRequest],
    claims: list[WarrantyClaim],
    answer_times: list[tuple[Message, dt.timedelta | None]],
    seller_review: SellerReview | None,
    now: dt.datetime,
) -> TrialSaleFacts:
    """The checklist as the data tells it (``lines`` carry ``units_list``)."""
    return TrialSaleFacts(
        shipped_on_time=_shipped_on_time(seller_order, now),
        tracking_valid=_tracking_valid(seller_order),
        serial_recorded=_serial_recorded(seller_order, lines),
        item_as_described=_item_as_described(seller_order, returns, claims),
        messages_answered=_messages_answered(answer_times, now),
        review_ok=_review_ok(seller_review),
    )


def trial_review_dossier(
    review: TrialSaleReview, *, now: dt.datetime | None = None
) -> TrialSaleDossier:
    """A trial sale's order facts and checklist facts: seven queries."""
    now = now or timezone.now()
    review = TrialSaleReview.objects.select_related(
        "seller_order__order", "refurbisher", "reviewer"
    ).get(pk=review.pk)
    seller_order = review.seller_order
    lines = list(
        OrderLine.objects.filter(seller_order=seller_order)
        .prefetch_related(
            Prefetch(
                "units",
                queryset=ShippedUnit.objects.order_by("pk"),
                to_attr="units_list",
            )
        )
        .order_by("pk")
    )
    returns = list(
        ReturnRequest.objects.filter(seller_order=seller_order)
        .exclude(status=ReturnStatus.WITHDRAWN)
        .select_related("line")
        .order_by("created_at", "pk")
    )
    claims = list(
        WarrantyClaim.objects.filter(seller_order=seller_order).order_by(
            "created_at", "pk"
        )
    )
    messages = list(
        Message.objects.filter(seller_order=seller_order).order_by("created_at", "pk")
    )
    seller_review = SellerReview.objects.filter(seller_order=seller_order).first()
    answer_times = _answer_times(messages)
    facts = trial_sale_facts_from(
        seller_order=seller_order, lines=lines, returns=returns, claims=claims,
        answer_times=answer_times, seller_review=seller_review, now=now,
    )  # fmt: skip
    return TrialSaleDossier(
        review=review, seller_order=seller_order, lines=lines, returns=returns,
        claims=claims, messages=messages, seller_review=seller_review, facts=facts,
        answer_times=answer_times,
    )  # fmt: skip


def trial_review_facts(
    review: TrialSaleReview, *, now: dt.datetime | None = None
) -> TrialSaleFacts:
    """What the data can tell for each checklist item of a trial sale.

    An item is None when it cannot be known yet (not shipped, not delivered, a
    message younger than a day still waiting); QA confirms or overrides.
    """
    return trial_review_dossier(review, now=now).facts


# --- Trial sales: graduation and queues -------------------------------------------


def _counts_for_trial() -> Q:
    """Trial sales that count: not voided, not cancelled at the shopper's request."""
    return ~Q(seller_order__status=SellerOrderStatus.VOID) & ~Q(
        seller_order__status=SellerOrderStatus.CANCELLED,
        seller_order__cancelled_by_seller=False,
    )


@dataclass(frozen=True)
class TrialSaleCounts:
    passed: int
    waiting: int  # pending or follow-up
    failed: int


def trial_sale_counts(refurbisher: Refurbisher) -> TrialSaleCounts:
    """The refurbisher's trial sales that count, by QA's verdict: one query."""
    counts = TrialSaleReview.objects.filter(
        _counts_for_trial(), refurbisher=refurbisher
    ).aggregate(
        passed=Count("pk", filter=Q(verdict=TrialSaleVerdict.PASSED)),
        failed=Count("pk", filter=Q(verdict=TrialSaleVerdict.FAILED)),
        waiting=Count(
            "pk",
            filter=Q(
                verdict__in=[TrialSaleVerdict.PENDING, TrialSaleVerdict.FOLLOW_UP]
            ),
        ),
    )
    return TrialSaleCounts(**counts)


def trial_sales_all_passed(refurbisher: Refurbisher) -> bool:
    """Whether every trial sale of the refurbisher was reviewed by QA and passed.

    A trial sale is a TrialSaleReview (opened when the seller order is paid);
    sales voided or cancelled at the shopper's request do not count. A
    confirmed sale slot without a review item (a sale the review missed) counts
    as unreviewed, so such a trial waits for QA instead of graduating unseen.
    Two queries.
    """
    reviews = TrialSaleReview.objects.filter(refurbisher=refurbisher)
    if (
        reviews.filter(_counts_for_trial())
        .exclude(verdict=TrialSaleVerdict.PASSED)
        .exists()
    ):
        return False
    reviewed_slots = reviews.filter(
        seller_order__sale_slot_reference=OuterRef("reference")
    )
    return not (
        SaleSlot.objects.filter(
            refurbisher=refurbisher, status=SaleSlotStatus.CONFIRMED
        )
        .filter(~Exists(reviewed_slots))
        .exists()
    )


@dataclass(frozen=True)
class TrialQueueCounts:
    waiting: int
    follow_up: int


def trial_review_queue_counts() -> TrialQueueCounts:
    """Trial sales waiting for a first verdict, and those to follow up: one query."""
    counts = TrialSaleReview.objects.aggregate(
        waiting=Count("pk", filter=Q(verdict=TrialSaleVerdict.PENDING)),
        follow_up=Count("pk", filter=Q(verdict=TrialSaleVerdict.FOLLOW_UP)),
    )
    return TrialQueueCounts(**counts)


# --- Shopper reviews ---------------------------------------------------------------


def _with_items(queryset: QuerySet) -> QuerySet:
    """Reviews with seller, seller order, order and what was bought (one more query)."""
    return queryset.select_related(
        "seller_order__order", "refurbisher"
    ).prefetch_related(
        Prefetch(
            "seller_order__lines",
            queryset=OrderLine.objects.order_by("pk"),
            to_attr="lines_list",
        )
    )


def reviews_public(
    refurbisher: Refurbisher, limit: int = PUBLIC_REVIEWS_LIMIT
) -> list[SellerReview]:
    """A seller's latest visible reviews with answers and items: two queries."""
    return list(
        _with_items(
            SellerReview.objects.filter(refurbisher=refurbisher, hidden=False)
        ).order_by("-created_at", "-pk")[:limit]
    )


def reviews_of_order(*, order_id: int) -> dict[int, SellerReview]:
    """An order's reviews by seller order id: one query."""
    return {
        review.seller_order_id: review
        for review in SellerReview.objects.filter(seller_order__order_id=order_id)
    }


def review_of_seller_order(*, seller_order: SellerOrder) -> SellerReview | None:
    return SellerReview.objects.filter(seller_order=seller_order).first()


SELLER_REVIEW_FILTERS: dict[str, tuple[str, Q]] = {
    "unanswered": (gettext_lazy("Not answered"), Q(answered_at__isnull=True)),
    "low": (
        format_lazy(gettext_lazy("{count} stars or fewer"), count=LOW_RATING_MAX),
        Q(rating__lte=LOW_RATING_MAX),
    ),
}


def reviews_for_seller(
    *, refurbisher: Refurbisher, show: str | None = None, page: str | None = None
) -> Page:
    """The refurbisher's reviews, newest first, hidden ones too (marked), with
    an optional filter (``SELLER_REVIEW_FILTERS``): three queries a page."""
    reviews = SellerReview.objects.filter(refurbisher=refurbisher)
    if show in SELLER_REVIEW_FILTERS:
        reviews = reviews.filter(SELLER_REVIEW_FILTERS[show][1])
    reviews = _with_items(reviews).order_by("-created_at", "-pk")
    return Paginator(reviews, SELLER_REVIEWS_PAGE_SIZE).get_page(page)


@dataclass(frozen=True)
class ReviewSummary:
    count: int
    average: float | None
    unanswered: int
    # (stars, count) from 5 down to 1.
    by_rating: list[tuple[int, int]]


def reviews_summary(*, refurbisher: Refurbisher) -> ReviewSummary:
    """Count, average and stars of the visible reviews; unanswered: one query."""
    visible = Q(hidden=False)
    figures = SellerReview.objects.filter(refurbisher=refurbisher).aggregate(
        count=Count("pk", filter=visible),
        average=Avg("rating", filter=visible),
        unanswered=Count("pk", filter=Q(answered_at__isnull=True)),
        **{
            f"stars_{n}": Count("pk", filter=visible & Q(rating=n)) for n in range(1, 6)
        },
    )
    average = figures["average"]
    return ReviewSummary(
        count=figures["count"],
        average=float(average) if average is not None else None,
        unanswered=figures["unanswered"],
        by_rating=[(n, figures[f"stars_{n}"]) for n in range(5, 0, -1)],
    )


def review_for_refurbisher(
    *, refurbisher: Refurbisher, review_id: int
) -> SellerReview | None:
    """One of the refurbisher's reviews (another seller's: None)."""
    return (
        _with_items(SellerReview.objects.filter(refurbisher=refurbisher))
        .filter(pk=review_id)
        .first()
    )
