"""The performance page's charts: the seller's metrics over the last 90 days
against their limits, and where the points of its lowest-scored listings go.

The metrics come from one query (the days as a ``generate_series`` LEFT
JOINed to the daily ``SellerMetrics`` rows); the rank parts chart reuses the
listings the page already loaded, so it costs nothing more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from listings.rank_weights import PARTS
from marketplace.charts import (
    LimitLine,
    Series,
    StackRow,
    as_decimal,
    line_chart,
    nice_max,
    stacked_bars,
)
from quality.selectors_metrics import PART_LABELS, ListingScore
from quality.services.metrics import LIMITS_BY_METRIC, Limit, percent
from refurbishers.models import Refurbisher

CHART_DAYS = 90
# The metrics with a limit, in the order the page shows them.
CHARTED = (
    "defect_rate",
    "late_shipment_rate",
    "cancellation_rate",
    "valid_tracking_rate",
)
# The lowest-scored listings shown in the rank parts chart.
PARTS_CHART_ROWS = 8
PART_TONES = {
    "device": "accent",
    "seller": "strong",
    "service": "warn",
    "price": "muted",
}

METRICS_SQL = f"""
SELECT d.day::date, {", ".join(f"m.{name}" for name in CHARTED)}
FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') AS d(day)
LEFT JOIN quality_sellermetrics m
       ON m.day = d.day::date AND m.refurbisher_id = %(refurbisher)s
ORDER BY d.day
"""


@dataclass
class MetricsHistory:
    """A refurbisher's daily metrics, oldest day first; None where not measured."""

    days: list[dt.date]
    rates: dict[str, list[float | None]]  # per metric of CHARTED, one a day

    @property
    def measured(self) -> bool:
        return any(v is not None for values in self.rates.values() for v in values)


def metrics_history(
    *, refurbisher: Refurbisher, days: int = CHART_DAYS, today: dt.date | None = None
) -> MetricsHistory:
    """The refurbisher's rates with a limit over the ``days`` ending today (the
    days the nightly count uses). One query."""
    today = today or timezone.localdate()
    first = today - dt.timedelta(days=days - 1)
    with connection.cursor() as cursor:
        cursor.execute(
            METRICS_SQL, {"first": first, "last": today, "refurbisher": refurbisher.pk}
        )
        rows = cursor.fetchall()
    return MetricsHistory(
        days=[row[0] for row in rows],
        rates={name: [row[1 + n] for row in rows] for n, name in enumerate(CHARTED)},
    )


# --- Words ----------------------------------------------------------------------


def over_limit(value: float, limit: Limit) -> bool:
    """Whether a rate is on the wrong side of its limit (as the nightly count
    judges it: a rate at the maximum is over)."""
    return value >= limit.value if limit.below else value < limit.value


def metric_caption(
    days: list[dt.date], values: list[float | None], limit: Limit
) -> str:
    """ "0.8% on 26 Nov, within the limit (under 1%). Over it on 3 of the 40
    days measured." """
    measured = [(day, v) for day, v in zip(days, values, strict=True) if v is not None]
    day, latest = measured[-1]
    figures = {
        "value": percent(latest),
        "day": _day_label(day),
        "limit": limit.describe(),
    }
    if over_limit(latest, limit):
        text = gettext("%(value)s on %(day)s, over the limit (%(limit)s).") % figures
    else:
        text = gettext("%(value)s on %(day)s, within the limit (%(limit)s).") % figures
    over = sum(over_limit(v, limit) for _, v in measured)
    count = len(measured)
    if count == 1:
        return text  # the first day measured: nothing to add up yet
    if over:
        text += " " + gettext("Over it on %(over)s of the %(count)s days measured.") % {
            "over": over,
            "count": count,
        }
    else:
        text += " " + gettext(
            "Within it on every one of the %(count)s days measured."
        ) % {"count": count}
    return text


def _day_label(day: dt.date) -> str:
    return dateformat.format(day, "j M")


def _rate_text(value: Decimal) -> str:
    return percent(float(value))


