from django.conf import settings

from marketplace.markets import MARKETS


def market(request):
    """Expose the current market and the market picker to every template."""
    return {
        "market": getattr(request, "market", MARKETS[settings.DEFAULT_MARKET]),
        "markets": MARKETS.values(),
        "payments_test_mode": not settings.STRIPE_SECRET_KEY,
    }
