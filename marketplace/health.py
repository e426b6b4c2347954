"""Health of the services ReMarket depends on, each checked by a real round trip."""

from __future__ import annotations

import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from marketplace.tasks import ping


def _timed(check: Callable[[], dict]) -> dict:
    started = time.perf_counter()
    try:
        result = {"ok": True, **check()}
    except Exception as exc:  # a health check reports every failure, whatever it is
        # The kind of failure only: messages can name hosts and ports.
        result = {"ok": False, "error": type(exc).__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (version,) = cursor.fetchone()
    return {"version": version.split(",")[0]}


def _redis() -> dict:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
    try:
        client.ping()
        return {"version": client.info("server")["redis_version"]}
    finally:
        client.close()


def _celery() -> dict:
    timeout = settings.HEALTHZ_CELERY_TIMEOUT
    answer = ping.apply_async(expires=timeout).get(timeout=timeout)
    if answer != "pong":
        raise RuntimeError(f"unexpected answer {answer!r}")
    return {"beat_last_heartbeat": cache.get("beat:last-heartbeat")}


def service_health() -> dict:
    """Check the database, Redis and a Celery worker; say whether all are up."""
    checks = {"database": _timed(_database), "redis": _timed(_redis)}
    checks["celery"] = _timed(_celery)
    return {"ok": all(check["ok"] for check in checks.values()), "checks": checks}