def _top(values: list[float | None], limit: Limit) -> Decimal:
    """The axis top: room above the limit and the highest value, at most 100%."""
    highest = max([v for v in values if v is not None] + [limit.value * 1.25])
    return min(nice_max(as_decimal(highest)), Decimal(1))


# --- The charts -------------------------------------------------------------------


@dataclass
class PerformanceCharts:
    metrics: list[SafeString]  # one per metric with a limit
    measured: bool  # any figure at all in the last 90 days
    parts: SafeString
    parts_shown: bool  # the parts chart has bars (else it is its empty state)


def metric_charts(history: MetricsHistory) -> list[SafeString]:
    labels = [_day_label(day) for day in history.days]
    charts = []
    for name in CHARTED:
        limit = LIMITS_BY_METRIC[name]
        values = history.rates[name]
        known = any(v is not None for v in values)
        charts.append(
            line_chart(
                chart_id=f"chart-{name.replace('_', '-')}",
                title=limit.label,
                caption=metric_caption(history.days, values, limit) if known else "",
                labels=labels,
                series=[Series(limit.label, values)],
                value_text=_rate_text,
                limit=LimitLine(
                    limit.value,
                    gettext("Limit: %(limit)s") % {"limit": limit.describe()},
                ),
                y_max=_top(values, limit),
                empty=gettext("Not measured in the last %(days)s days yet.")
                % {"days": len(labels)},
            )
        )
    return charts


def parts_chart(rows: list[ListingScore], weights: dict[str, float]) -> SafeString:
    """Where the points of the lowest-scored listings (of the rows given) go,
    in the market where each scores lowest. No query."""
    ranked = [row for row in rows if row.lowest and row.lowest.ranked]
    bars = []
    for row in ranked[:PARTS_CHART_ROWS]:
        offer = row.lowest
        bars.append(
            StackRow(
                label=f"{row.listing.sku} · {row.title}"[:64],
                values=[
                    # Points, as the page's weights give them (value 0 to 1).
                    Decimal(str(round(offer.parts[part] * weights[part], 1)))
                    for part in PARTS
                ],
                note=gettext("%(score)s of 100 in %(market)s")
                % {"score": f"{offer.score:.0f}", "market": offer.market_name},
            )
        )
    worst = ranked[0] if ranked else None
    caption = ""
    if worst is not None and worst.weakest:
        # One whole sentence per part (the part's name sits inside it).
        sentence = {
            "device": gettext(
                "%(sku)s scores lowest, %(score)s of 100; its device part has the "
                "most to gain (%(gain)s points)."
            ),
            "seller": gettext(
                "%(sku)s scores lowest, %(score)s of 100; its seller part has the "
                "most to gain (%(gain)s points)."
            ),
            "service": gettext(
                "%(sku)s scores lowest, %(score)s of 100; its service part has the "
                "most to gain (%(gain)s points)."
            ),
            "price": gettext(
                "%(sku)s scores lowest, %(score)s of 100; its price part has the "
                "most to gain (%(gain)s points)."
            ),
        }[worst.weakest]
        caption = sentence % {
            "sku": worst.listing.sku,
            "score": f"{worst.lowest.score:.0f}",
            "gain": f"{worst.gain:.0f}",
        }
    return stacked_bars(
        chart_id="chart-rank-parts",
        title=gettext("Where your lowest scores lose points"),
        caption=caption,
        parts=[(PART_LABELS[part], PART_TONES[part]) for part in PARTS],
        rows=bars,
        total=100,
        value_text=lambda value: (
            gettext("%(points)s points") % {"points": f"{value.normalize():f}"}
        ),
        header=gettext("Listing"),
        empty=gettext("No ranked listings yet: scores are updated every few minutes."),
    )


def performance_charts(
    *,
    refurbisher: Refurbisher,
    rows: list[ListingScore],
    weights: dict[str, float],
) -> PerformanceCharts:
    """The performance page's charts: one query (the metrics history)."""
    history = metrics_history(refurbisher=refurbisher)
    return PerformanceCharts(
        metrics=metric_charts(history),
        measured=history.measured,
        parts=parts_chart(rows, weights),
        parts_shown=any(row.lowest and row.lowest.ranked for row in rows),
    )
