"""The trial cap: sale slots a checkout reserves, confirms on payment, or releases.

How the cap holds under concurrency: each trial refurbisher has one
``SaleDay`` row per local calendar day. Reserving is a single conditional
``UPDATE ... SET reserved = reserved + 1 WHERE reserved + confirmed < cap``.
PostgreSQL takes the row's lock for the UPDATE, so concurrent reservations
for one refurbisher queue on that row; each re-reads the row once the one
before it commits (READ COMMITTED re-evaluates the WHERE on the new row
version), so the condition is always checked against the latest counts and
exactly ``cap`` reservations succeed. A ``CheckConstraint`` on the same sum is
the last guard if code ever got it wrong. This locks one small row per
refurbisher and day instead of the refurbisher row, so a QA edit of the
refurbisher does not wait for checkouts (and the other way round).

Lock order with the rest of a checkout: listing stock rows first (by pk),
then sale days (by refurbisher pk), then the order.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext

from refurbishers.events import selling_changed
from refurbishers.exceptions import SaleCapReached
from refurbishers.models import (
    Refurbisher,
    RefurbisherStatus,
    SaleDay,
    SaleSlot,
    SaleSlotStatus,
)

LIVE = (SaleSlotStatus.RESERVED, SaleSlotStatus.CONFIRMED)
EXPIRY_BATCH = 500


def local_date(refurbisher: Refurbisher, at: dt.datetime | None = None) -> dt.date:
    """The calendar day it is (or was at ``at``) where the refurbisher works."""
    at = at or timezone.now()
    return at.astimezone(zoneinfo.ZoneInfo(refurbisher.time_zone)).date()


def _sale_day(refurbisher: Refurbisher, day: dt.date) -> SaleDay:
    try:
        with transaction.atomic():
            sale_day, _ = SaleDay.objects.get_or_create(
                refurbisher=refurbisher,
                local_date=day,
                defaults={"cap": refurbisher.daily_sales_cap},
            )
    except IntegrityError:
        # Another checkout created today's row first: use it.
        sale_day = SaleDay.objects.get(refurbisher=refurbisher, local_date=day)
    return sale_day


def _cap_reached(refurbisher: Refurbisher, cap: int) -> SaleCapReached:
    return SaleCapReached(
        gettext(
            "%(name)s is a new seller on ReMarket and has reached "
            "today's limit of %(cap)s sales. Choose another offer, or "
            "come back tomorrow."
        )
        % {"name": refurbisher.name, "cap": cap}
    )


@transaction.atomic
def sale_slot_reserve(
    *,
    refurbisher: Refurbisher,
    reference: str,
    at: dt.datetime | None = None,
    hold: timedelta | None = None,
) -> SaleSlot | None:
    """Hold one of today's sale slots for a checkout; None if not on trial.

    Idempotent per ``reference``: reserving again returns the live slot.
    Raises SaleCapReached, leaving nothing written, when the day is full.
    """
    existing = SaleSlot.objects.filter(reference=reference, status__in=LIVE).first()
    if existing is not None:
        return existing
    refurbisher = Refurbisher.objects.get(pk=refurbisher.pk)
    if refurbisher.status != RefurbisherStatus.TRIAL:
        return None
    at = at or timezone.now()
    sale_day = _sale_day(refurbisher, local_date(refurbisher, at))
    hold = hold or timedelta(minutes=settings.SALE_SLOT_HOLD_MINUTES)
    try:
        with transaction.atomic():
            taken = (
                SaleDay.objects.filter(
                    pk=sale_day.pk, cap__gt=F("reserved") + F("confirmed")
                ).update(reserved=F("reserved") + 1)
            )  # fmt: skip
            if not taken:
                raise _cap_reached(refurbisher, sale_day.cap)
            return SaleSlot.objects.create(
                sale_day=sale_day,
                refurbisher=refurbisher,
                reference=reference,
                expires_at=at + hold,
            )
    except IntegrityError:
        # The same reference reserved at the same moment by a retried request:
        # its slot won; this attempt's count went back with the savepoint.
        return SaleSlot.objects.get(reference=reference, status__in=LIVE)


def _live_slot(reference: str) -> SaleSlot | None:
    return (
        SaleSlot.objects.select_for_update()
        .filter(reference=reference)
        .order_by("-pk")
        .first()
    )


@transaction.atomic
def sale_slot_confirm(*, reference: str) -> SaleSlot | None:
    """Turn a reserved slot into a sale when the payment succeeded.

    A slot that expired before the payment came is taken again if the day
    still has room; otherwise SaleCapReached tells the caller to refund.
    None when the reference holds no slot (a seller not on trial).
    """
    slot = _live_slot(reference)
    if slot is None or slot.status == SaleSlotStatus.CONFIRMED:
        return slot
    if slot.status == SaleSlotStatus.RESERVED:
        updated = SaleDay.objects.filter(pk=slot.sale_day_id).update(
            reserved=F("reserved") - 1, confirmed=F("confirmed") + 1
        )
    else:
        updated = SaleDay.objects.filter(
            pk=slot.sale_day_id, cap__gt=F("reserved") + F("confirmed")
        ).update(confirmed=F("confirmed") + 1)
        if not updated:
            raise _cap_reached(slot.refurbisher, slot.sale_day.cap)
    slot.status = SaleSlotStatus.CONFIRMED
    slot.save(update_fields=["status", "updated_at"])
    # A full day takes the refurbisher's listings off the site until midnight.
    selling_changed.send(sender=Refurbisher, refurbisher_ids=[slot.refurbisher_id])
    return slot


@transaction.atomic
def sale_slot_release(
    *, reference: str, expired_before: dt.datetime | None = None
) -> SaleSlot | None:
    """Give a slot back: payment failed, the hold expired or the sale was cancelled.

    With ``expired_before`` (expiry's call) only a slot still reserved and
    past its hold is released: the check runs on the locked row, so a payment
    confirmed since expiry read the reference keeps its sale.
    """
    slot = _live_slot(reference)
    if slot is None or slot.status == SaleSlotStatus.RELEASED:
        return slot
    if expired_before is not None and (
        slot.status != SaleSlotStatus.RESERVED or slot.expires_at >= expired_before
    ):
        return slot
    counter = "reserved" if slot.status == SaleSlotStatus.RESERVED else "confirmed"
    SaleDay.objects.filter(pk=slot.sale_day_id).update(**{counter: F(counter) - 1})
    was_confirmed = slot.status == SaleSlotStatus.CONFIRMED
    slot.status = SaleSlotStatus.RELEASED
    slot.save(update_fields=["status", "updated_at"])
    if was_confirmed:
        selling_changed.send(sender=Refurbisher, refurbisher_ids=[slot.refurbisher_id])
    return slot


def sale_slots_expire(*, at: dt.datetime | None = None) -> int:
    """Release reservations whose hold has run out, in bounded batches."""
    at = at or timezone.now()
    released = 0
    while True:
        references = list(
            SaleSlot.objects.filter(status=SaleSlotStatus.RESERVED, expires_at__lt=at)
            .order_by("pk")
            .values_list("reference", flat=True)[:EXPIRY_BATCH]
        )
        for reference in references:
            slot = sale_slot_release(reference=reference, expired_before=at)
            released += slot is not None and slot.status == SaleSlotStatus.RELEASED
        if len(references) < EXPIRY_BATCH:
            return released


@transaction.atomic
def sale_day_cap_update(*, refurbisher: Refurbisher) -> int:
    """Apply a changed cap to today's and later sale days (never below their use)."""
    today = local_date(refurbisher)
    return SaleDay.objects.filter(
        refurbisher=refurbisher, local_date__gte=today
    ).update(
        cap=Greatest(Value(refurbisher.daily_sales_cap), F("reserved") + F("confirmed"))
    )


def trial_caps_refresh() -> int:
    """Re-show capped trial listings once it is a new day where their seller works.

    Returns how many offers changed (the listeners of ``selling_changed`` say).
    """
    trial_ids = list(
        Refurbisher.objects.filter(status=RefurbisherStatus.TRIAL).values_list(
            "pk", flat=True
        )
    )
    if not trial_ids:
        return 0
    answers = selling_changed.send(sender=Refurbisher, refurbisher_ids=trial_ids)
    return sum(changed for _, changed in answers if isinstance(changed, int))
