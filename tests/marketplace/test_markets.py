"""Markets: who may sell where, and reading a market code from the outside."""

from __future__ import annotations

import itertools

import pytest

from marketplace.markets import (
    MARKETS,
    PLATFORM_WARRANTY_MIN_MONTHS,
    can_ship,
    get_market,
    markets_reachable_from,
)

EU_FIVE = ["FR", "BE", "DE", "IT", "ES"]


def test_the_marketplace_sells_in_the_us_and_the_eu_five():
    assert set(MARKETS) == {"US", *EU_FIVE}


@pytest.mark.parametrize("country", list(MARKETS))
def test_the_us_market_buys_only_from_us_refurbishers(country):
    assert can_ship(country, "US") is (country == "US")


@pytest.mark.parametrize(("seller", "buyer"), list(itertools.product(EU_FIVE, EU_FIVE)))
def test_each_eu_market_buys_from_every_eu_market(seller, buyer):
    assert can_ship(seller, buyer) is True


@pytest.mark.parametrize("market", EU_FIVE)
def test_a_us_refurbisher_cannot_sell_in_an_eu_market(market):
    assert can_ship("US", market) is False


@pytest.mark.parametrize(
    ("from_country", "to_market"),
    [("GB", "FR"), ("CH", "US"), ("FR", "GB"), ("US", "us"), ("", "US"), ("US", "")],
)
def test_an_unknown_country_or_market_never_ships(from_country, to_market):
    assert can_ship(from_country, to_market) is False


def test_markets_reachable_from_a_country_are_its_trade_zone():
    assert markets_reachable_from("US") == ["US"]
    for country in EU_FIVE:
        assert markets_reachable_from(country) == sorted(EU_FIVE)
    assert markets_reachable_from("GB") == []


@pytest.mark.parametrize("junk", ["", "   ", None, "xx", "XX", "usa", "F R", 42])
def test_get_market_returns_none_for_anything_unknown(junk):
    assert get_market(junk) is None


@pytest.mark.parametrize(
    ("code", "expected"),
    [("fr", "FR"), ("FR", "FR"), (" de ", "DE"), ("Us", "US"), ("es\n", "ES")],
)
def test_get_market_reads_a_code_whatever_its_case_and_spacing(code, expected):
    market = get_market(code)
    assert market is not None
    assert market.code == expected


def test_each_market_prices_in_its_currency():
    assert MARKETS["US"].currency == "USD"
    assert {MARKETS[code].currency for code in EU_FIVE} == {"EUR"}
    assert MARKETS["US"].symbol == "$"
    assert MARKETS["FR"].symbol == "€"


def test_no_market_asks_less_than_the_platform_warranty_and_the_eu_asks_a_year():
    assert PLATFORM_WARRANTY_MIN_MONTHS == 6
    assert MARKETS["US"].warranty_min_months == 6
    for code in EU_FIVE:
        assert MARKETS[code].warranty_min_months == 12
    assert all(
        market.warranty_min_months >= PLATFORM_WARRANTY_MIN_MONTHS
        for market in MARKETS.values()
    )


@pytest.mark.parametrize("value", ["XX", "uk", "U S"])
def test_settings_refuse_an_unknown_default_market(value):
    """A typo in DEFAULT_MARKET stops the project at start-up, not on a page."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DEFAULT_MARKET": value}
    completed = subprocess.run(
        [sys.executable, "-c", "import marketplace.settings"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert completed.returncode != 0
    assert "DEFAULT_MARKET must be one of" in completed.stderr


def test_redis_database_urls_keep_the_server_and_query():
    from marketplace.settings import redis_db_url

    assert redis_db_url("redis://h:6379/3", 1) == "redis://h:6379/1"
    assert redis_db_url("redis://h:6379", 2) == "redis://h:6379/2"
    assert (
        redis_db_url("rediss://u:p@h:6380/0?ssl_cert_reqs=none", 1)
        == "rediss://u:p@h:6380/1?ssl_cert_reqs=none"
    )


def test_each_market_offers_its_own_languages_and_english():
    offered = {code: market.languages for code, market in MARKETS.items()}
    assert offered == {
        "US": ("en",),
        "FR": ("fr", "en"),
        "BE": ("fr", "nl", "en"),
        "DE": ("de", "en"),
        "IT": ("it", "en"),
        "ES": ("es", "en"),
    }


@pytest.mark.parametrize("market", MARKETS.values(), ids=list(MARKETS))
def test_a_markets_default_language_comes_first_and_is_a_shop_language(
    market, settings
):
    shop_languages = {code for code, _name in settings.LANGUAGES}
    assert market.languages[0] == market.language
    assert set(market.languages) <= shop_languages
