"""The shopper's search: parsing GET parameters leniently into a SearchQuery."""

from __future__ import annotations

import re
from dataclasses import MISSING, dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils.translation import gettext_lazy

from listings.models import Category, Grade
from marketplace.markets import Market

SORTS = [
    ("recommended", gettext_lazy("Recommended")),
    ("price_asc", gettext_lazy("Price: low to high")),
    ("price_desc", gettext_lazy("Price: high to low")),
    ("newest", gettext_lazy("Newest models")),
]
SORT_KEYS = {key for key, _ in SORTS}
BATTERY_LEVELS = [85, 90, 95, 100]
# Price facet buckets (lower bound inclusive, upper exclusive; None = open).
PRICE_BUCKETS = [
    (0, 150), (150, 300), (300, 500), (500, 750), (750, 1000), (1000, 1500),
    (1500, None),
]  # fmt: skip
MAX_TEXT_LENGTH = 100
MAX_VALUES_PER_FILTER = 20
MAX_PAGE = 1000
_SLUG = re.compile(r"^[-a-z0-9_]{1,140}$")


def price_bucket_key(low: int, high: int | None) -> str:
    return f"{low}-{high}" if high is not None else f"{low}-"


_BUCKETS_BY_KEY = {price_bucket_key(lo, hi): (lo, hi) for lo, hi in PRICE_BUCKETS}


def bucket(key: str) -> tuple[int, int | None]:
    """The (low, high) bounds of a price bucket key."""
    return _BUCKETS_BY_KEY[key]


@dataclass(frozen=True)
class SearchQuery:
    market: Market
    text: str = ""
    category: Category | None = None
    brands: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    storages: tuple[int, ...] = ()
    colours: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()
    prices: tuple[str, ...] = ()  # price bucket keys, e.g. "300-500"
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    battery_min: int | None = None
    sort: str = "recommended"
    page: int = 1
    page_size: int = field(default=24, compare=False)

    @property
    def price_ranges(self) -> list[tuple[int, int | None]]:
        return [_BUCKETS_BY_KEY[key] for key in self.prices]

    @property
    def has_filters(self) -> bool:
        return bool(
            self.brands or self.models or self.storages or self.colours or self.grades
            or self.prices or self.price_min is not None or self.price_max is not None
            or self.battery_min is not None
        )  # fmt: skip

    def params(self) -> list[tuple[str, str]]:
        """The query as GET parameters, in a stable order (links and cache keys)."""
        pairs: list[tuple[str, str]] = []
        if self.text:
            pairs.append(("q", self.text))
        pairs += [("brand", v) for v in self.brands]
        pairs += [("model", v) for v in self.models]
        pairs += [("storage", str(v)) for v in self.storages]
        pairs += [("colour", v) for v in self.colours]
        pairs += [("grade", v) for v in self.grades]
        pairs += [("price", v) for v in self.prices]
        if self.price_min is not None:
            pairs.append(("price_min", str(self.price_min)))
        if self.price_max is not None:
            pairs.append(("price_max", str(self.price_max)))
        if self.battery_min is not None:
            pairs.append(("battery", str(self.battery_min)))
        if self.sort != "recommended":
            pairs.append(("sort", self.sort))
        if self.page != 1:
            pairs.append(("page", str(self.page)))
        return pairs

    def querystring(self, **changes) -> str:
        """Urlencoded parameters with some fields changed (None resets to default).

        ``q.querystring(page=3)``; ``q.querystring(sort="price_asc", page=None)``.
        A filter change sends the shopper back to page 1.
        """
        values = {
            name: _DEFAULTS[name] if value is None else value
            for name, value in changes.items()
        }
        values.setdefault("page", 1)
        return urlencode(replace(self, **values).params())

    def without(self, name: str, value: object = None) -> str:
        """Querystring with one filter value (or the whole filter) removed."""
        current = getattr(self, name)
        if name in _TUPLE_FIELDS and value is not None:
            return self.querystring(**{name: tuple(v for v in current if v != value)})
        return self.querystring(**{name: None})


_TUPLE_FIELDS = {"brands", "models", "storages", "colours", "grades", "prices"}
_DEFAULTS = {f.name: f.default for f in fields(SearchQuery) if f.default is not MISSING}


def _without_nul(params: QueryDict) -> QueryDict:
    """A copy without NUL characters, which PostgreSQL refuses in text."""
    clean = QueryDict(mutable=True)
    for key, values in params.lists():
        clean.setlist(key, [value.replace("\x00", "") for value in values])
    return clean


def _slugs(params: QueryDict, name: str) -> tuple[str, ...]:
    values = [v.strip().lower() for v in params.getlist(name)[:MAX_VALUES_PER_FILTER]]
    return tuple(dict.fromkeys(v for v in values if _SLUG.match(v)))


def _ints(params: QueryDict, name: str, low: int, high: int) -> tuple[int, ...]:
    found = []
    for raw in params.getlist(name)[:MAX_VALUES_PER_FILTER]:
        try:
            value = int(raw)
        except (TypeError, ValueError):
            continue
        if low <= value <= high:
            found.append(value)
    return tuple(dict.fromkeys(found))


def _decimal(raw: str | None) -> Decimal | None:
    if not raw:
        return None
    try:
        value = Decimal(raw.strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        return None
    if not value.is_finite() or value < 0 or value > Decimal("1000000"):
        return None
    return value.quantize(Decimal("0.01"))


def search_query_from_params(
    params: QueryDict,
    *,
    market: Market,
    category: Category | None = None,
    page_size: int = 24,
) -> SearchQuery:
    """Read a SearchQuery from GET parameters; anything malformed is ignored."""
    params = _without_nul(params)
    text = " ".join((params.get("q") or "").split())[:MAX_TEXT_LENGTH]
    colours = []
    for raw in params.getlist("colour")[:MAX_VALUES_PER_FILTER]:
        value = " ".join(raw.split())[:40]
        if value and value not in colours:
            colours.append(value)
    grades = tuple(
        dict.fromkeys(
            g for g in (v.upper() for v in params.getlist("grade")) if g in Grade.values
        )
    )
    prices = tuple(
        dict.fromkeys(p for p in params.getlist("price") if p in _BUCKETS_BY_KEY)
    )
    battery = _ints(params, "battery", 80, 100)
    sort = params.get("sort") or "recommended"
    pages = _ints(params, "page", 1, MAX_PAGE)
    price_min, price_max = (
        _decimal(params.get("price_min")),
        _decimal(params.get("price_max")),
    )
    if price_min is not None and price_max is not None and price_min > price_max:
        price_min, price_max = price_max, price_min
    return SearchQuery(
        market=market,
        text=text,
        category=category,
        brands=_slugs(params, "brand"),
        models=_slugs(params, "model"),
        storages=_ints(params, "storage", 1, 16384),
        colours=tuple(colours),
        grades=grades,
        prices=prices,
        price_min=price_min,
        price_max=price_max,
        battery_min=battery[0] if battery else None,
        sort=sort if sort in SORT_KEYS else "recommended",
        page=pages[0] if pages else 1,
        page_size=page_size,
    )
