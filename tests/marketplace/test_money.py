"""Money: rounding, minor units and the way each market writes an amount."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.markets import MARKETS
from marketplace.money import format_money, quantize, saving_percent, to_minor_units

NNBSP = "\u202f"  # narrow no-break space: French thousands
NBSP = "\u00a0"  # no-break space: before the euro sign


@pytest.mark.parametrize(
    ("market", "amount", "expected"),
    [
        ("US", "1249", "$1,249.00"),
        ("US", "1249.5", "$1,249.50"),
        ("US", "0.5", "$0.50"),
        ("US", "999.99", "$999.99"),
        ("US", "1234567.891", "$1,234,567.89"),
        ("FR", "1249", f"1{NNBSP}249,00{NBSP}€"),
        ("FR", "1234567.8", f"1{NNBSP}234{NNBSP}567,80{NBSP}€"),
        ("FR", "12", f"12,00{NBSP}€"),
        ("DE", "1249", f"1.249,00{NBSP}€"),
        ("BE", "1249", f"1.249,00{NBSP}€"),
        ("IT", "1249", f"1.249,00{NBSP}€"),
        ("ES", "1249", f"1.249,00{NBSP}€"),
    ],
)
def test_format_money_writes_an_amount_the_way_the_market_does(
    market, amount, expected
):
    market = MARKETS[market]
    assert format_money(Decimal(amount), market.currency, market) == expected


@pytest.mark.parametrize(
    ("market", "expected"),
    [("US", "-$1,249.00"), ("FR", f"-1{NNBSP}249,00{NBSP}€"), ("DE", "-1.249,00\xa0€")],
)
def test_format_money_puts_the_minus_sign_first(market, expected):
    market = MARKETS[market]
    assert format_money(Decimal("-1249"), market.currency, market) == expected


def test_a_negative_amount_that_rounds_to_zero_has_no_minus_sign():
    assert format_money(Decimal("-0.004"), "USD", MARKETS["US"]) == "$0.00"


def test_format_money_rounds_half_up_to_the_cent():
    assert format_money(Decimal("0.125"), "USD", MARKETS["US"]) == "$0.13"
    assert format_money(Decimal("2.675"), "EUR", MARKETS["DE"]) == f"2,68{NBSP}€"


def test_format_money_of_nothing_is_an_empty_string():
    assert format_money(None, "USD", MARKETS["US"]) == ""


def test_format_money_without_a_market_uses_the_currency_s_way():
    assert format_money(Decimal("1249"), "USD") == "$1,249.00"
    assert format_money(Decimal("1249"), "EUR") == f"1{NNBSP}249,00{NBSP}€"


def test_format_money_never_shows_a_currency_other_than_the_amount_s():
    """A euro amount on a US page is still written in euros, not dollars."""
    written = format_money(Decimal("1249"), "EUR", MARKETS["US"])
    assert written.endswith("€")
    assert "$" not in written


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("2.675", "2.68"),
        ("2.665", "2.67"),
        ("1.994", "1.99"),
        ("-0.005", "-0.01"),
        ("-2.675", "-2.68"),
        ("10", "10.00"),
    ],
)
def test_quantize_rounds_half_up_away_from_zero(amount, expected):
    rounded = quantize(Decimal(amount))
    assert rounded == Decimal(expected)
    assert rounded.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("12.34", "USD", 1234),
        ("1249", "EUR", 124900),
        ("0.005", "EUR", 1),
        ("0.004", "USD", 0),
        ("19.999", "USD", 2000),
        ("-12.34", "USD", -1234),
    ],
)
def test_to_minor_units_gives_whole_cents(amount, currency, expected):
    minor = to_minor_units(Decimal(amount), currency)
    assert minor == expected
    assert type(minor) is int


def test_to_minor_units_refuses_a_currency_it_does_not_know():
    with pytest.raises(KeyError):
        to_minor_units(Decimal("1"), "JPY")


@pytest.mark.parametrize(
    ("price", "new_price", "expected"),
    [
        ("500", "1000", 50),
        ("995", "1000", 1),  # 0.5 % rounds half up
        ("200", "300", 33),
        ("100", "300", 67),
        ("0.01", "1000", 100),
    ],
)
def test_saving_percent_is_the_whole_percent_saved_against_new(
    price, new_price, expected
):
    assert saving_percent(Decimal(price), Decimal(new_price)) == expected


@pytest.mark.parametrize(
    ("price", "new_price"),
    [
        ("1000", "1000"),  # same price: no saving to boast of
        ("1200", "1000"),  # dearer than new
        ("500", None),
        ("500", "0"),
        ("500", "-10"),
    ],
)
def test_saving_percent_is_none_when_there_is_no_saving_to_show(price, new_price):
    new = None if new_price is None else Decimal(new_price)
    assert saving_percent(Decimal(price), new) is None


def test_a_saving_that_rounds_to_zero_percent_is_not_shown():
    assert saving_percent(Decimal("999.00"), Decimal("1000.00")) is None
    assert saving_percent(Decimal("994.00"), Decimal("1000.00")) == 1
