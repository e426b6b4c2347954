"""/healthz (public liveness) and /readyz (readiness for operators).

Readiness is a real round trip to PostgreSQL, Redis and a Celery worker; a
worker's answer is cached for a few seconds, so a burst of calls sends one
probe through the broker (counted in the broker's queue itself).
"""

from __future__ import annotations

import threading
import time

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from marketplace.celery import app
from marketplace.tasks import heartbeat

pytestmark = pytest.mark.django_db

TOKEN = "health-token-for-tests"


@pytest.fixture
def operator(settings) -> Client:
    """A client that shows this installation's health token."""
    settings.HEALTH_TOKEN = TOKEN
    return Client(headers={"X-Health-Token": TOKEN})


@pytest.fixture
def queue_without_worker():
    """Send this test's tasks to a queue no worker consumes, then drop it.

    Yields a function that counts the messages waiting in that queue: each is
    one probe a health check sent.
    """
    test_queue = app.conf.task_default_queue
    queue = f"{test_queue}-nobody"
    app.conf.task_default_queue = queue
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    try:
        yield lambda: client.llen(queue)
    finally:
        app.conf.task_default_queue = test_queue
        try:
            client.delete(queue)
        finally:
            client.close()


# --- Liveness -------------------------------------------------------------------


def test_healthz_says_only_that_the_process_answers(
    client, queue_without_worker, django_assert_num_queries
):
    started = time.monotonic()
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"ok": True}  # no versions, no services
    assert "no-cache" in response["Cache-Control"]
    assert queue_without_worker() == 0  # no Celery round trip either
    assert time.monotonic() - started < 1


def test_healthz_and_readyz_answer_plain_http_probes_despite_the_https_redirect(
    client, operator, settings
):
    settings.SECURE_SSL_REDIRECT = True
    settings.HEALTHZ_CELERY_TIMEOUT = 0.5

    assert client.get("/").status_code == 301
    assert client.get("/healthz").status_code == 200
    assert operator.get("/readyz").status_code in {200, 503}


# --- Who sees readiness ---------------------------------------------------------


def test_readyz_shows_nothing_without_the_token_when_debug_is_off(settings):
    settings.DEBUG = False
    settings.HEALTH_TOKEN = ""
    # The test client comes from 127.0.0.1: with DEBUG off that counts for
    # nothing, as a proxy on the same machine makes every visitor local.
    anonymous = Client().get("/readyz")
    settings.HEALTH_TOKEN = TOKEN
    wrong = Client(headers={"X-Health-Token": "not-the-token"}).get("/readyz")
    empty = Client(headers={"X-Health-Token": ""}).get("/readyz")

    for response in (anonymous, wrong, empty):
        assert response.status_code == 403
        body = response.json()
        assert "checks" not in body
        assert "X-Health-Token" in body["error"]


def test_readyz_with_no_token_configured_refuses_an_empty_header(settings):
    settings.DEBUG = False
    settings.HEALTH_TOKEN = ""

    response = Client(headers={"X-Health-Token": ""}).get("/readyz")

    assert response.status_code == 403


def test_readyz_answers_this_machine_without_a_token_only_with_debug_on(
    settings, celery_worker
):
    settings.DEBUG = True
    settings.HEALTH_TOKEN = ""

    local = Client().get("/readyz")
    local_v6 = Client(REMOTE_ADDR="::1").get("/readyz")
    internal = Client(REMOTE_ADDR="10.0.0.5").get("/readyz")

    assert local.status_code == 200
    assert local.json()["ok"] is True
    assert local_v6.status_code == 200
    assert internal.status_code == 403


# --- What readiness says ----------------------------------------------------------


def test_readyz_is_ok_when_database_redis_and_a_worker_answer(operator, celery_worker):
    response = operator.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    checks = body["checks"]
    assert {name: check.get("ok") for name, check in checks.items()} == {
        "database": True,
        "redis": True,
        "celery": True,
        "beat": None,  # reported, not judged: its first beat comes a minute in
    }
    assert checks["database"]["version"].startswith("PostgreSQL ")
    assert checks["redis"]["version"]
    assert "no-cache" in response["Cache-Control"]


def test_readyz_shows_the_heartbeat_a_worker_recorded(operator, celery_worker):
    beat = heartbeat.delay().get(timeout=10)

    body = operator.get("/readyz").json()

    assert body["checks"]["beat"]["last_heartbeat"] == beat


def test_readyz_is_unavailable_when_no_worker_answers(
    operator, queue_without_worker, settings
):
    settings.HEALTHZ_CELERY_TIMEOUT = 1.0
    started = time.monotonic()
    response = operator.get("/readyz")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    celery = body["checks"]["celery"]
    assert celery["ok"] is False
    assert "Timeout" in celery["error"]
    # The other services are still reported as up: the page says what is down.
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True
    assert elapsed < 3


# --- The worker's answer is cached ------------------------------------------------


def test_a_burst_of_readiness_calls_sends_one_probe_to_celery(
    queue_without_worker, settings
):
    settings.HEALTH_TOKEN = TOKEN
    settings.HEALTHZ_CELERY_TIMEOUT = 1.0
    settings.HEALTH_CELERY_CACHE_SECONDS = 2
    callers = 8
    start = threading.Barrier(callers)
    answers: list[dict] = []

    def call() -> None:
        try:
            start.wait()
            client = Client(headers={"X-Health-Token": TOKEN})
            answers.append(client.get("/readyz").json()["checks"]["celery"])
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(answers) == callers
    assert queue_without_worker() == 1  # one probe went to the broker
    assert all(answer["ok"] is False for answer in answers)
    assert [answer["cached"] for answer in answers].count(False) == 1
    assert len({answer["checked_at"] for answer in answers}) == 1

    # Once the answer is older than the cache window, the next call probes again.
    time.sleep(settings.HEALTH_CELERY_CACHE_SECONDS + 0.2)
    again = Client(headers={"X-Health-Token": TOKEN}).get("/readyz").json()
    assert again["checks"]["celery"]["cached"] is False
    assert queue_without_worker() == 2


def test_a_readiness_call_within_the_window_reuses_the_workers_answer(
    operator, celery_worker, settings
):
    settings.HEALTH_CELERY_CACHE_SECONDS = 30

    first = operator.get("/readyz").json()["checks"]["celery"]
    second = operator.get("/readyz").json()["checks"]["celery"]

    assert first["ok"] is second["ok"] is True
    assert (first["cached"], second["cached"]) == (False, True)
    assert second["checked_at"] == first["checked_at"]
