"""Warranties of delivered devices: one per shipped unit, from delivery.

A warranty lasts the listing's warranty months, never less than the market's
minimum (``Market.warranty_min_months``), and ends on the same day of the
month that many months later, or on the month's last day when that day does
not exist (31 August + 6 months ends on 28 or 29 February).
"""

from __future__ import annotations

import calendar
import datetime as dt
import secrets

from django.utils.translation import gettext_lazy

from marketplace.markets import MARKETS, PLATFORM_WARRANTY_MIN_MONTHS
from orders.models import OrderLine, SellerOrder, ShippedUnit, Warranty

# What every ReMarket warranty covers, shown on the order page and certificate.
COVERS = gettext_lazy("Faults of the device and its parts in normal use.")
EXCLUDES = (
    gettext_lazy("Accidental damage (drops, cracked screens)"),
    gettext_lazy("Liquid damage"),
    gettext_lazy("Opening or repair by anyone other than the seller"),
)


def months_add(moment: dt.datetime, months: int) -> dt.datetime:
    """Return ``moment`` plus ``months`` calendar months, the day clamped.

    Done on the wall clock of the moment's own time zone (UTC for the
    warranties, which are stored and compared in UTC).
    """
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def warranty_months_for(*, line: OrderLine, market: str) -> int:
    """The listing's warranty months, raised to the market's minimum if lower."""
    minimum = MARKETS[market].warranty_min_months if market in MARKETS else 0
    return max(line.warranty_months, minimum, PLATFORM_WARRANTY_MIN_MONTHS)


def warranties_create(
    *, seller_order: SellerOrder, starts_at: dt.datetime
) -> list[Warranty]:
    """Give each shipped unit of a seller order its warranty, from ``starts_at``.

    Called by ``seller_order_deliver`` with the seller order locked; a unit
    that has a warranty already keeps it (``unit`` is one-to-one).
    """
    starts_at = starts_at.astimezone(dt.UTC)
    market = seller_order.order.market
    units = (
        ShippedUnit.objects.filter(line__seller_order=seller_order, warranty=None)
        .select_related("line")
        .order_by("pk")
    )
    warranties = []
    for unit in units:
        months = warranty_months_for(line=unit.line, market=market)
        warranties.append(
            Warranty(
                unit=unit,
                line=unit.line,
                months=months,
                starts_at=starts_at,
                ends_at=months_add(starts_at, months),
                certificate_token=secrets.token_urlsafe(32),
            )
        )
    return Warranty.objects.bulk_create(warranties)
