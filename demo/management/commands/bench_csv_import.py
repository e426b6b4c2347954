"""Time a CSV import of --rows rows (the check, then the apply), in its own database.

Not a timed test: a benchmark to run by hand (``manage.py bench_csv_import
--rows 15000``). The parent seeds the demo (``seed_demo``, default size) into
``remarket_bench_csv_import`` on the configured PostgreSQL server (reused by
later runs), then a child process on that database writes a file for the
selling demo refurbisher with the most markets: one row per existing listing
of that seller, with its stock changed (updates), and new SKUs for the rest
(creates), spread over the catalog's variants and the seller's markets. It
times the check (dry run) and the apply through the same services the page
and the Celery tasks call, then deletes the listings it created, so a later
run starts from the same catalog.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo import benchmark

DATABASE = "remarket_bench_csv_import"


class Command(BaseCommand):
    help = "Time the check and the apply of a CSV listings import (--rows rows)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=15_000)

    def handle(self, *args, **options) -> None:
        rows = options["rows"]
        if rows < 1:
            raise CommandError("--rows must be at least 1.")
        if os.environ.get("REMARKET_BENCH_CHILD"):
            return self._measure(rows)
        from demo.seed import DEFAULT_LISTINGS

        server = os.environ["DATABASE_URL"]
        media = tempfile.mkdtemp(prefix="bench-csv-media-")
        env = {
            **os.environ,
            "DATABASE_URL": benchmark.database_url_named(server, DATABASE),
            "CACHE_KEY_PREFIX": DATABASE,
            "MEDIA_ROOT": media,
            "REMARKET_BENCH_CHILD": "1",
            "LOG_LEVEL": "WARNING",
        }
        started = time.perf_counter()
        benchmark.ensure_bench_database(server, DATABASE, DEFAULT_LISTINGS, env)
        self.stdout.write(f"Database ready in {time.perf_counter() - started:.1f} s.")
        manage = [sys.executable, sys.argv[0]]
        subprocess.run(
            [*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True
        )
        try:
            subprocess.run(
                [*manage, "bench_csv_import", "--rows", str(rows)], env=env, check=True
            )
        finally:
            shutil.rmtree(media, ignore_errors=True)

    def _measure(self, rows: int) -> None:
        from django.core.files.base import ContentFile

        from listings.models import Listing, ListingImport, Variant
        from listings.services.listing_imports import (
            listing_import_apply,
            listing_import_apply_start,
            listing_import_check,
        )

        refurbisher = self._seller()
        data, updates = self._file(refurbisher, rows, Listing, Variant)
        listing_import = ListingImport(refurbisher=refurbisher, filename="bench.csv")
        listing_import.file.save("bench.csv", ContentFile(data), save=True)
        held = Listing.objects.filter(refurbisher=refurbisher).count()
        self.stdout.write(
            f"{refurbisher.name}: {held:,} "
            f"listings, markets {', '.join(refurbisher.ships_to)}. File: {rows:,} rows "
            f"({updates:,} updates, {rows - updates:,} new SKUs), "
            f"{len(data) / 1e6:.1f} MB. Load average before: "
            + ", ".join(f"{value:.1f}" for value in os.getloadavg())
        )

        started = time.perf_counter()
        checked = listing_import_check(import_id=listing_import.pk)
        check_seconds = time.perf_counter() - started
        self.stdout.write(
            f"Check (dry run): {check_seconds:6.1f} s  {checked.rows_valid:,} valid, "
            f"{checked.rows_invalid:,} with problems; would create "
            f"{checked.listings_created:,}, update {checked.listings_updated:,}"
        )
        if checked.rows_invalid:
            self.stdout.write(f"  first problems: {checked.errors[:3]}")

        # The page's request would hand a file this size to Celery; the task
        # calls the same service, timed here without the queue.
        started = time.perf_counter()
        listing_import_apply_start(listing_import=checked)
        applied = listing_import_apply(import_id=checked.pk)
        apply_seconds = time.perf_counter() - started
        self.stdout.write(
            f"Apply:           {apply_seconds:6.1f} s  status {applied.status}, "
            f"{applied.listings_created:,} created, {applied.listings_updated:,} "
            f"updated{': ' + applied.failure if applied.failure else ''}"
        )
        self.stdout.write(
            f"Check and apply: {check_seconds + apply_seconds:6.1f} s, {rows:,} rows."
        )
        deleted, _ = Listing.objects.filter(
            refurbisher=refurbisher, sku__startswith=self.prefix
        ).delete()
        applied.file.delete(save=False)
        self.stdout.write(
            f"(Removed what it created: {deleted:,} listings and offers.)"
        )

    def _seller(self):
        """The selling demo refurbisher with the most markets: the most offers."""
        from django.db.models import Count

        from refurbishers.models import Refurbisher, RefurbisherStatus

        sellers = Refurbisher.objects.filter(
            status__in=[RefurbisherStatus.ACTIVE, RefurbisherStatus.TRIAL]
        ).annotate(held=Count("listings"))
        return max(sellers, key=lambda seller: (len(seller.ships_to), seller.held))

    def _file(self, refurbisher, rows: int, Listing, Variant) -> tuple[bytes, int]:
        from listings import csv_format as fmt
        from listings.selectors.listing_exports import (
            listings_export_markets,
            listings_export_rows,
        )

        self.prefix = f"BENCH-{uuid.uuid4().hex[:6]}-"
        markets = listings_export_markets(refurbisher=refurbisher)
        header = fmt.header_for(markets)
        stock_at = header.index(fmt.STOCK)
        lines = []
        for row in listings_export_rows(refurbisher=refurbisher, markets=markets):
            if len(lines) == rows:
                break
            row[stock_at] = int(row[stock_at]) + 1
            lines.append(row)
        updates = len(lines)
        variant_ids = list(Variant.objects.order_by("pk").values_list("pk", flat=True))
        for number in range(rows - updates):
            row = [
                f"{self.prefix}{number:06d}", variant_ids[number % len(variant_ids)],
                "", "PABC"[number % 4], 80 + number % 21, number % 40,
                12 + number % 3 * 6, number % 4, "active",
            ]  # fmt: skip
            for index, _ in enumerate(markets):
                if number % (index + 1) == 0:
                    row += [f"{199 + number % 700}.{number % 100:02d}", "4.90"]
                else:
                    row += ["", ""]
            lines.append(row)
        return "".join(fmt.csv_lines(header, lines)).encode("utf-8"), updates
