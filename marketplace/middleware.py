from django.conf import settings

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
