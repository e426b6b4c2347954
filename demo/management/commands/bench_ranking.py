"""Measure the rank score recompute on a large catalog, in its own database.

Not a timed test: a benchmark to run by hand (see docs/benchmarks.md).

The parent seeds ``--scale`` listings with ``seed_demo`` into
``remarket_bench_ranking_<scale>`` on the configured PostgreSQL server (reused
by later runs), then a child process on that database migrates, gives every
refurbisher a drawn set of seller metrics (so seller and service parts vary as
in life), and times ``rank_scores_recompute`` in five situations:

1. every offer's score changes (the weights nudged: the worst case, like the
   first run after seeding);
2. nothing changed (the scheduled run on a quiet catalog);
3. one large refurbisher's metrics changed (an event);
4. every refurbisher's metrics drift by 5% (a daily metrics update);
5. one offer's price changed (its variant and grade's price floor moves).

Each pass prints its time and the offers it wrote. After the passes that
rewrite most offers the table is vacuumed (untimed), as autovacuum would. The
catalog is left ranked with the settings' weights.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from django.core.management.base import BaseCommand, CommandParser

from demo import benchmark


class Command(BaseCommand):
    help = "Time the rank score recompute over a seeded catalog (--scale listings)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=1_000_000)
        parser.add_argument(
            "--chunk", type=int, default=None, help="offer ids per transaction"
        )

    def handle(self, *args, **options) -> None:
        if os.environ.get("REMARKET_BENCH_CHILD"):
            return self._measure(options["chunk"])
        server = os.environ["DATABASE_URL"]
        name = f"remarket_bench_ranking_{options['scale']}"
        env = {
            **os.environ,
            "DATABASE_URL": benchmark.database_url_named(server, name),
            "CACHE_KEY_PREFIX": name,
            "REMARKET_BENCH_CHILD": "1",
            "LOG_LEVEL": "WARNING",
        }
        started = time.perf_counter()
        benchmark.ensure_bench_database(server, name, options["scale"], env)
        self.stdout.write(f"Database ready in {time.perf_counter() - started:.1f} s.")
        manage = [sys.executable, sys.argv[0]]
        migrate = [*manage, "migrate", "--noinput", "-v", "0"]
        subprocess.run(migrate, env=env, check=True)
        command = [*manage, "bench_ranking"]
        if options["chunk"]:
            command += ["--chunk", str(options["chunk"])]
        subprocess.run(command, env=env, check=True)

    def _measure(self, chunk: int | None) -> None:
        from django.conf import settings
        from django.db import connection

        from listings.models import Listing, Offer
        from quality.services.ranking import rank_scores_recompute

        listings, offers = Listing.objects.count(), Offer.objects.count()
        self.stdout.write(
            f"{listings:,} listings, {offers:,} offers, "
            f"{Offer.objects.filter(is_purchasable=True).count():,} purchasable; "
            f"chunk {chunk or settings.RANK_RECOMPUTE_CHUNK:,} offer ids."
        )
        with connection.cursor() as cursor:
            self._metrics_draw(cursor)
            cursor.execute("VACUUM ANALYZE listings_offer")

        def timed(label: str) -> None:
            report = rank_scores_recompute(chunk=chunk)
            self.stdout.write(
                f"{label:<48} {report.seconds:7.1f} s  "
                f"{report.offers_written:>10,} offers written"
            )

        def sql(statement: str) -> None:
            with connection.cursor() as cursor:
                cursor.execute(statement)

        def vacuum() -> None:
            started = time.perf_counter()
            sql("VACUUM ANALYZE listings_offer")
            self.stdout.write(
                f"   (VACUUM ANALYZE listings_offer, as autovacuum would: "
                f"{time.perf_counter() - started:.1f} s)"
            )

        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        self.stdout.write(f"Load average before: {load}")
        price = settings.RANK_WEIGHT_PRICE
        settings.RANK_WEIGHT_PRICE = price + 1
        timed("1. every offer changes (weights nudged)")
        vacuum()
        timed("2. nothing changed")
        sql(
            """
            UPDATE quality_sellermetrics SET late_shipment_rate =
                CASE WHEN late_shipment_rate < 0.035 THEN 0.07 ELSE 0.0 END
            WHERE refurbisher_id = (
                SELECT refurbisher_id FROM listings_offer
                GROUP BY refurbisher_id ORDER BY count(*) DESC LIMIT 1)
            """
        )
        timed("3. one large refurbisher's metrics changed")
        sql(
            "UPDATE quality_sellermetrics SET "
            "late_shipment_rate = late_shipment_rate * 1.05, "
            "median_first_answer_hours = median_first_answer_hours * 1.05"
        )
        timed("4. every refurbisher's metrics drift by 5%")
        # The cheapest offer of a busy variant and grade gets 10% cheaper: the
        # price part of every other offer there changes.
        sql(
            """
            WITH busy AS (
                SELECT variant_id, grade, market, min(price_amount) AS low
                FROM listings_offer WHERE is_purchasable
                GROUP BY variant_id, grade, market HAVING count(*) >= 20
                ORDER BY variant_id, grade, market LIMIT 1
            )
            UPDATE listings_offer o SET price_amount = round(busy.low * 0.9, 2)
            FROM busy
            WHERE o.id = (
                SELECT min(x.id) FROM listings_offer x
                WHERE x.is_purchasable AND x.variant_id = busy.variant_id
                  AND x.grade = busy.grade AND x.market = busy.market)
            """
        )
        timed("5. one offer's price changed")
        settings.RANK_WEIGHT_PRICE = price
        timed("   (the settings' weights again: every offer)")
        vacuum()

    def _metrics_draw(self, cursor) -> None:
        """Give every refurbisher today's metrics, drawn once (seeded)."""
        cursor.execute("SELECT setseed(0.2025)")
        cursor.execute(
            """
            INSERT INTO quality_sellermetrics AS m (
                refurbisher_id, day, window_days, sales, defect_rate,
                late_shipment_rate, cancellation_rate, valid_tracking_rate,
                median_first_answer_hours, median_claim_resolution_hours,
                rating_average, rating_count, thresholds_crossed, computed_at)
            SELECT id, current_date, 90, s, round((random() * 0.03)::numeric, 4),
                   round((random() * 0.08)::numeric, 4),
                   round((random() * 0.04)::numeric, 4), 1.0,
                   round((0.5 + random() * 30)::numeric, 1),
                   round((24 + random() * 300)::numeric, 1),
                   NULL, 0, '[]'::jsonb, now()
            FROM (SELECT id, (5 + random() * 400)::int AS s
                  FROM refurbishers_refurbisher ORDER BY id) r
            -- The seed's own metrics run measured nothing for most sellers:
            -- the drawn figures replace its rows of today.
            ON CONFLICT (refurbisher_id, day) DO UPDATE SET
                sales = EXCLUDED.sales, defect_rate = EXCLUDED.defect_rate,
                late_shipment_rate = EXCLUDED.late_shipment_rate,
                cancellation_rate = EXCLUDED.cancellation_rate,
                valid_tracking_rate = EXCLUDED.valid_tracking_rate,
                median_first_answer_hours = EXCLUDED.median_first_answer_hours,
                median_claim_resolution_hours =
                    EXCLUDED.median_claim_resolution_hours
            """
        )
