"""/healthz: a real round trip to PostgreSQL, Redis and a Celery worker."""

from __future__ import annotations

import time

import pytest
import redis
from django.conf import settings

from marketplace.celery import app
from marketplace.tasks import heartbeat

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_when_database_redis_and_a_worker_answer(client, celery_worker):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    checks = body["checks"]
    assert {name: check["ok"] for name, check in checks.items()} == {
        "database": True,
        "redis": True,
        "celery": True,
    }
    assert checks["database"]["version"].startswith("PostgreSQL ")
    assert checks["redis"]["version"]
    assert "no-cache" in response["Cache-Control"]


def test_healthz_shows_the_heartbeat_a_worker_recorded(client, celery_worker):
    beat = heartbeat.delay().get(timeout=10)

    body = client.get("/healthz").json()

    assert body["checks"]["celery"]["beat_last_heartbeat"] == beat


@pytest.fixture
def queue_without_worker():
    """Send this test's tasks to a queue no worker consumes, then drop it."""
    test_queue = app.conf.task_default_queue
    queue = f"{test_queue}-nobody"
    app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        app.conf.task_default_queue = test_queue
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        try:
            client.delete(queue)
        finally:
            client.close()


def test_healthz_is_unavailable_when_no_worker_answers(
    client, queue_without_worker, settings
):
    settings.HEALTHZ_CELERY_TIMEOUT = 1.0
    started = time.monotonic()
    response = client.get("/healthz")
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
