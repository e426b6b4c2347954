"""The seller overview's charts: sales and revenue per day over the last 90
days, by the refurbisher's own calendar (its time zone), revenue per currency.

One query for both charts: the days as a ``generate_series`` LEFT JOINed to
the refurbisher's sales grouped by local day and currency.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext

from marketplace.charts import Series, bar_chart
from marketplace.markets import MARKETS, get_market
from marketplace.money import format_money
from orders.models import SellerOrderStatus
from refurbishers.models import Refurbisher

CHART_DAYS = 90
# Captions compare the latest 30 days with the 30 before.
TREND_DAYS = 30
# A sale is a seller order paid and not cancelled since (a cancelled one was
# refunded in full): what the seller actually sold that day.
NOT_SALES = [
    SellerOrderStatus.PENDING_PAYMENT,
    SellerOrderStatus.VOID,
    SellerOrderStatus.CANCELLED,
]

SALES_SQL = """
WITH days AS (
    SELECT generate_series(%(first)s::date, %(last)s::date, interval '1 day')::date
        AS day
),
sold AS (
    SELECT (s.paid_at AT TIME ZONE %(time_zone)s)::date AS day, s.currency,
           count(*) AS sales, sum(s.total_amount) AS revenue
    FROM orders_sellerorder s
    WHERE s.refurbisher_id = %(refurbisher)s
      AND s.paid_at >= %(start)s AND s.paid_at < %(stop)s
      AND s.status <> ALL(%(not_sales)s)
    GROUP BY 1, 2
)
SELECT d.day, sold.currency, sold.sales, sold.revenue
FROM days d LEFT JOIN sold ON sold.day = d.day
ORDER BY d.day, sold.currency
"""


@dataclass
class SalesPerDay:
    """A refurbisher's sales and revenue per local day, oldest day first."""

    days: list[dt.date]
    sales: list[int]
    revenue: dict[str, list[Decimal]]  # per currency sold in, one amount a day
    time_zone: str

    @property
    def total_sales(self) -> int:
        return sum(self.sales)


def sales_per_day(
    *, refurbisher: Refurbisher, days: int = CHART_DAYS, today: dt.date | None = None
) -> SalesPerDay:
    """Sales and revenue per day over the ``days`` ending today, where the
    refurbisher works (an order paid at 23:30 UTC is the next day in Paris).
    One query."""
    zone = zoneinfo.ZoneInfo(refurbisher.time_zone)
    today = today or timezone.now().astimezone(zone).date()
    first = today - dt.timedelta(days=days - 1)
    # Local midnights, so a day is whole whatever its length (summer time).
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    stop = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    with connection.cursor() as cursor:
        cursor.execute(
            SALES_SQL,
            {
                "first": first,
                "last": today,
                "time_zone": refurbisher.time_zone,
                "refurbisher": refurbisher.pk,
                "start": start,
                "stop": stop,
                "not_sales": [str(status) for status in NOT_SALES],
            },
        )
        rows = cursor.fetchall()
    index = {first + dt.timedelta(days=n): n for n in range(days)}
    sales = [0] * days
    revenue: dict[str, list[Decimal]] = {}
    for day, currency, count, amount in rows:
        if currency is None:
            continue
        sales[index[day]] += count
        revenue.setdefault(currency, [Decimal("0.00")] * days)[index[day]] = amount
    return SalesPerDay(
        days=list(index),
        sales=sales,
        revenue=dict(sorted(revenue.items())),
        time_zone=refurbisher.time_zone,
    )


# --- The charts ---------------------------------------------------------------------


@dataclass
class OverviewCharts:
    sales: SafeString
    revenue: list[SafeString]  # one per currency sold in
    time_zone: str
    any_sales: bool


def _trend(recent_text: str, before_text: str, change: int) -> str:
    """ "12 sales in the last 30 days, up from 8 in the 30 days before." """
    values = {"recent": recent_text, "before": before_text, "days": TREND_DAYS}
    if change > 0:
        text = gettext(
            "%(recent)s in the last %(days)s days, up from %(before)s in the "
            "%(days)s days before."
        )
    elif change < 0:
        text = gettext(
            "%(recent)s in the last %(days)s days, down from %(before)s in the "
            "%(days)s days before."
        )
    else:
        text = gettext(
            "%(recent)s in the last %(days)s days, the same as in the %(days)s "
            "days before."
        )
    return text % values


def _sales_words(count: int) -> str:
    return ngettext("%(count)s sale", "%(count)s sales", count) % {"count": count}


def sales_caption(sales: list[int]) -> str:
    """The sales chart's caption in plain words."""
    recent = sum(sales[-TREND_DAYS:])
    before = sum(sales[-2 * TREND_DAYS : -TREND_DAYS])
    text = _trend(_sales_words(recent), _sales_words(before), recent - before)
    if len(sales) > 2 * TREND_DAYS:
        text += " " + gettext("%(sales)s over %(days)s days.") % {
            "sales": _sales_words(sum(sales)),
            "days": len(sales),
        }
    return text


def revenue_caption(amounts: list[Decimal], currency: str, country: str) -> str:
    """The revenue chart's caption, amounts written as the seller's market does."""
    market = get_market(country) or next(iter(MARKETS.values()))
    recent = sum(amounts[-TREND_DAYS:], Decimal(0))
    before = sum(amounts[-2 * TREND_DAYS : -TREND_DAYS], Decimal(0))
    change = (recent > before) - (recent < before)
    return _trend(
        format_money(recent, currency, market),
        format_money(before, currency, market),
        change,
    )


def _day_label(day: dt.date) -> str:
    return dateformat.format(day, "j M")


def overview_charts(*, refurbisher: Refurbisher) -> OverviewCharts:
    """The overview's charts of the refurbisher's sales and revenue (one query)."""
    data = sales_per_day(refurbisher=refurbisher)
    labels = [_day_label(day) for day in data.days]
    market = get_market(refurbisher.country) or next(iter(MARKETS.values()))
    sales = bar_chart(
        chart_id="chart-sales",
        title=gettext("Sales per day"),
        caption=sales_caption(data.sales),
        labels=labels,
        series=Series(gettext("Sales"), data.sales),
        value_text=lambda value: _sales_words(int(value)),
        whole=True,
        headers=(gettext("Day"), gettext("Sales")),
        empty=gettext(
            "No sales in the last %(days)s days yet. Each paid order will show "
            "here on its day."
        )
        % {"days": len(data.days)},
    )
    revenue = [
        bar_chart(
            chart_id=f"chart-revenue-{currency.lower()}",
            title=gettext("Revenue per day in %(currency)s") % {"currency": currency},
            caption=revenue_caption(amounts, currency, refurbisher.country),
            labels=labels,
            series=Series(
                gettext("Revenue (%(currency)s)") % {"currency": currency},
                amounts,
                tone="strong",
            ),
            value_text=lambda value, currency=currency: format_money(
                value, currency, market
            ),
            tick_text=lambda value, currency=currency: format_money(
                value, currency, market, whole=True
            ),
            headers=(
                gettext("Day"),
                gettext("Revenue (%(currency)s)") % {"currency": currency},
            ),
            empty=gettext("No revenue in %(currency)s in the last %(days)s days.")
            % {"currency": currency, "days": len(data.days)},
        )
        for currency, amounts in data.revenue.items()
    ]
    return OverviewCharts(
        sales=sales,
        revenue=revenue,
        time_zone=data.time_zone,
        any_sales=data.total_sales > 0,
    )
