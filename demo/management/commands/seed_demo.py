"""Load the demo catalog, refurbishers, listings and logins; safe to run again."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext

from demo import DEMO_LOGINS
from demo.seed import DEFAULT_LISTINGS, DEFAULT_SEED, SeedReport, demo_seed
from demo.seller_tools import DEMO_API_KEY
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
        parser.add_argument(
            "--production-ok",
            action="store_true",
            help=(
                "With DEBUG off, seed anyway: the demo logins get random passwords "
                "and the active seller a random API key, printed once."
            ),
        )

    def handle(
        self, *args: Any, scale: int, seed: int, production_ok: bool, **options: Any
    ) -> None:
        if scale < 1:
            raise CommandError("--scale must be at least 1.")
        # The published logins and key belong to development only: a database
        # with DEBUG off gets demo accounts only on purpose, with random secrets.
        published = settings.DEBUG
        if not published and not production_ok:
            raise CommandError(
                gettext(
                    "DEBUG is off, so this looks like a production database: "
                    "seed_demo would add demo accounts to it. To do that on "
                    "purpose, run it again with --production-ok; the demo logins "
                    "then get random passwords, printed once."
                )
            )
        started = time.monotonic()
        # The bar redraws its line in place; OutputWrapper would add a newline to
        # every write, so it gets the stream underneath.
        stream = getattr(self.stdout, "_out", self.stdout)
        report = demo_seed(
            listings=scale, seed=seed, progress_stream=stream, published=published
        )
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
        if published:
            self._published_credentials()
        else:
            self._random_credentials(report)

    def _published_credentials(self) -> None:
        self.stdout.write(self.style.SUCCESS("Demo logins:"))
        for login in DEMO_LOGINS:
            self.stdout.write(
                f"  {login.label:<18} {login.username} / {login.password}"
            )
        self.stdout.write(f"Seller API key (active seller): {DEMO_API_KEY}")

    def _random_credentials(self, report: SeedReport) -> None:
        """Print the secrets this run made: they are not shown anywhere again."""
        self.stdout.write(
            self.style.WARNING(
                gettext(
                    "Demo logins with random passwords, shown this once (keep "
                    "them somewhere safe; a login not listed kept its password):"
                )
            )
        )
        for login in DEMO_LOGINS:
            password = report.passwords.get(login.username)
            if password:
                self.stdout.write(f"  {login.label:<18} {login.username} / {password}")
        if report.api_key:
            self.stdout.write(
                gettext("Seller API key (active seller), shown this once: %(key)s")
                % {"key": report.api_key}
            )
        else:
            self.stdout.write(
                gettext(
                    "The active seller keeps the demo API key made before "
                    "(revoke it in its dashboard to have a new one made)."
                )
            )
