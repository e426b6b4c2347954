"""Returns: a shopper sends a delivered item back within the return window.

A return moves requested → authorised (the seller's instructions) →
sent_back (the shopper's carrier and tracking) → received → refunded; the
shopper may withdraw it until it is sent back. Received and refunded happen in
one transaction: the seller confirming the parcel is what refunds the shopper.
A return on its way back that the seller never confirms is refunded anyway
``RETURN_REFUND_DAYS`` days after it was sent (sent_back → refunded), so a
shopper never waits on a silent seller.

Each move is its own service: it locks the order row, then the return row
(``select_for_update``), checks ``RETURN_MOVES``, saves with
``update_fields`` and writes a ``ReturnStatusChange`` with the actor and why.
A move out of turn or bad input raises ``ReturnRefused`` and writes nothing.

Lock order: the order row, then the return row, then (inside
``refund_create``) the order row again, which this transaction already holds.
Taking the order first is what makes a second "received" (a double click, two
members at once) wait for the first and then find the return refunded.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy

from marketplace.markets import MARKETS
from marketplace.money import format_money
from marketplace.status import StatusMachine, actor_or_none, locked
from orders.exceptions import OrderError
from orders.models import (
    RETURN_MOVES,
    SELLER_FAULT_RETURN_REASONS,
    Carrier,
    Order,
    OrderLine,
    Refund,
    RefundReason,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
    ReturnStatusChange,
    SellerOrder,
    SellerOrderStatus,
)
from orders.notifications import _send, owner_emails
from orders.services.fulfilment import return_window_end
from orders.services.refunds import RefundRefused, refund_create, refundable_amount
from orders.tracking import tracking_format_error, tracking_normalize, tracking_url

logger = logging.getLogger(__name__)

Status = ReturnStatus
DETAILS_MAX_CHARS = 2000
INSTRUCTIONS_MAX_CHARS = 2000
CARRIER_NAME_MAX_CHARS = 80
# Overdue returns handled per batch; each in its own transaction, so a long
# backlog never holds many order locks at once.
BATCH = 100

# Where a return stands, and what a move would do, in words for a refusal
# ("This return is %(status)s, so it cannot be %(move)s now."); each in a
# context of its own so a translation can choose the form the sentence needs.
_STANDS_CONTEXT = "return state: This return is ..."
_STANDS = {
    Status.REQUESTED: pgettext_lazy(
        _STANDS_CONTEXT, "waiting for the seller's return instructions"
    ),
    Status.AUTHORISED: pgettext_lazy(
        _STANDS_CONTEXT, "waiting for the item to be sent back"
    ),
    Status.SENT_BACK: pgettext_lazy(_STANDS_CONTEXT, "on its way back to the seller"),
    Status.RECEIVED: pgettext_lazy(_STANDS_CONTEXT, "received by the seller"),
    Status.REFUNDED: pgettext_lazy(_STANDS_CONTEXT, "already refunded"),
    Status.WITHDRAWN: pgettext_lazy(_STANDS_CONTEXT, "withdrawn"),
}
_MOVE_CONTEXT = "return move: it cannot be ... now"
_MOVE = {
    Status.AUTHORISED: pgettext_lazy(_MOVE_CONTEXT, "given return instructions"),
    Status.SENT_BACK: pgettext_lazy(_MOVE_CONTEXT, "marked as sent back"),
    Status.RECEIVED: pgettext_lazy(_MOVE_CONTEXT, "marked as received"),
    Status.REFUNDED: pgettext_lazy(_MOVE_CONTEXT, "refunded"),
    Status.WITHDRAWN: pgettext_lazy(_MOVE_CONTEXT, "withdrawn"),
}


class ReturnRefused(OrderError):
    """A return or a move of it the rules refuse (out of the window, out of
    turn, a missing reason or tracking number); ``message`` says why.

    ``field`` names the form field at fault (``reason``, ``details``,
    ``instructions``, ``carrier``, ``tracking_number``), if any.
    """


def return_tracking_url(return_request: ReturnRequest) -> str:
    """The carrier's tracking page for the parcel sent back, or ""."""
    code = _carrier_code(return_request.return_carrier)
    return tracking_url(code, return_request.return_tracking) if code else ""


