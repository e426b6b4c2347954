import time

from django.conf import settings
from django.db import connection

from marketplace.markets import MARKETS, get_market

MARKET_COOKIE = "market"


class MarketMiddleware:
    """Attach the shopper's market (remembered in a cookie) to every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        market = get_market(request.COOKIES.get(MARKET_COOKIE))
        request.market = market or MARKETS.get(settings.DEFAULT_MARKET, MARKETS["US"])
        return self.get_response(request)


class ServerTimingMiddleware:
    """Add a ``Server-Timing`` header: app time, SQL queries and their time.

    Switched on by the SERVER_TIMING setting; the benchmark reads it to report
    queries per page, and browsers show it in their network panel.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        queries = {"count": 0, "seconds": 0.0}

        def count(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries["count"] += 1
                queries["seconds"] += time.perf_counter() - started

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            response = self.get_response(request)
        total_ms = (time.perf_counter() - started) * 1000
        db_ms = queries["seconds"] * 1000
        response["Server-Timing"] = (
            f'db;desc="{queries["count"]} queries";dur={db_ms:.1f}, '
            f"app;dur={total_ms:.1f}"
        )
        return response
