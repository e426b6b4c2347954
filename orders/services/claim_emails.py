"""Emails of warranty claims: to the seller's owners, the shopper and QA.

Each is queued in the outbox in the claim's transaction
(``orders.services.claims`` calls them after the change) and leaves once that
commits; each reads the claim again, so it says what is committed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from marketplace.markets import MARKETS
from marketplace.money import format_money
from orders.models import ClaimRemedy, WarrantyClaim
from orders.notifications import _send, owner_emails

ADMIN_CLAIM_URL = "/admin/orders/warrantyclaim/{}/change/"


def local_words(moment: dt.datetime, time_zone: str) -> str:
    """A moment as the refurbisher reads it: "14 Jan 2025, 17:00 (Europe/Paris)"."""
    local = timezone.localtime(moment, ZoneInfo(time_zone))
    return f"{local:%d %b %Y, %H:%M} ({time_zone})"


def money_words(amount: Decimal, currency: str) -> str:
    return format_money(amount, currency)


# A remedy as the object of a sentence ("The seller offers a repair").
_REMEDY_CONTEXT = "claim remedy: the seller offers ..."


def remedy_words(remedy: str, amount: Decimal | None, currency: str) -> str:
    if remedy == ClaimRemedy.REFUND and amount is not None:
        return pgettext(_REMEDY_CONTEXT, "a refund of %(amount)s") % {
            "amount": money_words(amount, currency)
        }
    return {
        ClaimRemedy.REFUND: pgettext(_REMEDY_CONTEXT, "a refund"),
        ClaimRemedy.REPAIR: pgettext(_REMEDY_CONTEXT, "a repair"),
        ClaimRemedy.REPLACEMENT: pgettext(_REMEDY_CONTEXT, "a replacement"),
        ClaimRemedy.DECLINE: pgettext(_REMEDY_CONTEXT, "no remedy (declined)"),
    }.get(remedy, remedy)


def claim_shopper_url(claim: WarrantyClaim) -> str:
    """The claim's page for the shopper; a guest's link carries the order's token."""
    order = claim.seller_order.order
    url = f"{settings.SITE_URL}/orders/{order.reference}/claims/{claim.pk}/"
    return url if order.user_id else f"{url}?token={order.access_token}"


def _email_claim(claim_id: int) -> WarrantyClaim:
    return WarrantyClaim.objects.select_related(
        "seller_order__order", "refurbisher", "warranty__line", "warranty__unit",
        "refund",
    ).get(pk=claim_id)  # fmt: skip


def _context(claim: WarrantyClaim, **extra) -> dict:
    order = claim.seller_order.order
    time_zone = claim.refurbisher.time_zone
    currency = claim.seller_order.currency
    return {
        "claim": claim,
        "order": order,
        "refurbisher": claim.refurbisher,
        "line": claim.warranty.line,
        "unit": claim.warranty.unit,
        "market": MARKETS.get(order.market),
        "site_url": settings.SITE_URL,
        "shopper_url": claim_shopper_url(claim),
        "seller_url": f"{settings.SITE_URL}/seller/claims/{claim.pk}/",
        "admin_url": f"{settings.SITE_URL}{ADMIN_CLAIM_URL.format(claim.pk)}",
        "due_local": local_words(claim.answer_due_at, time_zone),
        # What the seller offered, and what ReMarket decided (its refund, if
        # any, is the claim's refund; ``refund_amount`` stays the offer).
        "offer": remedy_words(claim.seller_remedy, claim.refund_amount, currency),
        "decision": remedy_words(
            claim.qa_remedy,
            claim.refund.amount if claim.refund_id and claim.qa_remedy else None,
            currency,
        ),
        **extra,
    }


def claim_filed_notify(*, claim_id: int) -> int:
    """Tell the seller's owners a claim waits for their answer, and by when."""
    claim = _email_claim(claim_id)
    to = owner_emails(claim.refurbisher)
    if not to:
        return 0
    return _send(
        gettext("ReMarket: warranty claim on order %(reference)s, please answer")
        % {"reference": claim.seller_order.order.reference},
        "claim_filed",
        _context(claim),
        to,
    )


def claim_answered_notify(*, claim_id: int) -> int:
    """Tell the shopper what the seller offers (or why it declines)."""
    claim = _email_claim(claim_id)
    return _send(
        gettext("ReMarket: %(seller)s answered your warranty claim")
        % {"seller": claim.refurbisher.name},
        "claim_answered",
        _context(claim),
        [claim.seller_order.order.email],
    )


def claim_accepted_notify(*, claim_id: int) -> int:
    """Tell the seller's owners the shopper accepted its answer."""
    claim = _email_claim(claim_id)
    to = owner_emails(claim.refurbisher)
    if not to:
        return 0
    return _send(
        gettext("ReMarket: the shopper accepted your answer to claim %(claim)s")
        % {"claim": claim.pk},
        "claim_accepted",
        _context(claim),
        to,
    )


def claim_escalated_notify(*, claim_id: int) -> int:
    """Tell QA, the seller and the shopper that ReMarket now decides."""
    claim = _email_claim(claim_id)
    subject = gettext(
        "ReMarket: warranty claim %(claim)s on order %(reference)s is with ReMarket"
    ) % {"claim": claim.pk, "reference": claim.seller_order.order.reference}
    sent = _send(
        subject, "claim_escalated", _context(claim, audience="qa"),
        [settings.QA_EMAIL],
    )  # fmt: skip
    sellers = owner_emails(claim.refurbisher)
    if sellers:
        sent += _send(
            subject, "claim_escalated", _context(claim, audience="seller"), sellers
        )
    sent += _send(
        subject, "claim_escalated", _context(claim, audience="shopper"),
        [claim.seller_order.order.email],
    )  # fmt: skip
    return sent


def claim_decided_notify(*, claim_id: int) -> int:
    """Tell the shopper and the seller what ReMarket decided, and why."""
    claim = _email_claim(claim_id)
    subject = gettext("ReMarket decided warranty claim %(claim)s") % {"claim": claim.pk}
    sent = _send(
        subject, "claim_decided", _context(claim, audience="shopper"),
        [claim.seller_order.order.email],
    )  # fmt: skip
    sellers = owner_emails(claim.refurbisher)
    if sellers:
        sent += _send(
            subject, "claim_decided", _context(claim, audience="seller"), sellers
        )
    return sent


def claim_reminder_notify(*, claim_id: int) -> int:
    """Remind the seller's owners that a claim's answer is due soon."""
    claim = _email_claim(claim_id)
    to = owner_emails(claim.refurbisher)
    if not to:
        return 0
    return _send(
        gettext("ReMarket reminder: answer warranty claim %(claim)s by %(due)s")
        % {
            "claim": claim.pk,
            "due": local_words(claim.answer_due_at, claim.refurbisher.time_zone),
        },
        "claim_reminder",
        _context(claim),
        to,
        key=f"claim-reminder:{claim.pk}",
    )
