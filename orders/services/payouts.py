"""Payouts: what each refurbisher has earned, grouped and sent to its account.

What is paid
------------
A seller order is **payable** once it is delivered, its return window has
closed (``payable_at``, set at delivery, is past) and no return on it is open
(``OPEN_RETURN_STATUSES``: an open return holds it until the return ends).
It is paid once, as a **sale** line (a unique constraint guards it)::

    sale = total_amount - commission_amount

what the seller earns if the shopper keeps everything (items and shipping,
less the platform's commission, which is taken on the items at payment).

Every refund that **succeeded** on a seller order (except ReMarket's own
goodwill refunds, which ReMarket bears) is deducted once, as a
**refund** line (its own row, a one-to-one guards it), in the same payout as
the sale when it came before it, or in the next payout when it came after::

    share  = commission_amount * refund.amount / total_amount   (to the cent)
    refund = -(refund.amount - share)

The commission is only taken on what the shopper kept: each refund gives back
the commission it carried. Over a seller order the lines add up to what the
shopper kept less the commission on it::

    (total - refunds) - commission * (total - refunds) / total

Worked example (commission 10 % of the items): 400.00 of items and 9.90 of
shipping, total 409.90, commission 40.00.

- The shopper gets 100.00 back before the window closes. The first payout
  holds the sale, +369.90, and the refund, -(100.00 - 40.00 * 100.00 /
  409.90 = 9.76) = -90.24: 279.66. That is 309.90 kept less 30.24 of
  commission on it (40.00 * 309.90 / 409.90).
- A warranty claim refunds 50.00 a month later: the next payout deducts
  -(50.00 - 4.88) = -45.12 from that seller's other sales.

Why one line per refund rather than a sale line net of earlier refunds: each
refund then has exactly one payout line, so no refund can be counted both in
a sale and as a deduction, whatever the order of events. Only refunds that
succeeded are deducted: one still being sent is deducted on a later run once
it went through, and one that failed never is (the shopper did not get it).
Each share is rounded to the cent on its own (half up).

Runs
----
``payouts_run`` (daily, Celery beat) first sends again the payouts still
pending, then, per refurbisher with something payable or to deduct, in one
transaction: locks the refurbisher row (two runs at once queue there; the
second finds everything already in a payout), then the orders of its payable
seller orders (so a return being opened waits, and is seen), collects the
lines and, per currency, writes a pending ``Payout`` with its lines if their
sum is more than zero. Otherwise nothing is written: everything carries over
to the next run (more sales will cover the deductions). While a payout of a
refurbisher in a currency is still pending, new lines in that currency wait
for the next run, so a seller without an account gets one payout, not one a
day.

Once the transaction commits, ``payout_send`` locks the payout row and asks
the gateway for a transfer with the payout's idempotency key
(``<installation prefix>-payout-<pk>``, stored on the row at the first try;
payouts sent before the prefix existed keep ``remarket-payout-<pk>``): Stripe
Connect to the refurbisher's connected account, or a test payout with the
offline gateway. Paid, it records the transfer and emails the owners. Without
a connected account (Stripe) or on a provider error it stays pending with the
reason; the next run sends it again with the same key, after asking Stripe
whether an earlier try went through (Stripe forgets idempotency keys after 24
hours, and runs are a day apart).

Holds: while a refurbisher is suspended, its payouts are written as usual
but not sent (``payout_suspension_hold``: pending, with the suspension's
reason for the seller and QA); the first run after reinstatement sends them.
While a new payout account is on hold (``orders.services.payout_account``),
payouts stay pending with the hold's end, and leave once it ends or QA
releases it.

Lock order: the refurbisher row, then order rows by pk, then the payout row
(``payout_send`` locks the refurbisher with ``FOR NO KEY UPDATE``, then the
payout). Returns and refunds lock an order row and never a refurbisher, so
they cannot wait in a cycle with a run.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.money import format_money, quantize, to_minor_units
from orders.exceptions import PaymentProviderError
from orders.models import (
    OPEN_RETURN_STATUSES,
    Order,
    Payout,
    PayoutLine,
    PayoutLineKind,
    PayoutStatus,
    Refund,
    RefundReason,
    RefundStatus,
    ReturnRequest,
    SellerOrder,
    SellerOrderStatus,
)
from orders.notifications import _send, owner_emails
from orders.services.installation import provider_key, provider_metadata
from orders.services.payout_account import (
    payout_account_hold,
    payout_account_hold_message,
)
from refurbishers.models import (
    Refurbisher,
    RefurbisherStatus,
)
from refurbishers.selectors import suspension_reason

logger = logging.getLogger(__name__)

NO_ACCOUNT_MESSAGE = "Connect a Stripe account to receive payouts"

# --- Holds ------------------------------------------------------------------------


def payout_suspension_hold(refurbisher: Refurbisher) -> str:
    """Why no payout may leave for a suspended refurbisher now, or "" if it may.

    While QA has a seller suspended, nothing is paid to it: its payouts are
    still written (so the seller and QA see what is owed) but stay pending
    with this reason, and the first run after reinstatement sends them.
    """
    if refurbisher.status != RefurbisherStatus.SUSPENDED:
        return ""
    return _(
        "Held while %(name)s is suspended (%(reason)s). It is sent in the first "
        "payout run after ReMarket reinstates the seller."
    ) % {
        "name": refurbisher.name,
        "reason": suspension_reason(refurbisher) or _("no reason given"),
    }


# --- The amounts ------------------------------------------------------------------


def commission_share(*, seller_order: SellerOrder, amount: Decimal) -> Decimal:
    """The part of the seller order's commission that ``amount`` of it carried."""
    if not seller_order.total_amount:
        return Decimal("0.00")
    return quantize(seller_order.commission_amount * amount / seller_order.total_amount)


