"""Every offer's rank score: what the featured offer and the "recommended" sort use.

An offer's score runs 0 to 100: the weighted sum (``RANK_WEIGHT_*`` settings,
read by ``listings.rank_weights.Weights``) of four parts, each 0 to 1 and
stored on the offer so pages can explain it:

- device: the grade, the battery guaranteed, and the warranty months beyond
  the market's minimum;
- seller: the refurbisher's public rating (``rating_average`` and
  ``rating_count``, kept from its visible reviews by
  ``quality.services.reviews``), its order defect, late shipment and seller
  cancellation rates (its latest ``SellerMetrics``), and whether it is still
  on trial;
- service: how fast it first answers shoppers' messages and how fast its
  warranty claims are settled;
- price: the offer's price with shipping against the cheapest purchasable
  offer of the same variant and grade in the same market.

A figure with nothing to measure yet (a new seller) counts as
``NEUTRAL``; a rate measured on few orders is pulled towards it, so one bad
order of a new seller does not sink it.

``rank_scores_recompute`` computes every offer in set-based SQL and writes
only the offers whose score or parts changed; ``offers_refresh`` never touches
them. Runs are serialized by a PostgreSQL advisory lock, so two at once (beat
and an event, two workers) queue up and the second finds nothing to write.
``rank_recompute_soon`` is what an event calls (a review, a metrics update,
``listings.events.offers_changed`` when stock, status, grade, warranty or a
price moved): a burst of events schedules one recompute. Claims, returns and
late shipments reach the score through the daily seller metrics, whose update
is such an event.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from listings.rank_weights import Weights
from listings.services import catalog_version_bump
from marketplace.markets import MARKETS
from refurbishers.models import RefurbisherStatus

logger = logging.getLogger(__name__)

NEUTRAL = 0.5
GRADE_POINTS = {"P": 1.0, "A": 0.8, "B": 0.55, "C": 0.3}
# Device part: the grade weighs most, then battery and warranty beyond the minimum.
DEVICE_GRADE, DEVICE_BATTERY, DEVICE_WARRANTY = 0.6, 0.2, 0.2
# Twelve months beyond the market's minimum earn the whole warranty share.
WARRANTY_FULL_EXTRA_MONTHS = 12
# Seller part: rating, order defects, late shipments, seller cancellations.
SELLER_RATING, SELLER_DEFECTS, SELLER_LATE, SELLER_CANCELLED = 0.35, 0.3, 0.2, 0.15
# A rate at twice its limit (settings) scores 0; none at all scores 1.
RATE_ZERO_AT_LIMIT_TIMES = 2
# A refurbisher on trial has not proved itself yet.
TRIAL_FACTOR = 0.9
# The rating is smoothed towards a prior of 4.0 stars worth five reviews; a
# smoothed 5.0 scores 1, 4.0 scores NEUTRAL, 3.0 or less scores 0.
RATING_PRIOR, RATING_PRIOR_WEIGHT = 4.0, 5
# Service part: first answers (full marks within 2 hours, none after 48) and
# claim settlement (full within 3 days, none after 14).
SERVICE_ANSWER, SERVICE_CLAIMS = 0.6, 0.4
ANSWER_GOOD_HOURS, ANSWER_BAD_HOURS = 2.0, 48.0
CLAIM_GOOD_HOURS, CLAIM_BAD_HOURS = 72.0, 336.0
# Price part: the cheapest scores 1, one 25% or more above it scores 0.
PRICE_ZERO_ABOVE = 0.25

# The seller and service parts move in steps of 1/20 (1.5 and 0.75 points at
# the default weights): a seller's figures drifting a little from one day to
# the next (noise) neither reshuffles the shop nor rewrites its every offer.
# The device part is stored to two decimals, the price part to three (a small
# price change counts), the score to two.
SELLER_STEPS, PART_PLACES, PRICE_PLACES, SCORE_PLACES = 20, 2, 3, 2

# pg_advisory_lock key of the recompute (any fixed 64-bit number of our own).
RECOMPUTE_LOCK_KEY = 0x52414E4B  # "RANK"
SOON_KEY = "quality:rank-recompute-soon"


@dataclass
class RecomputeReport:
    offers_written: int = 0
    chunks: int = 0
    seconds: float = 0.0


def _clamp(expression: str) -> str:
    return f"LEAST(1.0, GREATEST(0.0, {expression}))"


def _rate_part(column: str, limit: float) -> str:
    """1 for no incident, 0 at twice the limit, pulled towards NEUTRAL when the
    refurbisher has few sales; NEUTRAL when nothing was measured.

    (GREATEST and LEAST skip NULLs, so the NULL test comes first.)
    """
    zero_at = RATE_ZERO_AT_LIMIT_TIMES * limit
    raw = _clamp(f"1.0 - m.{column} / {zero_at}")
    k = settings.SELLER_METRICS_MIN_ORDERS
    return (
        f"(CASE WHEN m.{column} IS NULL THEN {NEUTRAL} ELSE "
        f"({NEUTRAL} * {k} + {raw} * m.sales) / ({k} + m.sales) END)"
    )


def _hours_part(column: str, good: float, bad: float) -> str:
    return (
        f"(CASE WHEN m.{column} IS NULL THEN {NEUTRAL} ELSE "
        f"{_clamp(f'1.0 - (m.{column} - {good}) / {bad - good}')} END)"
    )


def _seller_parts_sql() -> str:
    """Per refurbisher: its seller and service parts (a few thousand rows)."""
    smoothed = (
        f"((COALESCE(r.rating_average, 0) * r.rating_count "
        f"+ {RATING_PRIOR} * {RATING_PRIOR_WEIGHT}) "
        f"/ (r.rating_count + {RATING_PRIOR_WEIGHT}))"
    )
    rating = _clamp(f"({smoothed} - 3.0) / 2.0")
    seller = (
        f"({SELLER_RATING} * {rating}"
        f" + {SELLER_DEFECTS} * {_rate_part('defect_rate', settings.ORDER_DEFECT_RATE_MAX)}"  # noqa: E501
        f" + {SELLER_LATE} * {_rate_part('late_shipment_rate', settings.LATE_SHIPMENT_RATE_MAX)}"  # noqa: E501
        f" + {SELLER_CANCELLED} * {_rate_part('cancellation_rate', settings.CANCELLATION_RATE_MAX)})"  # noqa: E501
        f" * (CASE WHEN r.status = '{RefurbisherStatus.TRIAL}' THEN {TRIAL_FACTOR}"
        " ELSE 1.0 END)"
    )
    answer = _hours_part(
        "median_first_answer_hours", ANSWER_GOOD_HOURS, ANSWER_BAD_HOURS
    )
    claims = _hours_part(
        "median_claim_resolution_hours", CLAIM_GOOD_HOURS, CLAIM_BAD_HOURS
    )
    service = f"({SERVICE_ANSWER} * {answer} + {SERVICE_CLAIMS} * {claims})"
    return f"""
        SELECT r.id AS refurbisher_id,
               {_stepped(f"({seller})::float8", SELLER_STEPS)} AS seller,
               {_stepped(f"({service})::float8", SELLER_STEPS)} AS service
        FROM refurbishers_refurbisher r
        LEFT JOIN LATERAL (
            SELECT * FROM quality_sellermetrics x
            WHERE x.refurbisher_id = r.id ORDER BY x.day DESC LIMIT 1
        ) m ON TRUE
    """


def _float(value: float) -> str:
    """A float8 literal: the per-offer arithmetic stays in double precision,
    several times faster than numeric over millions of offers."""
    return f"{float(value)!r}::float8"


def _rounded(expression: str, places: int) -> str:
    """Round a float8 to ``places`` decimals, in float8 (deterministic, so an
    unchanged input gives the same stored value and the row is not written)."""
    scale = _float(10**places)
    return f"(round(({expression}) * {scale}) / {scale})"


def _stepped(expression: str, steps: int) -> str:
    """Round a float8 to the nearest 1/``steps``."""
    return f"(round(({expression}) * {_float(steps)}) / {_float(steps)})"


def _market_minimum_sql(column: str) -> str:
    cases = " ".join(
        f"WHEN '{code}' THEN {market.warranty_min_months}"
        for code, market in MARKETS.items()
    )
    return f"(CASE {column} {cases} ELSE 6 END)"


def _device_parts_sql() -> str:
    """Per (grade, battery, warranty, market) present: the device part."""
    one, zero = _float(1), _float(0)
    grade = " ".join(f"WHEN '{g}' THEN {_float(p)}" for g, p in GRADE_POINTS.items())
    extra = f"GREATEST(0, warranty_months - {_market_minimum_sql('market')})"
    battery = f"LEAST({one}, GREATEST({zero}, (battery_min_pct - 80) / {_float(20)}))"
    warranty = f"LEAST({one}, {extra} / {_float(WARRANTY_FULL_EXTRA_MONTHS)})"
    device = (
        f"{_float(DEVICE_GRADE)} * (CASE grade {grade} ELSE {zero} END)"
        f" + {_float(DEVICE_BATTERY)} * {battery}"
        f" + {_float(DEVICE_WARRANTY)} * {warranty}"
    )
    return f"""
        SELECT grade, battery_min_pct, warranty_months, market,
               {_rounded(device, PART_PLACES)} AS device
        FROM (SELECT DISTINCT grade, battery_min_pct, warranty_months, market
              FROM listings_offer) d
    """


def _offer_parts_sql(weights: Weights) -> str:
    """Per offer of an id range: the four parts and the score (float8 only)."""
    one, zero, neutral = _float(1), _float(0), _float(NEUTRAL)
    # Against the cheapest purchasable offer of the variant and grade in the
    # market; 1 when it is the cheapest (or alone, or cheaper than all that
    # can be bought).
    price = (
        f"CASE WHEN f.floor IS NULL OR o.total <= f.floor THEN {one} ELSE "
        + _rounded(
            f"GREATEST({zero}, {one} - (o.total / f.floor - {one})"
            f" / {_float(PRICE_ZERO_ABOVE)})",
            PRICE_PLACES,
        )
        + " END"
    )
    scale = _float(100 / weights.scale())
    score = _rounded(
        f"({_float(weights.device)} * p.device + {_float(weights.seller)} * p.seller"
        f" + {_float(weights.service)} * p.service"
        f" + {_float(weights.price)} * p.price) * {scale}",
        SCORE_PLACES,
    )
    return f"""
        SELECT p.id, p.device, p.seller, p.service, p.price, {score} AS score
        FROM (
            SELECT o.id, COALESCE(d.device, {zero}) AS device,
                   COALESCE(s.seller, {neutral}) AS seller,
                   COALESCE(s.service, {neutral}) AS service,
                   {price} AS price
            FROM (
                SELECT id, refurbisher_id, variant_id, grade, market,
                       battery_min_pct, warranty_months,
                       (price_amount + shipping_amount)::float8 AS total
                FROM listings_offer WHERE id >= %s AND id < %s
            ) o
            LEFT JOIN rank_seller s ON s.refurbisher_id = o.refurbisher_id
            LEFT JOIN rank_device d ON d.grade = o.grade
                 AND d.battery_min_pct = o.battery_min_pct
                 AND d.warranty_months = o.warranty_months
                 AND d.market = o.market
            LEFT JOIN rank_floor f ON f.variant_id = o.variant_id
                 AND f.grade = o.grade AND f.market = o.market
        ) p
    """


def _prepare(cursor) -> None:
    """Session tables of what every chunk reads: seller and device parts, and
    each variant, grade and market's price floor. Small, read once a run."""
    cursor.execute("DROP TABLE IF EXISTS rank_seller, rank_device, rank_floor")
    cursor.execute(f"CREATE TEMP TABLE rank_seller AS {_seller_parts_sql()}")
    cursor.execute("ALTER TABLE rank_seller ADD PRIMARY KEY (refurbisher_id)")
    cursor.execute(f"CREATE TEMP TABLE rank_device AS {_device_parts_sql()}")
    cursor.execute(
        """
        CREATE TEMP TABLE rank_floor AS
        SELECT variant_id, grade, market,
               min(price_amount + shipping_amount)::float8 AS floor
        FROM listings_offer WHERE is_purchasable
        GROUP BY variant_id, grade, market
        """
    )
    cursor.execute("ALTER TABLE rank_floor ADD PRIMARY KEY (variant_id, grade, market)")
    for table in ("rank_seller", "rank_device", "rank_floor"):
        cursor.execute(f"ANALYZE {table}")


