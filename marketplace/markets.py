"""The markets ReMarket sells in, and the rules that follow from the shopper's choice.

Markets are configuration, not data: they change with a release, never at run time,
and every price, availability and shipping rule reads them from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Market:
    code: str  # ISO 3166-1 alpha-2, also the country shipped to
    name: str | Promise  # translated when shown, in the reader's language
    currency: str  # ISO 4217
    language: str
    flag: str
    # Markets that may sell to this one (cross-border rule).
    trade_zone: frozenset[str]
    warranty_min_months: int = 6
    # Languages a shopper may read this market's shop in: the market's own
    # language first (its default), then the others; English everywhere.
    languages: tuple[str, ...] = ("en",)
    return_window_days: int = 30
    # Format of money: thousands separator, decimal separator, symbol placement.
    thousands: str = ","
    decimal: str = "."
    symbol_before: bool = True

    @property
    def symbol(self) -> str:
        return CURRENCY_SYMBOLS[self.currency]


CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€"}
EU_ZONE = frozenset({"FR", "BE", "DE", "IT", "ES"})
NARROW_NBSP = "\u202f"  # French writes thousands with a narrow no-break space

MARKETS: dict[str, Market] = {
    market.code: market
    for market in [
        Market(
            "US", gettext_lazy("United States"), "USD", "en", "🇺🇸", frozenset({"US"}),
        ),
        # French law gives refurbished goods a 12-month legal guarantee.
        Market(
            "FR", gettext_lazy("France"), "EUR", "fr", "🇫🇷", EU_ZONE, 12,
            languages=("fr", "en"),
            thousands=NARROW_NBSP, decimal=",", symbol_before=False,
        ),
        Market(
            "BE", gettext_lazy("Belgium"), "EUR", "fr", "🇧🇪", EU_ZONE, 12,
            languages=("fr", "nl", "en"),
            thousands=".", decimal=",", symbol_before=False,
        ),
        Market(
            "DE", gettext_lazy("Germany"), "EUR", "de", "🇩🇪", EU_ZONE, 12,
            languages=("de", "en"),
            thousands=".", decimal=",", symbol_before=False,
        ),
        Market(
            "IT", gettext_lazy("Italy"), "EUR", "it", "🇮🇹", EU_ZONE, 12,
            languages=("it", "en"),
            thousands=".", decimal=",", symbol_before=False,
        ),
        Market(
            "ES", gettext_lazy("Spain"), "EUR", "es", "🇪🇸", EU_ZONE, 12,
            languages=("es", "en"),
            thousands=".", decimal=",", symbol_before=False,
        ),
    ]
}  # fmt: skip

MARKET_CHOICES = [(code, market.name) for code, market in MARKETS.items()]
PLATFORM_WARRANTY_MIN_MONTHS = 6


def get_market(code: str | None) -> Market | None:
    """Return the market for a code, or None for anything unknown."""
    if not code:
        return None
    return MARKETS.get(str(code).strip().upper())


def markets_reachable_from(country: str) -> list[str]:
    """Markets a refurbisher based in ``country`` may sell to."""
    market = MARKETS.get(country)
    return sorted(market.trade_zone) if market else []


def can_ship(from_country: str, to_market: str) -> bool:
    """Whether a refurbisher based in ``from_country`` may sell in ``to_market``."""
    market = MARKETS.get(to_market)
    return market is not None and from_country in market.trade_zone
