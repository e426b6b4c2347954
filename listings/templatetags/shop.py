"""Template filters and tags of the shop: money, grades, device pictures, ratings."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.urls import reverse
from django.utils.translation import gettext

from listings.models import GRADE_DEFINITIONS, GRADE_ORDER, Grade
from marketplace.markets import MARKETS, Market
from marketplace.money import format_money

register = template.Library()

# Colour of a device picture when no variant is at hand (category tiles).
KIND_DEFAULT_HEX = {
    "phone": "3b4a5c",
    "laptop": "a7adb5",
    "tablet": "6b7785",
    "watch": "2f3b46",
    "console": "e9ecef",
}
GRADE_LABELS = dict(Grade.choices)


def _as_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


def _context_market(context) -> Market | None:
    market = context.get("market")
    if isinstance(market, Market):
        return market
    request = context.get("request")
    return getattr(request, "market", None)


@register.filter(name="money")
def money_filter(amount, market_or_currency) -> str:
    """Format an amount: ``{{ price|money:market }}`` or ``{{ price|money:"EUR" }}``.

    Given a market, the amount is written in that market's currency and style
    (``$249.00``, ``249,00 €``); given a currency code, in the first market that
    uses it.
    """
    value = _as_decimal(amount)
    if value is None:
        return ""
    if isinstance(market_or_currency, Market):
        return format_money(value, market_or_currency.currency, market_or_currency)
    currency = str(market_or_currency or "").upper()
    if currency not in {m.currency for m in MARKETS.values()}:
        return ""
    return format_money(value, currency)


@register.simple_tag(takes_context=True)
def money(context, amount, currency: str | None = None) -> str:
    """Format an amount in its currency, the way the shopper's market writes it."""
    value = _as_decimal(amount)
    if value is None:
        return ""
    market = _context_market(context)
    currency = str(currency or (market.currency if market else "USD")).upper()
    if currency not in {m.currency for m in MARKETS.values()}:
        return ""
    return format_money(value, currency, market)


@register.filter
def grade_label(code) -> str:
    """``"A"`` → ``"Excellent"``."""
    return GRADE_LABELS.get(str(code), str(code))


@register.filter
def grade_definition(code) -> str:
    """The one-line meaning of a grade."""
    return GRADE_DEFINITIONS.get(str(code), "")


@register.simple_tag
def grade_choices() -> list[tuple[str, str, str]]:
    """Every grade as (code, label, definition), best first."""
    return [(g.value, g.label, GRADE_DEFINITIONS[g]) for g in GRADE_ORDER]


@register.simple_tag
def device_image_url(kind, colour_hex=None) -> str:
    """The URL of the generated picture of a device of ``kind`` in a colour."""
    kind = str(kind or "phone")
    colour = str(colour_hex or "").lstrip("#").lower()
    if len(colour) != 6 or any(c not in "0123456789abcdef" for c in colour):
        colour = KIND_DEFAULT_HEX.get(kind, "3b4a5c")
    if kind not in KIND_DEFAULT_HEX:
        kind = "phone"
    return reverse("device-image", kwargs={"kind": kind, "colour": colour})


@register.filter
def rating(value) -> str:
    """A seller rating out of 5 with one decimal: ``4.6``."""
    number = _as_decimal(value)
    if number is None:
        return ""
    return f"{number:.1f}"


@register.filter
def in_market(market) -> str:
    """``in France``, ``in the United States``: where the shopper is buying."""
    name = getattr(market, "name", "") or str(market or "")
    # Two whole phrases: languages differ in which country names take an article.
    if name.startswith("United "):
        return gettext("in the %(country)s") % {"country": name}
    return gettext("in %(country)s") % {"country": name}
