"""Money: Decimal amounts with their ISO 4217 currency, rounding and formatting."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from marketplace.markets import CURRENCY_SYMBOLS, MARKETS, Market

CENT = Decimal("0.01")
# Every supported currency has two decimal places (minor units at Stripe).
MINOR_UNIT_EXPONENT = {"USD": 2, "EUR": 2}


def quantize(amount: Decimal) -> Decimal:
    """Round an amount to cents, half up, as shoppers expect on a receipt."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Convert an amount to the integer minor units Stripe takes."""
    exponent = MINOR_UNIT_EXPONENT[currency]
    return int((quantize(amount) * (10**exponent)).to_integral_value())


def format_money(
    amount: Decimal | None,
    currency: str,
    market: Market | None = None,
    *,
    whole: bool = False,
) -> str:
    """Format an amount the way the market writes it: ``$1,249.00``, ``1 249,00 €``.

    ``whole`` leaves out the cents of a round amount (``$150``), for ranges.
    """
    if amount is None:
        return ""
    if market is None or market.currency != currency:
        market = next(m for m in MARKETS.values() if m.currency == currency)
    amount = quantize(amount)
    sign = "-" if amount < 0 else ""
    units, _, cents = f"{abs(amount):.2f}".partition(".")
    groups = []
    while len(units) > 3:
        groups.insert(0, units[-3:])
        units = units[:-3]
    groups.insert(0, units)
    number = market.thousands.join(groups)
    if not (whole and cents == "00"):
        number += market.decimal + cents
    symbol = CURRENCY_SYMBOLS[currency]
    if market.symbol_before:
        return f"{sign}{symbol}{number}"
    return f"{sign}{number}\u00a0{symbol}"


def saving_percent(price: Decimal, new_price: Decimal | None) -> int | None:
    """Whole-percent saving of a price against the new price, or None."""
    if not new_price or new_price <= 0 or price >= new_price:
        return None
    percent = int(
        ((new_price - price) / new_price * 100).to_integral_value(ROUND_HALF_UP)
    )
    # "Save 0%" helps nobody: a saving that rounds to nothing is not shown.
    return percent or None
