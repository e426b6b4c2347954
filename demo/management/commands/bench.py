import os
import platform

from django.core.management.base import BaseCommand

from demo import benchmark


class Command(BaseCommand):
    help = "Seed a large catalog, serve it with gunicorn and load the shop's pages."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=100_000, help="listings")
        parser.add_argument("--seconds", type=int, default=10, help="per page")
        parser.add_argument("--connections", type=int, default=4)
        parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
        parser.add_argument("--markets", default="FR,US")

    def handle(self, *args, **options):
        markets = [m.strip().upper() for m in options["markets"].split(",") if m]
        print(
            f"ReMarket benchmark: {options['scale']:,} listings, "
            f"{options['connections']} connections, {options['seconds']} s per page, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}\n"
        )
        print(benchmark.HEADER)
        benchmark.run(
            scale=options["scale"],
            seconds=options["seconds"],
            connections=options["connections"],
            markets=markets,
            workers=options["workers"],
        )
