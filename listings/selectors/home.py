"""The home page: categories with their offer counts and the best deals per category."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.translation import get_language

from listings.models import Category
from listings.selectors.cards import ModelCard, model_cards, per_model_sql
from listings.services import catalog_version
from marketplace.markets import Market

DEALS_PER_CATEGORY = 4


@dataclass
class CategoryTile:
    category: Category
    offer_count: int
    from_price: Decimal | None
    currency: str


@dataclass
class HomePage:
    categories: list[CategoryTile]
    best_deals: list[ModelCard]


def _best_deal_rows(market: Market) -> list[tuple]:
    """The top-ranked models of each category, with their savings, in one query."""
    per_model = per_model_sql(
        "o.market = %s AND o.is_purchasable", also_group_by="o.category_id"
    )
    sql = f"""
        WITH {per_model},
        ranked AS (
            SELECT *, row_number() OVER (
                PARTITION BY category_id
                ORDER BY best_rank DESC, best_saving DESC NULLS LAST, device_model_id
            ) AS position
            FROM per_model
        )
        SELECT r.device_model_id, r.from_price, r.offer_count, r.grades, r.best_saving,
               s.rating_average, r.colour_hex
        FROM ranked r JOIN refurbishers_refurbisher s ON s.id = r.best_refurbisher_id
        WHERE r.position <= %s
        ORDER BY r.category_id, r.position
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [market.code, DEALS_PER_CATEGORY])
        return cursor.fetchall()


def _category_rows(market: Market) -> dict[int, tuple[int, Decimal]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT category_id, count(*), min(price_amount) FROM listings_offer
            WHERE market = %s AND is_purchasable GROUP BY category_id
            """,
            [market.code],
        )
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def _home_page(market: Market) -> HomePage:
    stats = _category_rows(market)
    categories = list(Category.objects.all())
    tiles = [
        CategoryTile(c, *stats.get(c.pk, (0, None)), currency=market.currency)
        for c in categories
    ]
    deals = model_cards(_best_deal_rows(market), market.currency)
    return HomePage(categories=tiles, best_deals=deals)


def home_cache_key(market_code: str) -> str:
    # Per language too: the page holds texts in the language it was drawn in.
    return f"home:{catalog_version()}:{get_language()}:{market_code}"


def home_page(*, market: Market) -> HomePage:
    """Category tiles and best deals for a market (cached per catalog version)."""
    key = home_cache_key(market.code)
    page = cache.get(key)
    if page is None:
        page = _home_page(market)
        cache.set(key, page, timeout=settings.SEARCH_CACHE_SECONDS)
    return page
