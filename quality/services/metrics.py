"""Seller metrics: each refurbisher's scorecard over a rolling window, in SQL.

``seller_metrics_compute`` writes one ``SellerMetrics`` row per refurbisher
(trial, active or suspended) and day with three set-based statements: the
figures of every refurbisher into a temporary table, the limits newly crossed,
then one ``INSERT ... ON CONFLICT (refurbisher, day) DO UPDATE`` that writes
only rows whose figures changed. No Python loop over orders.

What each figure means, over the seller orders paid in the window (the
refurbisher's *sales*; unpaid and void checkouts are not sales):

- order defect rate: sales with a return for the seller's fault (not
  withdrawn), a warranty claim, or a visible 1 or 2 star review, over sales;
- late shipment rate: sales flagged late or shipped after their ship-by time,
  over sales shipped or flagged late (an order still within its time is not
  judged yet);
- seller cancellation rate: sales the seller cancelled, over sales;
- valid tracking rate: shipped sales whose tracking number has its carrier's
  format (``orders.tracking``, as SQL regular expressions), over shipped sales;
- median first answer: shopper messages written in the window, the hours
  until the seller's first answer (a message still waiting counts the hours it
  has waited so far, so silence never looks fast);
- median claim resolution: warranty claims filed in the window, the hours
  until the shopper accepted the seller's solution or QA decided (an open
  claim counts the hours so far);
- rating: visible reviews written in the window, their average and count;
- trial pass rate: trial sales QA passed, over those passed or failed.

A rate is None when there was nothing to measure. The limits (settings) are
judged only from ``SELLER_METRICS_MIN_ORDERS`` orders. A refurbisher that newly
crosses one is flagged for a QA decision, with an audit row; QA decides on a
suspension with the admin's "Suspend refurbisher" action.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from orders.models import Carrier, ReturnStatus, SellerOrderStatus
from orders.tracking import ANY_FORMAT, FORMATS
from quality.models import SellerMetrics, TrialSaleVerdict
from quality.services.ranking import rank_recompute_soon
from refurbishers.models import (
    RefurbisherStatus,
)
from refurbishers.services.status import refurbisher_flag_for_qa

Status = RefurbisherStatus
# Refurbishers with a scorecard: those that sell or sold.
MEASURED_STATUSES = (Status.TRIAL, Status.ACTIVE, Status.SUSPENDED)


@dataclass(frozen=True)
class Limit:
    """One of the limits a refurbisher must stay within, in plain words."""

    metric: str
    label: str
    setting: str
    below: bool  # True: the rate must stay under the setting; False: at least it

    @property
    def value(self) -> float:
        return getattr(settings, self.setting)

    def describe(self) -> str:
        if self.below:
            return gettext("under %(value)s") % {"value": percent(self.value)}
        return gettext("at least %(value)s") % {"value": percent(self.value)}


LIMITS = (
    Limit(
        "defect_rate", gettext_lazy("Order defect rate"), "ORDER_DEFECT_RATE_MAX",
        True,
    ),
    Limit(
        "cancellation_rate", gettext_lazy("Seller cancellations"),
        "CANCELLATION_RATE_MAX", True,
    ),
    Limit(
        "late_shipment_rate", gettext_lazy("Late shipments"),
        "LATE_SHIPMENT_RATE_MAX", True,
    ),
    Limit(
        "valid_tracking_rate", gettext_lazy("Valid tracking numbers"),
        "VALID_TRACKING_RATE_MIN", False,
    ),
)  # fmt: skip
LIMITS_BY_METRIC = {limit.metric: limit for limit in LIMITS}

VALUE_COLUMNS = (
    "sales", "defect_rate", "late_shipment_rate", "cancellation_rate",
    "valid_tracking_rate", "median_first_answer_hours",
    "median_claim_resolution_hours", "rating_average", "rating_count",
    "trial_pass_rate", "thresholds_crossed",
)  # fmt: skip


def percent(rate: float) -> str:
    """0.025 as "2.5%", 0.01 as "1%"."""
    text = f"{rate * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def tracking_sql_patterns() -> dict[str, str]:
    """Each carrier's tracking format as a PostgreSQL regular expression.

    The same expressions as ``orders.tracking.FORMATS`` (anchored, because
    Python checks them with ``fullmatch``); carriers without a known format
    take ``ANY_FORMAT``. tests/quality/test_metrics.py checks that PostgreSQL
    and Python agree on samples of every carrier.
    """
    patterns = {carrier: f"^(?:{pattern.pattern})$" for carrier, (pattern, _) in
                FORMATS.items()}  # fmt: skip
    patterns[""] = f"^(?:{ANY_FORMAT[0].pattern})$"
    return patterns


def _tracking_case(params: dict) -> str:
    """A CASE giving the regular expression of ``s.carrier``'s format."""
    patterns = tracking_sql_patterns()
    whens = []
    for index, carrier in enumerate(c for c in Carrier.values if c in patterns):
        params[f"carrier_{index}"] = carrier
        params[f"pattern_{index}"] = patterns[carrier]
        whens.append(f"WHEN %(carrier_{index})s THEN %(pattern_{index})s")
    params["pattern_any"] = patterns[""]
    return f"(CASE s.carrier {' '.join(whens)} ELSE %(pattern_any)s END)"


