"""Search and browse: offers of a market filtered, faceted, grouped into model cards.

Each page costs a fixed number of queries whatever the catalog size: one for
the facets (every facet counted in a single scan, each ignoring its own filter
so a shopper can widen a choice), one for the page of model cards, one for the
device models on that page. Results are cached per query and catalog version.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.translation import get_language, gettext

from listings.models import Grade
from listings.selectors.cards import (
    GRADE_RANK,
    ModelCard,
    model_cards,
    per_model_sql,
)
from listings.selectors.query import (
    BATTERY_LEVELS,
    PRICE_BUCKETS,
    SearchQuery,
    bucket,
    price_bucket_key,
)
from listings.selectors.text import text_match, tsquery
from listings.services import catalog_version
from marketplace.money import format_money

FACET_KEYS = ("brand", "model", "storage", "colour", "grade", "price", "battery")


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    colour_hex: str = ""  # colour facet only, for a swatch


@dataclass
class Facet:
    key: str
    label: str
    param: str
    values: list[FacetValue]


@dataclass
class ActiveFilter:
    label: str
    remove_querystring: str


@dataclass
class SearchResult:
    cards: list[ModelCard]
    total_models: int
    total_offers: int
    page: int
    num_pages: int
    facets: list[Facet]
    active_filters: list[ActiveFilter]
    corrected_text: str | None

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def page_numbers(self) -> list[int | None]:
        """Pages to link, with None where an ellipsis goes: 1 … 4 5 6 … 20."""
        shown = {1, self.num_pages, *range(self.page - 2, self.page + 3)}
        numbers: list[int | None] = []
        for number in sorted(n for n in shown if 1 <= n <= self.num_pages):
            if numbers and number - (numbers[-1] or 0) > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers


class _Where:
    """SQL conditions over ``o`` (listings_offer) and ``v`` (listings_variant)."""

    def __init__(self) -> None:
        self.sql: list[str] = []
        self.params: list = []

    def add(self, sql: str, *params) -> None:
        self.sql.append(sql)
        self.params.extend(params)

    def render(self) -> tuple[str, list]:
        return (" AND ".join(self.sql) or "TRUE"), list(self.params)


def _base_conditions(query: SearchQuery, tokens: tuple[str, ...]) -> _Where:
    where = _Where()
    where.add("o.market = %s", query.market.code)
    where.add("o.is_purchasable")
    if query.category is not None:
        where.add("o.category_id = %s", query.category.pk)
    if tokens:
        where.add("v.search_vector @@ to_tsquery('simple', %s)", tsquery(tokens))
    return where


def _facet_conditions(query: SearchQuery) -> dict[str, _Where]:
    """One condition per facet, so each facet's counts can leave its own out."""
    facets = {
        key: _Where()
        for key in ("brand", "model", "storage", "colour", "grade", "price", "battery")
    }
    if query.brands:
        facets["brand"].add(
            "o.brand_id IN (SELECT id FROM listings_brand WHERE slug = ANY(%s))",
            list(query.brands),
        )
    if query.models:
        facets["model"].add(
            "o.device_model_id IN "
            "(SELECT id FROM listings_devicemodel WHERE slug = ANY(%s))",
            list(query.models),
        )
    if query.storages:
        facets["storage"].add("v.storage_gb = ANY(%s)", list(query.storages))
    if query.colours:
        facets["colour"].add("v.colour = ANY(%s)", list(query.colours))
    if query.grades:
        facets["grade"].add("o.grade = ANY(%s)", list(query.grades))
    ranges = []
    for low, high in query.price_ranges:
        if high is None:
            ranges.append(("o.price_amount >= %s", [low]))
        else:
            ranges.append(
                ("(o.price_amount >= %s AND o.price_amount < %s)", [low, high])
            )
    if ranges:
        facets["price"].add(
            "(" + " OR ".join(sql for sql, _ in ranges) + ")",
            *[p for _, params in ranges for p in params],
        )
    if query.price_min is not None:
        facets["price"].add("o.price_amount >= %s", query.price_min)
    if query.price_max is not None:
        facets["price"].add("o.price_amount <= %s", query.price_max)
    if query.battery_min is not None:
        facets["battery"].add("o.battery_min_pct >= %s", query.battery_min)
    return facets


def _flag(where: _Where) -> tuple[str, list]:
    sql, params = where.render()
    return f"({sql})", params


