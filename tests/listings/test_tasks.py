"""Celery beat keeps each market's home page computed, in a real worker."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from listings.selectors.home import home_cache_key
from listings.tasks import shop_pages_warm
from tests.support.catalog import build_catalog


@pytest.mark.django_db(transaction=True)
def test_the_warm_task_puts_every_markets_home_page_in_the_cache(celery_worker):
    build_catalog()
    assert cache.get(home_cache_key("FR")) is None

    assert shop_pages_warm.delay().get(timeout=30) == [
        "US",
        "FR",
        "BE",
        "DE",
        "IT",
        "ES",
    ]

    france = cache.get(home_cache_key("FR"))
    assert {card.device_model.slug for card in france.best_deals} >= {"iphone-13"}
    assert [tile.offer_count for tile in france.categories] == [10, 1]
    assert cache.get(home_cache_key("US")).categories[0].offer_count == 1