def _carrier_code(name: str) -> str:
    """The ``Carrier`` a typed name or code stands for; "" for any other name."""
    wanted = (name or "").strip().lower()
    for value, label in Carrier.choices:
        if value != Carrier.OTHER and wanted in (value, label.lower()):
            return value
    return ""


def return_window_problem(
    seller_order: SellerOrder, *, at: dt.datetime | None = None
) -> str:
    """Why the seller order's items cannot be returned now, or "" if they can.

    They can once delivered, until the market's return window closes
    (``Market.return_window_days`` after delivery).
    """
    if seller_order.status != SellerOrderStatus.DELIVERED:
        return gettext("You can return an item once it has been delivered.")
    ends = return_window_end(seller_order)
    if ends is None:
        return gettext("You can return an item once it has been delivered.")
    if (at or timezone.now()) >= ends:
        days = MARKETS[seller_order.order.market].return_window_days
        closed = timezone.localtime(ends)
        return gettext(
            "The %(days)s-day return window of this order closed on %(date)s. "
            "If the device is faulty, your warranty still covers it: you can "
            "file a warranty claim instead."
        ) % {"days": days, "date": f"{closed.day} {closed:%B %Y}"}
    return ""


def _completes_the_seller_order(return_request: ReturnRequest) -> bool:
    """Whether, with this return, every line of its seller order is returned."""
    return not (
        OrderLine.objects.filter(seller_order_id=return_request.seller_order_id)
        .exclude(pk=return_request.line_id)
        .exclude(returns__status__in=[Status.RECEIVED, Status.REFUNDED])
        .exists()
    )


def return_refund_amount(return_request: ReturnRequest) -> Decimal:
    """What the shopper gets back when this return is received.

    The line's amount, plus the seller order's shipping when this return
    completes the return of every line (EU withdrawal rules refund the
    standard delivery), never more than what is left to refund.
    """
    seller_order = return_request.seller_order
    amount = return_request.line.line_amount
    if _completes_the_seller_order(return_request):
        amount += seller_order.shipping_amount
    left = refundable_amount(order=seller_order.order, seller_order=seller_order)
    return min(amount, left)


# --- Locks and moves ------------------------------------------------------------


def _lock_order(order_id: int) -> None:
    # NO KEY UPDATE, as refunds take it: it queues the order's other moves
    # but lets a shipment or a message insert rows that point at the order.
    Order.objects.select_for_update(no_key=True).filter(pk=order_id).values_list(
        "pk"
    ).get()


def _order_then_return_locked(return_request: ReturnRequest) -> ReturnRequest:
    """Lock the return's order row, then the return row; the return, fresh."""
    order_id = (
        ReturnRequest.objects.filter(pk=return_request.pk)
        .values_list("seller_order__order_id", flat=True)
        .first()
    )
    if order_id is None:
        raise ReturnRefused(gettext("This return does not exist."))
    _lock_order(order_id)
    return locked(
        return_request,
        queryset=ReturnRequest.objects.select_related(
            "seller_order__order", "seller_order__refurbisher", "line"
        ),
        of=("self",),
    )


def _refused(from_status: str, to_status: str) -> ReturnRefused:
    return ReturnRefused(
        gettext("This return is %(status)s, so it cannot be %(move)s now.")
        % {"status": _STANDS[from_status], "move": _MOVE[to_status]}
    )


RETURN_STATUS: StatusMachine[ReturnRequest] = StatusMachine(
    moves=RETURN_MOVES,
    refusal=_refused,
    audit_model=ReturnStatusChange,
    audit_parent=lambda return_request: {"return_request": return_request},
)


def _notify(notify, return_request: ReturnRequest) -> None:
    """Queue a return's email in the move's transaction (sent after commit)."""
    notify(return_id=return_request.pk)


# --- The moves ----------------------------------------------------------------------


