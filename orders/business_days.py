"""Deadlines counted in business days, in a refurbisher's own time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SATURDAY = 5


def business_days_after(
    start: dt.datetime, *, days: int, time_zone: str
) -> dt.datetime:
    """Return the moment ``days`` business days after ``start``, local time kept.

    Counted on the calendar of ``time_zone``: Friday 17:00 in Paris plus two
    business days is Tuesday 17:00 in Paris, whatever the offset to UTC did in
    between (a summer-time change keeps the wall-clock time). Saturdays and
    Sundays are skipped; a start on a weekend counts from the next Monday's
    same time. Public holidays are not counted yet: they differ per country
    (and per region in Germany and Spain), so they need a calendar per market
    before a deadline can skip them.
    """
    zone = ZoneInfo(time_zone)
    local = start.astimezone(zone)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < SATURDAY:
            remaining -= 1
    naive = dt.datetime.combine(day, local.time().replace(tzinfo=None))
    return naive.replace(tzinfo=zone).astimezone(dt.UTC)