def _facet_counts(base: _Where, facets: dict[str, _Where]) -> dict[str, list[tuple]]:
    """Count every facet's values in one scan of the matching offers."""
    base_sql, base_params = base.render()
    flag_columns, flag_params = [], []
    for key, where in facets.items():
        sql, params = _flag(where)
        flag_columns.append(f"{sql} AS f_{key}")
        flag_params += params

    def others(key: str) -> str:
        return " AND ".join(f"f_{k}" for k in facets if k != key)

    # Each branch: (facet, value, label, sort key, count).
    sql = f"""
        WITH matched AS MATERIALIZED (
            SELECT o.brand_id, o.device_model_id, v.storage_gb, v.colour, v.colour_hex,
                   o.grade, o.price_amount, o.battery_min_pct, {", ".join(flag_columns)}
            FROM listings_offer o JOIN listings_variant v ON v.id = o.variant_id
            WHERE {base_sql}
        )
        SELECT 'brand', b.slug, b.name, b.name, count(*) FROM matched
            JOIN listings_brand b ON b.id = matched.brand_id
            WHERE {others("brand")} GROUP BY b.slug, b.name
        UNION ALL
        SELECT 'model', m.slug, mb.name || ' ' || m.name, mb.name || ' ' || m.name,
               count(*) FROM matched
            JOIN listings_devicemodel m ON m.id = matched.device_model_id
            JOIN listings_brand mb ON mb.id = m.brand_id
            WHERE {others("model")} GROUP BY m.slug, mb.name, m.name
        UNION ALL
        SELECT 'storage', storage_gb::text, NULL,
               lpad(storage_gb::text, 6, '0'), count(*) FROM matched
            WHERE storage_gb IS NOT NULL AND {others("storage")}
            GROUP BY storage_gb
        UNION ALL
        SELECT 'colour', colour, min(colour_hex), colour, count(*) FROM matched
            WHERE {others("colour")} GROUP BY colour
        UNION ALL
        SELECT 'grade', grade, NULL, grade, count(*) FROM matched
            WHERE {others("grade")} GROUP BY grade
        UNION ALL
        SELECT 'price', width_bucket(price_amount, %s::numeric[])::text, NULL, NULL,
               count(*) FROM matched WHERE {others("price")} GROUP BY 2
        UNION ALL
        SELECT 'battery', level::text, NULL, lpad(level::text, 3, '0'), count(*)
            FROM matched JOIN unnest(%s::int[]) AS level ON battery_min_pct >= level
            WHERE {others("battery")} GROUP BY level
    """
    bounds = [low for low, _ in PRICE_BUCKETS]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*flag_params, *base_params, bounds, BATTERY_LEVELS])
        rows = cursor.fetchall()
    grouped: dict[str, list[tuple]] = {key: [] for key in facets}
    for facet, value, label, sort_key, count in rows:
        grouped[facet].append((value, label, sort_key, count))
    return grouped


def _storage_label(gb: int) -> str:
    return f"{gb // 1024} TB" if gb >= 1024 and gb % 1024 == 0 else f"{gb} GB"


def _price_label(low: int, high: int | None, market) -> str:
    low_text = format_money(Decimal(low), market.currency, market, whole=True)
    if high is None:
        return gettext("%(low)s and more") % {"low": low_text}
    high_text = format_money(Decimal(high), market.currency, market, whole=True)
    return gettext("%(low)s to %(high)s") % {"low": low_text, "high": high_text}


def _values(rows, selected, label_of, sort_key) -> list[FacetValue]:
    return [
        FacetValue(str(value), label_of(value, label), count, str(value) in selected)
        for value, label, _, count in sorted(rows, key=sort_key)
    ]


def _build_facets(query: SearchQuery, counts: dict[str, list[tuple]]) -> list[Facet]:
    def by_name(row):
        return row[2].lower()

    def by_sort_key(row):
        return row[2]

    def as_label(value, label):
        return label

    price_counts = {int(value): count for value, _, _, count in counts["price"]}
    prices = []
    for index, (low, high) in enumerate(PRICE_BUCKETS, start=1):
        key, count = price_bucket_key(low, high), price_counts.get(index, 0)
        if count or key in query.prices:
            label = _price_label(low, high, query.market)
            prices.append(FacetValue(key, label, count, key in query.prices))
    battery = {str(query.battery_min)} if query.battery_min else set()
    return [
        Facet("brand", gettext("Brand"), "brand",
              _values(counts["brand"], set(query.brands), as_label, by_name)),
        Facet("model", gettext("Model"), "model",
              _values(counts["model"], set(query.models), as_label, by_name)),
        Facet("storage", gettext("Storage"), "storage",
              _values(counts["storage"], {str(s) for s in query.storages},
                      lambda v, _: _storage_label(int(v)), by_sort_key)),
        Facet("colour", gettext("Colour"), "colour", [
            FacetValue(value, value, count, value in query.colours, hex_ or "")
            for value, hex_, _, count in sorted(counts["colour"], key=by_name)
        ]),
        Facet("grade", gettext("Condition"), "grade",
              _values(counts["grade"], set(query.grades), lambda v, _: Grade(v).label,
                      lambda row: GRADE_RANK.get(row[0], 9))),
        Facet("price", gettext("Price"), "price", prices),
        Facet("battery", gettext("Battery health"), "battery",
              _values(counts["battery"], battery,
                      lambda v, _: gettext("%(pct)s%% or more") % {"pct": v},
                      by_sort_key)),
    ]  # fmt: skip