def sale_amount(seller_order: SellerOrder) -> Decimal:
    """What a seller order earns its seller if the shopper keeps everything."""
    return quantize(seller_order.total_amount - seller_order.commission_amount)


def refund_deduction(*, refund: Refund, seller_order: SellerOrder) -> Decimal:
    """What a refund takes back from the seller: negative, commission given back."""
    return -quantize(
        refund.amount
        - commission_share(seller_order=seller_order, amount=refund.amount)
    )


def _money(amount: Decimal, currency: str) -> str:
    return format_money(amount, currency)


def _sale_line(seller_order: SellerOrder) -> PayoutLine:
    currency = seller_order.currency
    return PayoutLine(
        kind=PayoutLineKind.SALE,
        seller_order=seller_order,
        amount=sale_amount(seller_order),
        description=(
            f"Order {seller_order.order.reference}: "
            f"{_money(seller_order.total_amount, currency)} paid, less "
            f"{_money(seller_order.commission_amount, currency)} commission"
        )[:200],
    )


def _refund_line(refund: Refund, seller_order: SellerOrder) -> PayoutLine:
    currency = seller_order.currency
    share = commission_share(seller_order=seller_order, amount=refund.amount)
    return PayoutLine(
        kind=PayoutLineKind.REFUND,
        seller_order=seller_order,
        refund=refund,
        amount=refund_deduction(refund=refund, seller_order=seller_order),
        description=(
            f"Order {seller_order.order.reference}: "
            f"{_money(refund.amount, currency)} refunded "
            f"({refund.get_reason_display().lower()}), less "
            f"{_money(share, currency)} commission given back"
        )[:200],
    )


# --- What is owed -----------------------------------------------------------------


def _sale_paid(seller_order_ref: str = "pk") -> Exists:
    return Exists(
        PayoutLine.objects.filter(
            seller_order=OuterRef(seller_order_ref), kind=PayoutLineKind.SALE
        )
    )


def _return_open(seller_order_ref: str = "pk") -> Exists:
    return Exists(
        ReturnRequest.objects.filter(
            seller_order=OuterRef(seller_order_ref), status__in=OPEN_RETURN_STATUSES
        )
    )


def payable_seller_orders(*, at: dt.datetime) -> QuerySet[SellerOrder]:
    """Delivered, window closed by ``at``, not paid out, no return open."""
    return SellerOrder.objects.filter(
        ~_sale_paid(),
        ~_return_open(),
        status=SellerOrderStatus.DELIVERED,
        payable_at__lte=at,
    )


def refunds_to_deduct() -> QuerySet[Refund]:
    """Refunds that went through on a seller order paid out, not deducted yet.

    A goodwill refund is ReMarket's own gesture (QA's decision, not the
    seller's fault), so ReMarket bears it: it is never deducted.
    """
    return Refund.objects.filter(
        _sale_paid("seller_order"),
        status=RefundStatus.SUCCEEDED,
        payout_line__isnull=True,
    ).exclude(reason=RefundReason.GOODWILL)