@transaction.atomic
def return_request(
    *,
    line: OrderLine,
    reason: str,
    details: str,
    actor: AbstractBaseUser | None,
) -> ReturnRequest:
    """Ask to return a delivered line within the return window.

    The reason is required, and details too when the seller is at fault (a
    defect, damage in transit, not as described): those returns count
    against the seller. One live return per line. Emails the seller's owners.
    """
    line = OrderLine.objects.select_related(
        "seller_order__order", "seller_order__refurbisher"
    ).get(pk=line.pk)
    seller_order = line.seller_order
    _lock_order(seller_order.order_id)
    problem = return_window_problem(seller_order)
    if problem:
        raise ReturnRefused(problem)
    if reason not in ReturnReason.values:
        raise ReturnRefused(
            gettext("Please choose why you are returning it."), field="reason"
        )
    details = (details or "").strip()
    at_fault = reason in SELLER_FAULT_RETURN_REASONS
    if at_fault and not details:
        raise ReturnRefused(
            gettext(
                "Please tell the seller what is wrong: it helps them put it right."
            ),
            field="details",
        )
    if len(details) > DETAILS_MAX_CHARS:
        raise ReturnRefused(
            gettext("Please keep the details under %(most)s characters (%(now)s now).")
            % {"most": DETAILS_MAX_CHARS, "now": len(details)},
            field="details",
        )
    live = ReturnRequest.objects.filter(line=line).exclude(status=Status.WITHDRAWN)
    if live.exists():
        raise ReturnRefused(_already_returned(live.first()))
    try:
        # A savepoint: the unique constraint may refuse a return written by
        # a path that did not take the order lock.
        with transaction.atomic():
            created = ReturnRequest.objects.create(
                seller_order=seller_order, line=line, reason=reason,
                details=details, seller_at_fault=at_fault,
                requested_by=actor_or_none(actor),
            )  # fmt: skip
    except IntegrityError:
        raise ReturnRefused(
            _already_returned(live.first())
        ) from None  # the other return is what the shopper needs to know about
    RETURN_STATUS.record(
        created, actor=actor, from_status="", to_status=Status.REQUESTED,
        reason=f"Return requested: {ReturnReason(reason).label}",
    )  # fmt: skip
    _notify(return_requested_notify, created)
    return created


def _already_returned(existing: ReturnRequest | None) -> str:
    if existing is not None and existing.status == Status.REFUNDED:
        return gettext("This item was already returned and refunded.")
    return gettext("A return of this item is already open: follow it on its page.")


@transaction.atomic
def return_authorise(
    *,
    return_request: ReturnRequest,
    actor: AbstractBaseUser | None,
    instructions: str,
) -> ReturnRequest:
    """The seller tells the shopper how to send the item back. Emails the shopper."""
    return_request = _order_then_return_locked(return_request)
    RETURN_STATUS.check(return_request, Status.AUTHORISED)
    instructions = (instructions or "").strip()
    if not instructions:
        raise ReturnRefused(
            gettext("Please tell the shopper where and how to send the item back."),
            field="instructions",
        )
    if len(instructions) > INSTRUCTIONS_MAX_CHARS:
        raise ReturnRefused(
            gettext(
                "Please keep the instructions under %(most)s characters (%(now)s now)."
            )
            % {"most": INSTRUCTIONS_MAX_CHARS, "now": len(instructions)},
            field="instructions",
        )
    return_request.instructions = instructions
    return_request.authorised_at = timezone.now()
    RETURN_STATUS.move(
        return_request, Status.AUTHORISED, actor=actor,
        reason="Return instructions sent to the shopper",
        fields=("instructions", "authorised_at"),
    )  # fmt: skip
    _notify(return_authorised_notify, return_request)
    return return_request