def _figures_sql(params: dict) -> str:
    """Every measured refurbisher's figures over [start, stop), as one SELECT."""
    tracking = _tracking_case(params)
    return f"""
    WITH sales AS (
        SELECT s.id, s.refurbisher_id, s.ship_by, s.late_shipment,
               CASE WHEN s.shipped_at < %(stop)s THEN s.shipped_at END AS shipped_at,
               s.carrier, s.tracking_number,
               s.cancelled_by_seller AND s.cancelled_at < %(stop)s AS seller_cancelled
        FROM orders_sellerorder s
        WHERE s.paid_at >= %(start)s AND s.paid_at < %(stop)s
          AND s.status <> ALL(%(not_sales)s)
    ),
    per_sales AS (
        SELECT s.refurbisher_id,
            count(*) AS sales,
            count(*) FILTER (WHERE
                EXISTS (SELECT 1 FROM orders_returnrequest x
                        WHERE x.seller_order_id = s.id AND x.seller_at_fault
                          AND x.status <> %(withdrawn)s
                          AND x.created_at < %(stop)s)
                OR EXISTS (SELECT 1 FROM orders_warrantyclaim x
                           WHERE x.seller_order_id = s.id
                             AND x.created_at < %(stop)s)
                OR EXISTS (SELECT 1 FROM quality_sellerreview x
                           WHERE x.seller_order_id = s.id AND NOT x.hidden
                             AND x.rating <= 2 AND x.created_at < %(stop)s)
            ) AS defects,
            count(*) FILTER (WHERE s.shipped_at IS NOT NULL OR s.late_shipment)
                AS shipping_judged,
            count(*) FILTER (WHERE s.late_shipment OR s.shipped_at > s.ship_by)
                AS late,
            count(*) FILTER (WHERE s.seller_cancelled) AS cancelled,
            count(*) FILTER (WHERE s.shipped_at IS NOT NULL) AS shipped,
            count(*) FILTER (WHERE s.shipped_at IS NOT NULL
                             AND s.tracking_number ~ {tracking}) AS tracked
        FROM sales s
        GROUP BY s.refurbisher_id
    ),
    answers AS (
        SELECT s.refurbisher_id,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM
                   LEAST(COALESCE(m.answered_at, %(horizon)s), %(horizon)s)
                   - m.created_at) / 3600.0) AS hours
        FROM orders_message m
        JOIN orders_sellerorder s ON s.id = m.seller_order_id
        WHERE m.author = 'shopper'
          AND m.created_at >= %(start)s AND m.created_at < %(horizon)s
        GROUP BY s.refurbisher_id
    ),
    claims AS (
        SELECT c.refurbisher_id,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM
                   LEAST(COALESCE(CASE c.status WHEN 'accepted' THEN c.accepted_at
                                                WHEN 'resolved' THEN c.decided_at
                                  END, %(horizon)s), %(horizon)s)
                   - c.created_at) / 3600.0) AS hours
        FROM orders_warrantyclaim c
        WHERE c.created_at >= %(start)s AND c.created_at < %(horizon)s
        GROUP BY c.refurbisher_id
    ),
    ratings AS (
        SELECT refurbisher_id, avg(rating)::float8 AS average, count(*) AS count
        FROM quality_sellerreview
        WHERE NOT hidden AND created_at >= %(start)s AND created_at < %(stop)s
        GROUP BY refurbisher_id
    ),
    trial AS (
        SELECT refurbisher_id,
               count(*) FILTER (WHERE verdict = %(passed)s) AS passed,
               count(*) FILTER (WHERE verdict = ANY(%(decided)s)) AS decided
        FROM quality_trialsalereview
        WHERE created_at < %(stop)s
        GROUP BY refurbisher_id
    ),
    figures AS (
        SELECT r.id AS refurbisher_id,
               COALESCE(p.sales, 0) AS sales,
               p.defects::float8 / NULLIF(p.sales, 0) AS defect_rate,
               p.late::float8 / NULLIF(p.shipping_judged, 0) AS late_shipment_rate,
               p.cancelled::float8 / NULLIF(p.sales, 0) AS cancellation_rate,
               p.tracked::float8 / NULLIF(p.shipped, 0) AS valid_tracking_rate,
               a.hours AS median_first_answer_hours,
               c.hours AS median_claim_resolution_hours,
               g.average AS rating_average,
               COALESCE(g.count, 0) AS rating_count,
               t.passed::float8 / NULLIF(t.decided, 0) AS trial_pass_rate,
               COALESCE(p.shipping_judged, 0) AS shipping_judged,
               COALESCE(p.shipped, 0) AS shipped
        FROM refurbishers_refurbisher r
        LEFT JOIN per_sales p ON p.refurbisher_id = r.id
        LEFT JOIN answers a ON a.refurbisher_id = r.id
        LEFT JOIN claims c ON c.refurbisher_id = r.id
        LEFT JOIN ratings g ON g.refurbisher_id = r.id
        LEFT JOIN trial t ON t.refurbisher_id = r.id
        WHERE r.status = ANY(%(measured)s)
    )
    SELECT f.refurbisher_id, f.sales, f.defect_rate, f.late_shipment_rate,
           f.cancellation_rate, f.valid_tracking_rate,
           f.median_first_answer_hours, f.median_claim_resolution_hours,
           f.rating_average, f.rating_count, f.trial_pass_rate,
           to_jsonb(array_remove(ARRAY[
               CASE WHEN f.sales >= %(min_orders)s
                     AND f.defect_rate >= %(defect_max)s THEN 'defect_rate' END,
               CASE WHEN f.sales >= %(min_orders)s
                     AND f.cancellation_rate >= %(cancellation_max)s
                    THEN 'cancellation_rate' END,
               CASE WHEN f.shipping_judged >= %(min_orders)s
                     AND f.late_shipment_rate >= %(late_max)s
                    THEN 'late_shipment_rate' END,
               CASE WHEN f.shipped >= %(min_orders)s
                     AND f.valid_tracking_rate < %(tracking_min)s
                    THEN 'valid_tracking_rate' END
           ]::text[], NULL)) AS thresholds_crossed
    FROM figures f
    """