def _refurbishers_owed(at: dt.datetime) -> list[int]:
    payable = payable_seller_orders(at=at).values_list("refurbisher_id", flat=True)
    deductible = refunds_to_deduct().values_list(
        "seller_order__refurbisher_id", flat=True
    )
    return sorted(set(payable) | set(deductible))


def _lines_owed(
    refurbisher: Refurbisher, at: dt.datetime
) -> dict[str, list[PayoutLine]]:
    """The lines owed to a refurbisher now, per currency; locks their orders.

    Must run under the refurbisher's row lock. The orders of the payable seller
    orders are locked too, then open returns are looked for again: a return
    opened meanwhile (returns lock the order) is seen, and holds its sale.
    """
    candidates = list(
        payable_seller_orders(at=at)
        .filter(refurbisher=refurbisher)
        .select_related("order")
        .order_by("pk")
    )
    order_ids = sorted({seller_order.order_id for seller_order in candidates})
    if order_ids:
        list(
            Order.objects.select_for_update()
            .filter(pk__in=order_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        held = set(
            ReturnRequest.objects.filter(
                seller_order__in=[so.pk for so in candidates],
                status__in=OPEN_RETURN_STATUSES,
            ).values_list("seller_order_id", flat=True)
        )
        candidates = [so for so in candidates if so.pk not in held]
    paying = {seller_order.pk: seller_order for seller_order in candidates}
    refunds = (
        Refund.objects.filter(
            Q(_sale_paid("seller_order")) | Q(seller_order__in=list(paying)),
            seller_order__refurbisher=refurbisher,
            status=RefundStatus.SUCCEEDED,
            payout_line__isnull=True,
        )
        .exclude(reason=RefundReason.GOODWILL)
        .select_related("seller_order__order")
        .order_by("pk")
    )
    lines: dict[str, list[PayoutLine]] = defaultdict(list)
    for seller_order in candidates:
        lines[seller_order.currency].append(_sale_line(seller_order))
    for refund in refunds:
        seller_order = paying.get(refund.seller_order_id, refund.seller_order)
        lines[seller_order.currency].append(_refund_line(refund, seller_order))
    return lines


@transaction.atomic
def refurbisher_payouts_create(
    *, refurbisher: Refurbisher, at: dt.datetime | None = None
) -> list[Payout]:
    """Write the refurbisher's pending payouts (one per currency); send on commit.

    Locks the refurbisher row first, so two runs at once cannot both pay the
    same lines: the second waits, then finds them in the first one's payout.
    A currency whose lines add up to zero or less writes nothing (they wait
    for the next run), and so does one with a payout still pending.
    """
    at = at or timezone.now()
    refurbisher = Refurbisher.objects.select_for_update().get(pk=refurbisher.pk)
    pending = set(
        Payout.objects.filter(
            refurbisher=refurbisher, status=PayoutStatus.PENDING
        ).values_list("currency", flat=True)
    )
    created: list[Payout] = []
    for currency, lines in sorted(_lines_owed(refurbisher, at).items()):
        total = sum((line.amount for line in lines), Decimal("0"))
        if total <= 0 or currency in pending:
            logger.info(
                "Payout of %s in %s carried over: %s", refurbisher.pk, currency, total
            )
            continue
        payout = Payout.objects.create(
            refurbisher=refurbisher, currency=currency, amount=total
        )
        for line in lines:
            line.payout = payout
        PayoutLine.objects.bulk_create(lines)
        created.append(payout)
        payout_id = payout.pk
        transaction.on_commit(
            lambda payout_id=payout_id: payout_send(payout_id=payout_id)
        )
    return created


def payouts_run(*, at: dt.datetime | None = None) -> int:
    """Pay every refurbisher what it is owed; return how many payouts it wrote.

    Sends again the payouts still pending first (one try per payout per run),
    then writes the new ones, one refurbisher per transaction, each sent once
    its transaction commits.
    """
    at = at or timezone.now()
    pending = list(
        Payout.objects.filter(status=PayoutStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for payout_id in pending:
        payout_send(payout_id=payout_id)
    created = 0
    for refurbisher_id in _refurbishers_owed(at):
        created += len(
            refurbisher_payouts_create(
                refurbisher=Refurbisher(pk=refurbisher_id), at=at
            )
        )
    return created


# --- Sending ------------------------------------------------------------------------


def payout_send(*, payout_id: int) -> Payout:
    """Send a pending payout through the gateway; a no-op once it is paid.

    The transfer carries the payout's idempotency key, so a second send (a
    retry, two runs at once, QA's "Send again") is one transfer. While the
    refurbisher is suspended, without a connected account (Stripe), or while
    a changed payout account is on hold, it stays pending with the reason; a
    provider error leaves it pending with the message and one more attempt
    counted.
    """
    from orders.payment_gateway import payment_gateway

    with transaction.atomic():
        refurbisher_id = Payout.objects.values_list("refurbisher_id", flat=True).get(
            pk=payout_id
        )
        # The refurbisher row first (the lock order above): a suspension
        # being written holds this send back, and one made while a transfer
        # is under way waits for it, so no transfer leaves once it is.
        refurbisher = Refurbisher.objects.select_for_update(no_key=True).get(
            pk=refurbisher_id
        )
        payout = Payout.objects.select_for_update(of=("self",)).get(pk=payout_id)
        payout.refurbisher = refurbisher
        if payout.status != PayoutStatus.PENDING:
            return payout
        hold = payout_suspension_hold(refurbisher)
        if hold:
            logger.info(
                "Payout %s held: refurbisher %s suspended", payout.pk, refurbisher.pk
            )
            payout.failure_message = hold
            payout.save(update_fields=["failure_message"])
            return payout
        gateway = payment_gateway()
        destination = payout.refurbisher.stripe_account_id
        if gateway.moves_money and not destination:
            payout.failure_message = NO_ACCOUNT_MESSAGE
            payout.save(update_fields=["failure_message"])
            return payout
        # Held after a change of the payout account (orders.services.payout_account).
        account_hold = payout_account_hold(refurbisher_id=payout.refurbisher_id)
        if account_hold is not None:
            payout.failure_message = payout_account_hold_message(account_hold)
            payout.save(update_fields=["failure_message"])
            return payout
        tried_before = payout.attempts > 0
        payout.attempts += 1
        # The key (and transfer group) of the first try, kept on the row: a
        # retry with another key would be a second transfer.
        if not payout.idempotency_key:
            payout.idempotency_key = provider_key("payout", payout.pk)
        try:
            answer = None
            if tried_before:
                # An earlier try may have reached the provider after its
                # idempotency key was forgotten (Stripe keeps keys 24 hours).
                answer = gateway.transfer_find(transfer_group=payout.idempotency_key)
            if answer is None:
                answer = gateway.transfer(
                    amount_minor=to_minor_units(payout.amount, payout.currency),
                    currency=payout.currency,
                    destination=destination,
                    idempotency_key=payout.idempotency_key,
                    transfer_group=payout.idempotency_key,
                    metadata=provider_metadata(
                        key=payout.idempotency_key,
                        payout_id=payout.pk,
                        refurbisher_id=payout.refurbisher_id,
                    ),
                )
        except PaymentProviderError as error:
            logger.warning("Payout %s not sent: %s", payout.pk, error.message)
            payout.failure_message = error.message
            payout.save(
                update_fields=["attempts", "failure_message", "idempotency_key"]
            )
            return payout
        payout.status = PayoutStatus.PAID
        payout.provider = gateway.provider
        payout.transfer_id = answer["id"]
        payout.destination = answer.get("destination") or destination
        payout.paid_at = timezone.now()
        payout.failure_message = ""
        payout.save(
            update_fields=[
                "attempts", "status", "provider", "transfer_id", "destination",
                "paid_at", "failure_message", "idempotency_key",
            ]
        )  # fmt: skip
        payout_paid_notify(payout_id=payout_id)
    return payout


def payout_paid_notify(*, payout_id: int) -> int:
    """Tell the refurbisher's owners a payout is on its way, and what it holds."""
    payout = (
        Payout.objects.select_related("refurbisher")
        .prefetch_related("lines__seller_order__order")
        .get(pk=payout_id)
    )
    to = owner_emails(payout.refurbisher)
    if not to:
        return 0
    context = {
        "payout": payout,
        "refurbisher": payout.refurbisher,
        "lines": list(payout.lines.all()),
        "test_payout": payout.provider == "offline",
        "payout_url": f"{settings.SITE_URL}/seller/payouts/{payout.pk}/",
        "site_url": settings.SITE_URL,
    }
    return _send(
        _("ReMarket: payout of %(amount)s sent")
        % {"amount": format_money(payout.amount, payout.currency)},
        "payout_sent",
        context,
        to,
        key=f"payout-paid:{payout.pk}",
    )
