"""Measure the checkout's throughput for one buyer at a time, on its own database."""

import os
import statistics
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

from demo import benchmark


class Command(BaseCommand):
    help = "Orders per second through checkout_start and payment, one buyer at a time."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=300)
        parser.add_argument("--scale", type=int, default=2320, help="listings seeded")

    def handle(self, *args, **options):
        if os.environ.get("REMARKET_BENCH_CHILD"):
            return self._measure(options["orders"])
        server = os.environ["DATABASE_URL"]
        name = f"remarket_bench_checkout_{options['scale']}"
        env = {
            **os.environ,
            "DATABASE_URL": benchmark.database_url_named(server, name),
            "CACHE_KEY_PREFIX": name,
            "REMARKET_BENCH_CHILD": "1",
            "LOG_LEVEL": "WARNING",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            # Each order's emails are written and sent in the measured process:
            # its ids mean nothing to a worker of the main database.
            "EMAIL_SEND_INLINE": "1",
        }
        benchmark.ensure_bench_database(server, name, options["scale"], env)
        # A fresh process on the bench database runs the measurement.
        subprocess.run(
            [sys.executable, sys.argv[0], "bench_checkout",
             "--orders", str(options["orders"])],
            env=env, check=True,
        )  # fmt: skip

    def _measure(self, count: int) -> None:
        from listings.models import Offer
        from marketplace.money import to_minor_units
        from orders.services.checkout import (
            CheckoutLine,
            ShippingAddress,
            checkout_start,
        )
        from orders.services.payment import order_payment_succeeded
        from refurbishers.models import RefurbisherStatus

        offers = list(
            Offer.objects.filter(
                market="FR", is_purchasable=True, listing__stock__gte=2,
                refurbisher__status=RefurbisherStatus.ACTIVE,
            ).values_list("pk", flat=True)[:count]
        )  # fmt: skip
        address = ShippingAddress(
            "Bench Buyer", "1 rue de Rivoli", "75001", "Paris", "FR"
        )
        timings = []
        started = time.perf_counter()
        for index in range(count):
            offer_id = offers[index % len(offers)]
            begin = time.perf_counter()
            order = checkout_start(
                lines=[CheckoutLine(offer_id, 1)], email=f"bench{index}@example.com",
                address=address, market="FR",
            )  # fmt: skip
            order_payment_succeeded(
                order_id=order.pk,
                amount_minor=to_minor_units(order.total_amount, order.currency),
                currency=order.currency,
            )
            timings.append((time.perf_counter() - begin) * 1000)
        elapsed = time.perf_counter() - started
        timings.sort()
        print(
            f"{count} orders (checkout + payment, one buyer at a time) "
            f"in {elapsed:.1f} s: "
            f"{count / elapsed:.1f} orders/s; per order "
            f"p50 {statistics.median(timings):.1f} ms, "
            f"p95 {timings[int(0.95 * count)]:.1f} ms"
        )
