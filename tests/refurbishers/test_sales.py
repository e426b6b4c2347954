"""The trial cap: sale slots under concurrency, the local day, expiry, confirm."""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from refurbishers.exceptions import SaleCapReached
from refurbishers.models import SaleDay, SaleSlot, SaleSlotStatus
from refurbishers.services import (
    refurbisher_suspend,
    sale_slot_confirm,
    sale_slot_release,
    sale_slot_reserve,
    sale_slots_expire,
    trial_end,
)
from tests.support.factories import make_listing
from tests.support.refurbisher_builders import qa_user_make, trial_refurbisher_make

THREADS = 24
CAP = 5
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def _cap_message(refurbisher, cap: int = CAP) -> str:
    return (
        f"{refurbisher.name} is a new seller on ReMarket and has reached today's "
        f"limit of {cap} sales. Choose another offer, or come back tomorrow."
    )


def _purchasable(listing) -> set[bool]:
    return set(listing.offers.values_list("is_purchasable", flat=True))


# --- Concurrency ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_against_a_cap_of_5_give_exactly_5_slots():
    """24 checkouts at once, each on its own connection: 5 win, 19 leave no trace."""
    _, refurbisher = trial_refurbisher_make(daily_sales_cap=CAP)
    barrier = threading.Barrier(THREADS)
    outcomes: dict[int, object] = {}

    def checkout(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[number] = sale_slot_reserve(
                refurbisher=refurbisher, reference=f"checkout:{number}:1"
            )
        except Exception as error:  # recorded, asserted below
            outcomes[number] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=checkout, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == THREADS
    won = {n: o for n, o in outcomes.items() if isinstance(o, SaleSlot)}
    refused = [o for o in outcomes.values() if isinstance(o, SaleCapReached)]
    assert len(won) == CAP, outcomes
    assert len(refused) == THREADS - CAP, outcomes
    assert {str(error) for error in refused} == {_cap_message(refurbisher)}
    # The database holds the 5 winners' slots and nothing of the others.
    slots = SaleSlot.objects.filter(refurbisher=refurbisher)
    assert sorted(slots.values_list("reference", flat=True)) == sorted(
        f"checkout:{n}:1" for n in won
    )
    assert set(slots.values_list("status", flat=True)) == {SaleSlotStatus.RESERVED}
    day = SaleDay.objects.get(refurbisher=refurbisher)
    assert (day.cap, day.reserved, day.confirmed) == (CAP, CAP, 0)


@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_and_reservations_never_pass_the_cap():
    """Checkouts paying while others start: the day's sum stays within the cap."""
    _, refurbisher = trial_refurbisher_make(daily_sales_cap=CAP)
    for number in range(3):
        sale_slot_reserve(refurbisher=refurbisher, reference=f"paying:{number}")
    barrier = threading.Barrier(THREADS)
    errors: list[Exception] = []

    def act(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            if number < 3:
                sale_slot_confirm(reference=f"paying:{number}")
            else:
                sale_slot_reserve(refurbisher=refurbisher, reference=f"new:{number}")
        except SaleCapReached:
            pass
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    day = SaleDay.objects.get(refurbisher=refurbisher)
    assert (day.reserved, day.confirmed) == (2, 3)
    live = SaleSlot.objects.filter(refurbisher=refurbisher)
    assert live.filter(status=SaleSlotStatus.CONFIRMED).count() == 3
    assert live.filter(status=SaleSlotStatus.RESERVED).count() == 2


# --- Confirm, release and the offers ------------------------------------------------


@pytest.mark.django_db
def test_the_fifth_confirmed_sale_hides_the_offers_and_a_release_brings_them_back():
    _, refurbisher = trial_refurbisher_make(daily_sales_cap=CAP)
    listing = make_listing(refurbisher=refurbisher)
    for number in range(CAP):
        sale_slot_reserve(refurbisher=refurbisher, reference=f"order:{number}")
    for number in range(CAP - 1):
        sale_slot_confirm(reference=f"order:{number}")
    assert _purchasable(listing) == {True}  # reserved slots do not hide offers

    sale_slot_confirm(reference=f"order:{CAP - 1}")

    assert _purchasable(listing) == {False}
    day = SaleDay.objects.get(refurbisher=refurbisher)
    assert (day.reserved, day.confirmed) == (0, CAP)
    with pytest.raises(SaleCapReached):
        sale_slot_reserve(refurbisher=refurbisher, reference="order:late")

    sale_slot_release(reference="order:2")  # a refund

    assert _purchasable(listing) == {True}
    day.refresh_from_db()
    assert (day.reserved, day.confirmed) == (0, CAP - 1)
    assert sale_slot_reserve(refurbisher=refurbisher, reference="order:late")


@pytest.mark.django_db
def test_confirming_or_releasing_twice_changes_nothing_more():
    _, refurbisher = trial_refurbisher_make(daily_sales_cap=CAP)
    sale_slot_reserve(refurbisher=refurbisher, reference="order:1")
    sale_slot_reserve(refurbisher=refurbisher, reference="order:2")

    sale_slot_confirm(reference="order:1")
    sale_slot_confirm(reference="order:1")
    sale_slot_release(reference="order:2")
    sale_slot_release(reference="order:2")

    day = SaleDay.objects.get(refurbisher=refurbisher)
    assert (day.reserved, day.confirmed) == (0, 1)


@pytest.mark.django_db
def test_reserving_again_with_the_same_reference_returns_the_same_slot():
    _, refurbisher = trial_refurbisher_make(daily_sales_cap=CAP)

    first = sale_slot_reserve(refurbisher=refurbisher, reference="checkout:7:3")
    again = sale_slot_reserve(refurbisher=refurbisher, reference="checkout:7:3")

    assert again.pk == first.pk
    assert SaleSlot.objects.count() == 1
    assert SaleDay.objects.get(refurbisher=refurbisher).reserved == 1


@pytest.mark.django_db
@pytest.mark.parametrize("leave", ["active", "suspended"])
def test_a_refurbisher_not_on_trial_gets_no_slot_and_no_rows(leave):
    _, refurbisher = trial_refurbisher_make(daily_sales_cap=CAP)
    qa = qa_user_make()
    if leave == "active":
        trial_end(refurbisher=refurbisher, actor=qa, reason="Graduated.")
    else:
        refurbisher_suspend(refurbisher=refurbisher, actor=qa, reason="Checks.")

    assert sale_slot_reserve(refurbisher=refurbisher, reference="checkout:1") is None
    assert sale_slot_confirm(reference="checkout:1") is None
    assert not SaleDay.objects.exists()
    assert not SaleSlot.objects.exists()


# --- The refurbisher's own calendar day ---------------------------------------------


def _new_york(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=NEW_YORK)


@pytest.mark.django_db
def test_2359_and_0001_local_time_count_on_different_sale_days():
    """In New York 23:59 and 00:01 fall on one UTC date but two local days."""
    _, refurbisher = trial_refurbisher_make(
        daily_sales_cap=1, country="US", time_zone="America/New_York"
    )
    day = dt.date(2026, 11, 26)
    late = _new_york(day, 23, 59)
    early = _new_york(day + timedelta(days=1), 0, 1)
    assert late.astimezone(dt.UTC).date() == early.astimezone(dt.UTC).date()

    sale_slot_reserve(refurbisher=refurbisher, reference="late", at=late)
    sale_slot_reserve(refurbisher=refurbisher, reference="early", at=early)

    days = dict(
        SaleDay.objects.filter(refurbisher=refurbisher).values_list(
            "local_date", "reserved"
        )
    )
    assert days == {day: 1, day + timedelta(days=1): 1}


@pytest.mark.django_db
def test_0001_and_2358_local_time_share_a_sale_day_across_two_utc_dates():
    _, refurbisher = trial_refurbisher_make(
        daily_sales_cap=1, country="US", time_zone="America/New_York"
    )
    day = dt.date(2026, 11, 26)
    early, late = _new_york(day, 0, 1), _new_york(day, 23, 58)
    assert early.astimezone(dt.UTC).date() != late.astimezone(dt.UTC).date()
    sale_slot_reserve(refurbisher=refurbisher, reference="early", at=early)

    with pytest.raises(SaleCapReached) as refused:
        sale_slot_reserve(refurbisher=refurbisher, reference="late", at=late)

    assert str(refused.value) == _cap_message(refurbisher, cap=1)
    assert SaleSlot.objects.filter(refurbisher=refurbisher).count() == 1


# --- Expiry -------------------------------------------------------------------------


@pytest.mark.django_db
def test_expiry_releases_only_reservations_whose_hold_ran_out():
    _, refurbisher = trial_refurbisher_make(daily_sales_cap=CAP)
    now = timezone.now()
    sale_slot_reserve(
        refurbisher=refurbisher, reference="old", at=now, hold=timedelta(minutes=5)
    )
    sale_slot_reserve(
        refurbisher=refurbisher, reference="fresh", at=now, hold=timedelta(minutes=30)
    )
    sale_slot_reserve(
        refurbisher=refurbisher, reference="paid", at=now, hold=timedelta(minutes=5)
    )
    sale_slot_confirm(reference="paid")

    released = sale_slots_expire(at=now + timedelta(minutes=10))

    assert released == 1
    statuses = dict(SaleSlot.objects.values_list("reference", "status"))
    assert statuses == {
        "old": SaleSlotStatus.RELEASED,
        "fresh": SaleSlotStatus.RESERVED,
        "paid": SaleSlotStatus.CONFIRMED,
    }
    day = SaleDay.objects.get(refurbisher=refurbisher)
    assert (day.reserved, day.confirmed) == (1, 1)
    assert sale_slots_expire(at=now + timedelta(minutes=10)) == 0


@pytest.mark.django_db
def test_a_payment_after_expiry_takes_a_slot_again_when_one_is_free():
    _, refurbisher = trial_refurbisher_make(daily_sales_cap=2)
    now = timezone.now()
    sale_slot_reserve(
        refurbisher=refurbisher, reference="slow", at=now, hold=timedelta(minutes=1)
    )
    sale_slots_expire(at=now + timedelta(minutes=2))

    slot = sale_slot_confirm(reference="slow")

    assert slot.status == SaleSlotStatus.CONFIRMED
    day = SaleDay.objects.get(refurbisher=refurbisher)
    assert (day.reserved, day.confirmed) == (0, 1)


@pytest.mark.django_db
def test_a_payment_after_expiry_is_refused_when_the_day_filled_up_meanwhile():
    _, refurbisher = trial_refurbisher_make(daily_sales_cap=1)
    now = timezone.now()
    sale_slot_reserve(
        refurbisher=refurbisher, reference="slow", at=now, hold=timedelta(minutes=1)
    )
    sale_slots_expire(at=now + timedelta(minutes=2))
    sale_slot_reserve(refurbisher=refurbisher, reference="quick")
    sale_slot_confirm(reference="quick")

    with pytest.raises(SaleCapReached) as refused:
        sale_slot_confirm(reference="slow")

    assert str(refused.value) == _cap_message(refurbisher, cap=1)
    assert SaleSlot.objects.get(reference="slow").status == SaleSlotStatus.RELEASED
    day = SaleDay.objects.get(refurbisher=refurbisher)
    assert (day.reserved, day.confirmed) == (0, 1)


@pytest.mark.django_db
def test_expiry_leaves_a_slot_that_was_confirmed_after_expiry_found_it():
    """Expiry reads references, then releases each: a payment may land between.

    The release it asks for holds only while the slot, locked, is still reserved
    and past its hold, so the paid sale is kept.
    """
    _, refurbisher = trial_refurbisher_make(daily_sales_cap=CAP)
    now = timezone.now()
    sale_slot_reserve(
        refurbisher=refurbisher, reference="race", at=now, hold=timedelta(minutes=1)
    )
    sale_slot_confirm(reference="race")  # the payment webhook wins the race

    kept = sale_slot_release(reference="race", expired_before=now + timedelta(hours=1))

    assert kept.status == SaleSlotStatus.CONFIRMED
    day = SaleDay.objects.get(refurbisher=refurbisher)
    assert (day.reserved, day.confirmed) == (0, 1)


@pytest.mark.django_db
def test_expiry_leaves_a_reservation_whose_hold_was_renewed():
    _, refurbisher = trial_refurbisher_make(daily_sales_cap=CAP)
    now = timezone.now()
    sale_slot_reserve(
        refurbisher=refurbisher, reference="hold", at=now, hold=timedelta(minutes=30)
    )

    kept = sale_slot_release(reference="hold", expired_before=now)

    assert kept.status == SaleSlotStatus.RESERVED
    assert SaleDay.objects.get(refurbisher=refurbisher).reserved == 1