@transaction.atomic
def return_mark_sent_back(
    *,
    return_request: ReturnRequest,
    actor: AbstractBaseUser | None,
    carrier: str,
    tracking_number: str,
) -> ReturnRequest:
    """The shopper sent the item back, with the carrier and tracking number.

    ``carrier`` is a ``Carrier`` (its code or name) or any carrier's name; a
    known carrier's tracking number is checked against its format, any other
    takes 6 to 40 letters or digits. Emails the seller's owners.
    """
    return_request = _order_then_return_locked(return_request)
    RETURN_STATUS.check(return_request, Status.SENT_BACK)
    typed = " ".join((carrier or "").split())
    if not typed or typed.lower() == Carrier.OTHER:
        raise ReturnRefused(
            gettext("Please say which carrier is bringing it back."), field="carrier"
        )
    if len(typed) > CARRIER_NAME_MAX_CHARS:
        raise ReturnRefused(
            gettext("The carrier's name is too long (%(most)s characters at most).")
            % {"most": CARRIER_NAME_MAX_CHARS},
            field="carrier",
        )
    code = _carrier_code(typed)
    name = Carrier(code).label if code else typed
    number = tracking_normalize(tracking_number)
    error = tracking_format_error(
        carrier=code or Carrier.OTHER, carrier_name=name, number=number
    )
    if error:
        raise ReturnRefused(error, field="tracking_number")
    return_request.return_carrier = name
    return_request.return_tracking = number
    return_request.sent_back_at = timezone.now()
    RETURN_STATUS.move(
        return_request, Status.SENT_BACK, actor=actor,
        reason=f"Sent back with {name}, tracking {number}",
        fields=("return_carrier", "return_tracking", "sent_back_at"),
    )  # fmt: skip
    _notify(return_sent_back_notify, return_request)
    return return_request


def _refund(
    return_request: ReturnRequest, *, actor: AbstractBaseUser | None, why: str
) -> None:
    """Refund the return (order and return rows locked) and move it to refunded."""
    amount = return_refund_amount(return_request)
    seller_order = return_request.seller_order
    refund: Refund | None = None
    currency = seller_order.currency
    if amount > 0:
        with_shipping = _completes_the_seller_order(return_request) and bool(
            seller_order.shipping_amount
        )
        note = f"Return of {return_request.line.title}" + (
            ", with the delivery cost" if with_shipping else ""
        )
        try:
            refund = refund_create(
                order=seller_order.order, seller_order=seller_order, amount=amount,
                reason=RefundReason.RETURN, note=note, actor=actor,
            )  # fmt: skip
        except RefundRefused as refusal:
            raise ReturnRefused(refusal.message) from refusal
        reason = f"{why}: {format_money(amount, currency)} refunded"
    else:
        # Already refunded in full another way (a warranty claim, goodwill).
        reason = f"{why}: nothing was left to refund on this part of the order"
    return_request.refund = refund
    return_request.refunded_at = timezone.now()
    RETURN_STATUS.move(
        return_request, Status.REFUNDED, actor=actor, reason=reason,
        fields=("refund", "refunded_at"),
    )  # fmt: skip


@transaction.atomic
def return_mark_received(
    *, return_request: ReturnRequest, actor: AbstractBaseUser | None
) -> ReturnRequest:
    """The seller received the item: refund the shopper in the same transaction.

    Two audit rows (received, then refunded). A second call, even at the same
    moment, waits on the order lock and is refused: the refund is made once.
    Emails the shopper.
    """
    return_request = _order_then_return_locked(return_request)
    RETURN_STATUS.check(return_request, Status.RECEIVED)
    return_request.received_at = timezone.now()
    RETURN_STATUS.move(
        return_request, Status.RECEIVED, actor=actor,
        reason="Received by the seller", fields=("received_at",),
    )  # fmt: skip
    _refund(return_request, actor=actor, why="Refunded on receipt")
    _notify(return_refunded_notify, return_request)
    return return_request


@transaction.atomic
def return_withdraw(
    *, return_request: ReturnRequest, actor: AbstractBaseUser | None
) -> ReturnRequest:
    """The shopper keeps the item after all (only before sending it back)."""
    return_request = _order_then_return_locked(return_request)
    RETURN_STATUS.check(return_request, Status.WITHDRAWN)
    return_request.withdrawn_at = timezone.now()
    RETURN_STATUS.move(
        return_request, Status.WITHDRAWN, actor=actor,
        reason="Withdrawn by the shopper", fields=("withdrawn_at",),
    )  # fmt: skip
    return return_request


