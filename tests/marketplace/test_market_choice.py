"""Choosing a market: the cookie, the way back, and the market of every request."""

from __future__ import annotations

import pytest

from marketplace.middleware import MARKET_COOKIE

YEAR = 365 * 24 * 3600


def test_choosing_a_market_remembers_it_and_goes_back_where_the_shopper_was(client):
    response = client.post("/market/", {"market": "FR", "next": "/phones/?page=2"})

    assert response.status_code == 302
    assert response["Location"] == "/phones/?page=2"
    cookie = response.cookies[MARKET_COOKIE]
    assert cookie.value == "FR"
    assert cookie["max-age"] == YEAR
    assert cookie["samesite"] == "Lax"


def test_a_market_code_in_lower_case_is_remembered_in_upper_case(client):
    response = client.post("/market/", {"market": "de", "next": "/"})

    assert response.cookies[MARKET_COOKIE].value == "DE"


def test_choosing_a_market_without_next_goes_home(client):
    response = client.post("/market/", {"market": "IT"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[MARKET_COOKIE].value == "IT"


@pytest.mark.parametrize(
    "unsafe",
    [
        "http://evil.example",
        "https://evil.example/phones/",
        "//evil.example/",
        "javascript:alert(1)",
        "http://testserver.evil.example/",
    ],
)
def test_an_unsafe_next_goes_home_instead(client, unsafe):
    response = client.post("/market/", {"market": "ES", "next": unsafe})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[MARKET_COOKIE].value == "ES"


def test_a_next_on_this_site_with_its_host_is_followed(client):
    response = client.post(
        "/market/", {"market": "BE", "next": "http://testserver/laptops/"}
    )

    assert response["Location"] == "http://testserver/laptops/"


@pytest.mark.parametrize("unknown", ["xx", "", "GB", "france"])
def test_an_unknown_market_changes_nothing(client, unknown):
    client.cookies[MARKET_COOKIE] = "DE"

    response = client.post("/market/", {"market": unknown, "next": "/tablets/"})

    assert response.status_code == 302
    assert response["Location"] == "/tablets/"
    assert MARKET_COOKIE not in response.cookies
    assert client.cookies[MARKET_COOKIE].value == "DE"


def test_the_market_cannot_be_chosen_with_a_get(client):
    response = client.get("/market/", {"market": "FR", "next": "/"})

    assert response.status_code == 405
    assert MARKET_COOKIE not in response.cookies


def _market_of_a_request(client) -> str:
    # The middleware runs on every request; this one renders no page.
    response = client.post("/market/", {"next": "/"})
    assert MARKET_COOKIE not in response.cookies
    return response.wsgi_request.market.code


def test_a_request_carries_the_market_of_its_cookie(client):
    client.cookies[MARKET_COOKIE] = "it"

    assert _market_of_a_request(client) == "IT"


@pytest.mark.parametrize("junk", ["xx", "", "'; DROP TABLE", "usa"])
def test_a_junk_market_cookie_falls_back_to_the_default_market(client, settings, junk):
    settings.DEFAULT_MARKET = "DE"
    client.cookies[MARKET_COOKIE] = junk

    assert _market_of_a_request(client) == "DE"


def test_a_request_without_a_cookie_is_in_the_default_market(client, settings):
    settings.DEFAULT_MARKET = "ES"

    assert _market_of_a_request(client) == "ES"


def test_a_misconfigured_default_market_falls_back_to_the_us(client, settings):
    settings.DEFAULT_MARKET = "GB"

    assert _market_of_a_request(client) == "US"
