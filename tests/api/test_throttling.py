"""Throttling: per key on the seller API, per client address without a key.

Rates are settings read when DRF loads; the tests lower them by patching the
throttle classes' rate table (configuration, not our code). Counts live in the
real Redis cache, emptied before each test.

Keyless calls are checked on the public catalog (what anonymous programs
call) and on ``/api/schema/`` (public too, and served by DRF with the same
default throttles). A keyless call to a seller endpoint never reaches the
throttles: it is refused first (401), so it cannot show the per-address limit.
"""

from __future__ import annotations

import time

import pytest
from rest_framework.test import APIClient

from marketplace.api.throttling import PerIpThrottle, PerKeyThrottle
from tests.support.api import seller_key_make

pytestmark = pytest.mark.django_db
ME = "/api/v1/seller/me/"
SCHEMA = "/api/schema/"
CATALOG = "/api/v1/catalog/categories/"


@pytest.fixture
def key_rate(monkeypatch):
    def set_rate(rate: str) -> None:
        monkeypatch.setattr(PerKeyThrottle, "THROTTLE_RATES", {"api_key": rate})

    return set_rate


@pytest.fixture
def ip_rate(monkeypatch):
    def set_rate(rate: str) -> None:
        monkeypatch.setattr(PerIpThrottle, "THROTTLE_RATES", {"api_ip": rate})

    return set_rate


def me(key: str, address: str = "203.0.113.7"):
    return APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR=address)


def schema(address: str):
    return APIClient().get(SCHEMA, HTTP_ACCEPT="application/json", REMOTE_ADDR=address)


def assert_throttled(response, *, at_most: int) -> int:
    """A 429 in the error shape with a Retry-After of 1 to ``at_most`` seconds."""
    assert response.status_code == 429, response.content
    wait = int(response["Retry-After"])
    assert 1 <= wait <= at_most
    body = response.json()
    assert body["error"]["code"] == "throttled"
    assert body["error"]["fields"] == {}
    assert f"Expected available in {wait} second" in body["error"]["message"]
    return wait


# --- Per key --------------------------------------------------------------------


def test_a_key_over_its_rate_gets_429_with_retry_after(api_key, key_rate):
    key_rate("3/min")
    assert [me(api_key.key).status_code for _ in range(3)] == [200, 200, 200]
    assert_throttled(me(api_key.key), at_most=60)
    assert_throttled(me(api_key.key), at_most=60)


def test_another_key_is_not_throttled_even_from_the_same_address(api_key, key_rate):
    key_rate("2/min")
    colleague = seller_key_make(api_key.refurbisher, name="Scanner")
    stranger = seller_key_make()
    for _ in range(2):
        me(api_key.key)
    assert me(api_key.key).status_code == 429

    assert me(colleague.key).status_code == 200
    assert me(stranger.key).status_code == 200


def test_a_key_counts_the_same_from_every_address(api_key, key_rate):
    key_rate("2/min")
    assert me(api_key.key, "198.51.100.1").status_code == 200
    assert me(api_key.key, "198.51.100.2").status_code == 200
    assert me(api_key.key, "198.51.100.3").status_code == 429


def test_a_throttled_key_gets_in_again_once_the_window_has_passed(api_key, key_rate):
    key_rate("2/s")
    me(api_key.key), me(api_key.key)
    assert_throttled(me(api_key.key), at_most=1)
    time.sleep(1.1)
    assert me(api_key.key).status_code == 200


def test_the_default_rate_is_1200_a_minute_per_key():
    throttle = PerKeyThrottle()
    assert (throttle.num_requests, throttle.duration) == (1200, 60)


# --- Per address, without a key -------------------------------------------------


def test_the_public_catalog_is_limited_per_address(db, ip_rate):
    ip_rate("3/min")
    calls = [APIClient().get(CATALOG, REMOTE_ADDR="192.0.2.30") for _ in range(3)]
    assert [response.status_code for response in calls] == [200, 200, 200]
    assert_throttled(APIClient().get(CATALOG, REMOTE_ADDR="192.0.2.30"), at_most=60)
    assert APIClient().get(CATALOG, REMOTE_ADDR="192.0.2.31").status_code == 200


def test_keyless_calls_are_counted_per_address(db, ip_rate):
    ip_rate("2/min")
    assert [schema("192.0.2.10").status_code for _ in range(2)] == [200, 200]
    assert_throttled(schema("192.0.2.10"), at_most=60)
    # Another address has its own count.
    assert schema("192.0.2.11").status_code == 200


def test_calls_with_a_key_are_not_counted_per_address(api_key, ip_rate):
    """A seller's systems behind one address are limited per key, not per IP."""
    ip_rate("2/min")
    assert [me(api_key.key, "192.0.2.20").status_code for _ in range(5)] == [200] * 5
    assert schema("192.0.2.20").status_code == 200


def test_the_default_rate_is_120_a_minute_per_address():
    throttle = PerIpThrottle()
    assert (throttle.num_requests, throttle.duration) == (120, 60)