@transaction.atomic
def return_refund_if_overdue(
    *, return_request: ReturnRequest, before: dt.datetime
) -> bool:
    """Refund a return sent back before ``before`` and still not received.

    False (and nothing written) if it moved meanwhile: received by the seller,
    or refunded by an earlier run.
    """
    return_request = _order_then_return_locked(return_request)
    if (
        return_request.status != Status.SENT_BACK
        or return_request.sent_back_at is None
        or return_request.sent_back_at >= before
    ):
        return False
    _refund(
        return_request, actor=None,
        why=f"Refunded automatically: not marked received within "
        f"{settings.RETURN_REFUND_DAYS} days of being sent back",
    )  # fmt: skip
    _notify(return_refunded_notify, return_request)
    _notify(return_auto_refunded_notify, return_request)
    return True


def returns_refund_overdue(*, at: dt.datetime | None = None) -> int:
    """Refund returns on their way back for more than ``RETURN_REFUND_DAYS``.

    In batches, each return in its own transaction; a return refunded by an
    earlier or a concurrent run is skipped, so running it twice refunds once.
    """
    before = (at or timezone.now()) - dt.timedelta(days=settings.RETURN_REFUND_DAYS)
    refunded, after = 0, 0
    while True:
        ids = list(
            ReturnRequest.objects.filter(
                status=Status.SENT_BACK, sent_back_at__lt=before, pk__gt=after
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        for pk in ids:
            try:
                refunded += return_refund_if_overdue(
                    return_request=ReturnRequest(pk=pk), before=before
                )
            except ReturnRefused as refusal:
                # Left for QA (the admin lists returns on their way back).
                logger.warning("Return %s not refunded: %s", pk, refusal.message)
        if len(ids) < BATCH:
            return refunded
        after = ids[-1]


# --- Emails ---------------------------------------------------------------------


def _email_context(return_id: int) -> dict:
    return_request = ReturnRequest.objects.select_related(
        "seller_order__order", "seller_order__refurbisher", "line", "refund"
    ).get(pk=return_id)
    order = return_request.seller_order.order
    return {
        "return_request": return_request,
        "line": return_request.line,
        "order": order,
        "refurbisher": return_request.seller_order.refurbisher,
        "market": MARKETS[order.market],
        "site_url": settings.SITE_URL,
        "return_url": f"{settings.SITE_URL}/orders/{order.reference}/returns/"
        f"{return_request.pk}/?token={order.access_token}",
        "seller_url": f"{settings.SITE_URL}/seller/returns/{return_request.pk}/",
        "refund_days": settings.RETURN_REFUND_DAYS,
    }


def return_requested_notify(*, return_id: int) -> int:
    """Tell the seller's owners a shopper asks to return an item."""
    context = _email_context(return_id)
    to = owner_emails(context["refurbisher"])
    if not to:
        return 0
    return _send(
        gettext("ReMarket: return requested on order %(reference)s")
        % {"reference": context["order"].reference},
        "return_requested",
        context,
        to,
    )


def return_authorised_notify(*, return_id: int) -> int:
    """Send the shopper the seller's return instructions."""
    context = _email_context(return_id)
    return _send(
        gettext("ReMarket: how to send back your %(item)s")
        % {"item": context["line"].title},
        "return_authorised",
        context,
        [context["order"].email],
    )


def return_sent_back_notify(*, return_id: int) -> int:
    """Tell the seller's owners the item is on its way back, with tracking."""
    context = _email_context(return_id)
    to = owner_emails(context["refurbisher"])
    if not to:
        return 0
    context["tracking_url"] = return_tracking_url(context["return_request"])
    return _send(
        gettext("ReMarket: a return is on its way back (order %(reference)s)")
        % {"reference": context["order"].reference},
        "return_sent_back",
        context,
        to,
    )


def return_refunded_notify(*, return_id: int) -> int:
    """Tell the shopper the return is done and how much comes back."""
    context = _email_context(return_id)
    return _send(
        gettext("ReMarket: your return on order %(reference)s is refunded")
        % {"reference": context["order"].reference},
        "return_refunded",
        context,
        [context["order"].email],
    )


def return_auto_refunded_notify(*, return_id: int) -> int:
    """Tell the seller's owners a return was refunded without their receipt."""
    context = _email_context(return_id)
    to = owner_emails(context["refurbisher"])
    if not to:
        return 0
    return _send(
        gettext("ReMarket: return refunded automatically (order %(reference)s)")
        % {"reference": context["order"].reference},
        "return_auto_refunded",
        context,
        to,
    )