def _write_chunk(cursor, weights: Weights, low: int, high: int) -> int:
    cursor.execute(
        f"""
        UPDATE listings_offer AS o SET
            rank_score = n.score, score_device = n.device,
            score_seller = n.seller, score_service = n.service,
            score_price = n.price
        FROM ({_offer_parts_sql(weights)}) AS n
        -- The range again on the target, or PostgreSQL reads every offer to
        -- join them with the chunk's.
        WHERE o.id >= %s AND o.id < %s AND o.id = n.id AND (
            o.rank_score, o.score_device, o.score_seller, o.score_service,
            o.score_price
        ) IS DISTINCT FROM (n.score, n.device, n.seller, n.service, n.price)
        """,
        [low, high, low, high],
    )
    return cursor.rowcount


def rank_scores_recompute(*, chunk: int | None = None) -> RecomputeReport:
    """Recompute every offer's score and parts; write only the offers that changed.

    Serialized by an advisory lock held for the whole run (a second run waits,
    then finds nothing to write). Seller parts and price floors are read once
    into session tables; offers are then written by id range, each range in
    its own short transaction when called outside one, so a checkout waiting
    on an offer's row waits for one chunk at most. Idempotent. The catalog
    version is bumped only when an offer changed.
    """
    chunk = chunk or settings.RANK_RECOMPUTE_CHUNK
    weights = Weights.from_settings()
    report = RecomputeReport()
    started = time.monotonic()
    # Inside a caller's transaction the lock is the transaction's (released
    # with it, even on an error); otherwise the session's, released below.
    in_transaction = connection.in_atomic_block
    with connection.cursor() as cursor:
        if in_transaction:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RECOMPUTE_LOCK_KEY])
        else:
            cursor.execute("SELECT pg_advisory_lock(%s)", [RECOMPUTE_LOCK_KEY])
        try:
            _prepare(cursor)
            cursor.execute("SELECT min(id), max(id) FROM listings_offer")
            low, high = cursor.fetchone()
            for start in range(low, high + 1, chunk) if low is not None else ():
                with transaction.atomic():
                    # Scores are derived data: a crash losing the last chunks'
                    # commits is repaired by the next run, so chunks need not
                    # wait for the WAL flush.
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
                    report.offers_written += _write_chunk(
                        cursor, weights, start, start + chunk
                    )
                report.chunks += 1
            cursor.execute("DROP TABLE IF EXISTS rank_seller, rank_device, rank_floor")
        finally:
            if not in_transaction:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [RECOMPUTE_LOCK_KEY])
    if report.offers_written:
        catalog_version_bump()
    report.seconds = time.monotonic() - started
    logger.info(
        "Rank scores: %s offers written in %s chunks, %.1f s",
        report.offers_written, report.chunks, report.seconds,
    )  # fmt: skip
    return report


def rank_recompute_soon() -> None:
    """Ask for one recompute soon, after this transaction commits.

    The first call schedules the task ``RANK_RECOMPUTE_DELAY_SECONDS`` later and
    sets a flag in the cache; further calls while the flag is set add nothing,
    so a burst of events makes one recompute. The task clears the flag when it
    starts, so an event during a run schedules the next one.
    """
    if not settings.RANK_RECOMPUTE_ON_CHANGE:
        return
    # Robust: the change that asked has committed; a broker that cannot be
    # reached is logged, and the scheduled recompute catches up.
    transaction.on_commit(_schedule, robust=True)


def _schedule() -> None:
    from quality.tasks import rank_scores_recompute as task

    delay = settings.RANK_RECOMPUTE_DELAY_SECONDS
    # The flag outlives the countdown a little: if the message were lost, the
    # next event after that schedules again.
    if cache.add(SOON_KEY, "1", timeout=delay + 300):
        task.apply_async(countdown=delay)


def rank_recompute_soon_clear() -> None:
    """Let the next event schedule a recompute (the task calls it as it starts)."""
    cache.delete(SOON_KEY)
