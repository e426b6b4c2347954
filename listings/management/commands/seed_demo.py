"""Load the demo catalog, refurbishers, listings and logins; safe to run again."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from listings.demo import DEMO_LOGINS
from listings.demo.seed import DEFAULT_LISTINGS, DEFAULT_SEED, demo_seed
from listings.demo.seller_tools import DEMO_API_KEY
from listings.models import Listing, Offer
from refurbishers.models import Refurbisher


class Command(BaseCommand):
    help = (
        "Load a realistic demo catalog, refurbishers, listings with their offers, "
        "and demo logins. Running it again adds nothing; --scale adds listings "
        "(and 'Refurb Partner' refurbishers) for benchmarks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=int,
            default=DEFAULT_LISTINGS,
            metavar="N",
            help=(
                f"Listings in all (default {DEFAULT_LISTINGS:,}). Past the default, "
                "extra refurbishers carry the rest, e.g. --scale 100000."
            ),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help="Random seed; the same seed gives the same data.",
        )

    def handle(self, *args: Any, scale: int, seed: int, **options: Any) -> None:
        if scale < 1:
            raise CommandError("--scale must be at least 1.")
        started = time.monotonic()
        # The bar redraws its line in place; OutputWrapper would add a newline to
        # every write, so it gets the stream underneath.
        stream = getattr(self.stdout, "_out", self.stdout)
        report = demo_seed(listings=scale, seed=seed, progress_stream=stream)
        elapsed = time.monotonic() - started

        if report.listings_created:
            self.stdout.write(
                f"Created {report.listings_created:,} listings and "
                f"{report.offers_created:,} offers for "
                f"{report.refurbishers_filled} refurbishers."
            )
        else:
            self.stdout.write("Every demo refurbisher already has its listings.")
        if report.seller_orders_created:
            self.stdout.write(
                f"Created {report.seller_orders_created} demo orders, from payment "
                "to payout, with claims, returns and reviews along the way."
            )
        self.stdout.write(
            f"Database now holds {Refurbisher.objects.count():,} refurbishers, "
            f"{Listing.objects.count():,} listings, {Offer.objects.count():,} offers "
            f"({elapsed:.1f}s)."
        )
        self.stdout.write(self.style.SUCCESS("Demo logins:"))
        for login in DEMO_LOGINS:
            self.stdout.write(
                f"  {login.label:<18} {login.username} / {login.password}"
            )
        self.stdout.write(f"Seller API key (active seller): {DEMO_API_KEY}")