@dataclass
class MetricsReport:
    day: dt.date
    refurbishers: int = 0
    written: int = 0
    flagged: int = 0

    def as_dict(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "refurbishers": self.refurbishers,
            "written": self.written,
            "flagged": self.flagged,
        }


def window_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The window ending with ``day`` (UTC): [start, stop)."""
    stop = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, dt.UTC)
    return stop - dt.timedelta(days=settings.SELLER_METRICS_WINDOW_DAYS), stop


@transaction.atomic
def seller_metrics_compute(*, day: dt.date | None = None) -> MetricsReport:
    """Compute every refurbisher's metrics over the window ending ``day``.

    Idempotent: a second run the same day rewrites nothing and flags no one
    again. A refurbisher that crosses a limit it did not cross on its previous
    scorecard (or earlier the same day) is flagged for a QA decision. When a
    row changed, the rank scores are recomputed soon after commit.
    """
    now = timezone.now()
    day = day or timezone.localdate(now)
    start, stop = window_bounds(day)
    params = {
        "start": start,
        "stop": stop,
        "horizon": min(stop, now),
        "day": day,
        "window": settings.SELLER_METRICS_WINDOW_DAYS,
        "not_sales": [SellerOrderStatus.PENDING_PAYMENT, SellerOrderStatus.VOID],
        "withdrawn": ReturnStatus.WITHDRAWN,
        "passed": TrialSaleVerdict.PASSED,
        "decided": [TrialSaleVerdict.PASSED, TrialSaleVerdict.FAILED],
        "measured": list(MEASURED_STATUSES),
        "min_orders": settings.SELLER_METRICS_MIN_ORDERS,
        "defect_max": settings.ORDER_DEFECT_RATE_MAX,
        "cancellation_max": settings.CANCELLATION_RATE_MAX,
        "late_max": settings.LATE_SHIPMENT_RATE_MAX,
        "tracking_min": settings.VALID_TRACKING_RATE_MIN,
    }
    report = MetricsReport(day=day)
    columns = ", ".join(VALUE_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS metrics_new")
        cursor.execute(
            f"CREATE TEMP TABLE metrics_new ON COMMIT DROP AS {_figures_sql(params)}",
            params,
        )
        report.refurbishers = cursor.rowcount
        # Limits crossed now and not on the refurbisher's previous scorecard,
        # nor already on today's (a second run the same day flags no one).
        cursor.execute(
            """
            SELECT n.refurbisher_id, array(
                SELECT jsonb_array_elements_text(n.thresholds_crossed)
                EXCEPT
                SELECT jsonb_array_elements_text(
                    COALESCE(today.thresholds_crossed, '[]'::jsonb)
                    || COALESCE(before.thresholds_crossed, '[]'::jsonb))
            )
            FROM metrics_new n
            LEFT JOIN quality_sellermetrics today
                   ON today.refurbisher_id = n.refurbisher_id AND today.day = %(day)s
            LEFT JOIN LATERAL (
                SELECT thresholds_crossed FROM quality_sellermetrics b
                WHERE b.refurbisher_id = n.refurbisher_id AND b.day < %(day)s
                ORDER BY b.day DESC LIMIT 1
            ) before ON TRUE
            WHERE jsonb_array_length(n.thresholds_crossed) > 0
            ORDER BY n.refurbisher_id
            """,
            params,
        )
        newly_crossed = [(pk, names) for pk, names in cursor.fetchall() if names]
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in VALUE_COLUMNS)
        old = ", ".join(f"m.{c}" for c in VALUE_COLUMNS)
        new = ", ".join(f"EXCLUDED.{c}" for c in VALUE_COLUMNS)
        cursor.execute(
            f"""
            INSERT INTO quality_sellermetrics AS m
                (refurbisher_id, day, window_days, computed_at, {columns})
            SELECT refurbisher_id, %(day)s, %(window)s, now(), {columns}
            FROM metrics_new
            ON CONFLICT (refurbisher_id, day) DO UPDATE SET
                window_days = EXCLUDED.window_days, computed_at = now(), {updates}
            WHERE (m.window_days, {old}) IS DISTINCT FROM
                  (EXCLUDED.window_days, {new})
            """,
            params,
        )
        report.written = cursor.rowcount
        cursor.execute("DROP TABLE metrics_new")
    for refurbisher_id, names in newly_crossed:
        report.flagged += metrics_flag_for_qa(
            refurbisher_id=refurbisher_id, crossed=names, day=day
        )
    if report.written:
        rank_recompute_soon()
    return report


def crossed_words(crossed: list[str], figures: dict[str, float | None]) -> str:
    """ "late shipments 6% (limit: under 4%), ..." for the limits crossed."""
    parts = []
    for limit in LIMITS:
        if limit.metric in crossed:
            value = figures.get(limit.metric)
            shown = percent(value) if value is not None else "not measured"
            parts.append(f"{limit.label.lower()} {shown} (limit: {limit.describe()})")
    return ", ".join(parts)


def metrics_flag_for_qa(
    *, refurbisher_id: int, crossed: list[str], day: dt.date
) -> bool:
    """Ask QA to decide on a refurbisher whose metrics crossed a limit.

    The flag and its audit row are the refurbishers app's to write
    (``refurbisher_flag_for_qa``): a trial or active refurbisher gets
    ``needs_qa_decision`` with the reason. Returns whether it was flagged.
    """
    figures = (
        SellerMetrics.objects.filter(refurbisher_id=refurbisher_id, day=day)
        .values(*[limit.metric for limit in LIMITS])
        .first()
    ) or {}
    reason = (
        f"Seller metrics over the limits on {day:%d %B %Y}: "
        f"{crossed_words(crossed, figures)}. Decide whether to suspend."
    )
    return refurbisher_flag_for_qa(refurbisher_id=refurbisher_id, reason=reason)