_SORT_SQL = {
    "recommended": "best_rank DESC, from_price ASC, device_model_id",
    "price_asc": "from_price ASC, best_rank DESC, device_model_id",
    "price_desc": "from_price DESC, best_rank DESC, device_model_id",
    "newest": "release_year DESC, newest DESC, device_model_id",
}


def _model_cards(
    base: _Where, facets: dict[str, _Where], query: SearchQuery
) -> tuple[list[tuple], int, int]:
    """The page's model aggregates, the number of models and of offers."""
    where = _Where()
    for part in [base, *facets.values()]:
        sql, params = part.render()
        where.add(sql, *params)
    where_sql, params = where.render()
    offset = (query.page - 1) * query.page_size
    sql = f"""
        WITH {per_model_sql(where_sql)}
        SELECT p.device_model_id, p.from_price, p.offer_count, p.grades, p.best_saving,
               r.rating_average, p.colour_hex,
               count(*) OVER () AS total_models,
               sum(p.offer_count) OVER () AS total_offers
        FROM per_model p
        JOIN listings_devicemodel m ON m.id = p.device_model_id
        JOIN refurbishers_refurbisher r ON r.id = p.best_refurbisher_id
        ORDER BY {_SORT_SQL[query.sort].replace("release_year", "m.release_year")}
        LIMIT %s OFFSET %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, query.page_size, offset])
        rows = cursor.fetchall()
    if rows:
        return rows, rows[0][7], int(rows[0][8])
    return rows, 0, 0


def _active_filters(query: SearchQuery, facets: list[Facet]) -> list[ActiveFilter]:
    labels = {
        (facet.param, value.value): value.label
        for facet in facets
        for value in facet.values
    }
    # A selected value may have no count (nothing matches): label it anyway.
    labels.update({("grade", code): Grade(code).label for code in query.grades})
    labels.update({("storage", str(gb)): _storage_label(gb) for gb in query.storages})
    labels.update(
        {
            ("price", key): _price_label(*bucket(key), query.market)
            for key in query.prices
        }
    )
    active = []
    for name, param in [
        ("brands", "brand"), ("models", "model"), ("storages", "storage"),
        ("colours", "colour"), ("grades", "grade"), ("prices", "price"),
    ]:  # fmt: skip
        for value in getattr(query, name):
            label = labels.get((param, str(value)), str(value))
            active.append(ActiveFilter(label, query.without(name, value)))
    market = query.market
    if query.price_min is not None:
        label = gettext("From %(price)s") % {
            "price": format_money(query.price_min, market.currency, market)
        }
        active.append(ActiveFilter(label, query.without("price_min")))
    if query.price_max is not None:
        label = gettext("Up to %(price)s") % {
            "price": format_money(query.price_max, market.currency, market)
        }
        active.append(ActiveFilter(label, query.without("price_max")))
    if query.battery_min is not None:
        active.append(
            ActiveFilter(
                gettext("Battery %(pct)s%%+") % {"pct": query.battery_min},
                query.without("battery_min"),
            )
        )
    return active


def _cache_key(query: SearchQuery) -> str:
    raw = "|".join(
        [
            query.market.code,
            get_language() or "",  # the result holds labels in this language
            str(query.category.pk if query.category else ""),
            str(query.page_size),
            repr(query.params()),
        ]
    )
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return f"search:{catalog_version()}:{digest}"


def search_offers(query: SearchQuery) -> SearchResult:
    """Facets and one page of model cards for a search or a category browse."""
    key = _cache_key(query)
    result = cache.get(key)
    if result is None:
        result = _search(query)
        cache.set(key, result, timeout=settings.SEARCH_CACHE_SECONDS)
    return result


def _search(query: SearchQuery) -> SearchResult:
    match = text_match(query.text)
    base = _base_conditions(query, match.tokens)
    facet_where = _facet_conditions(query)
    counts = _facet_counts(base, facet_where)
    facets = _build_facets(query, counts)
    rows, total_models, total_offers = _model_cards(base, facet_where, query)
    if not rows and query.page > 1:
        # A page past the end (an old link) shows the last page instead.
        _, total_models, _ = _model_cards(base, facet_where, replace(query, page=1))
        last_page = max(1, math.ceil(total_models / query.page_size))
        query = replace(query, page=last_page)
        rows, total_models, total_offers = _model_cards(base, facet_where, query)
    cards = model_cards(rows, query.market.currency)
    return SearchResult(
        cards=cards,
        total_models=total_models,
        total_offers=total_offers,
        page=query.page,
        num_pages=max(1, math.ceil(total_models / query.page_size)),
        facets=facets,
        active_filters=_active_filters(query, facets),
        corrected_text=match.corrected_text,
    )
