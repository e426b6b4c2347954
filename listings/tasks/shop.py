from celery import shared_task

from listings.selectors import home_page
from marketplace.markets import MARKETS


@shared_task(name="listings.tasks.shop_pages_warm")
def shop_pages_warm() -> list[str]:
    """Compute each market's home page into the cache if a write made it stale.

    At 100,000 listings the home page's best deals take about half a second
    to compute; doing it here spares the first shopper after a change.
    """
    for market in MARKETS.values():
        home_page(market=market)
    return list(MARKETS)
