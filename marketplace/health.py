"""Readiness: the services ReMarket depends on, each checked by a real round trip.

Liveness (/healthz) needs none of this: it only says the process answers.
Readiness (/readyz) checks the database, Redis and a Celery worker, and
reports when Celery beat last ran its heartbeat. The worker's round trip goes
through the broker and can take up to ``HEALTHZ_CELERY_TIMEOUT`` seconds, so
its answer is kept in the cache for ``HEALTH_CELERY_CACHE_SECONDS``: a burst of
calls sends one probe, the rest reuse its answer (or wait for it, the first
time), and cannot tie up every web worker.
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from marketplace.tasks import ping

CELERY_ANSWER_KEY = "health:celery:answer"  # fresh for a few seconds
CELERY_LAST_KEY = "health:celery:last"  # kept a probe's time longer
CELERY_PROBING_KEY = "health:celery:probing"  # one probe at a time
_WAIT_STEP = 0.05


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


def _celery_round_trip() -> dict:
    timeout = settings.HEALTHZ_CELERY_TIMEOUT
    answer = ping.apply_async(expires=timeout).get(timeout=timeout)
    if answer != "pong":
        raise RuntimeError(f"unexpected answer {answer!r}")
    return {}


def _celery_probe() -> dict:
    """Send one probe, keep its answer for the calls of the next few seconds."""
    result = _timed(_celery_round_trip)
    result["checked_at"] = timezone.now().isoformat()
    fresh_for = settings.HEALTH_CELERY_CACHE_SECONDS
    cache.set(CELERY_ANSWER_KEY, result, fresh_for)
    # While the next probe runs, callers get this one rather than wait.
    probe_time = math.ceil(settings.HEALTHZ_CELERY_TIMEOUT) + 1
    cache.set(CELERY_LAST_KEY, result, fresh_for + probe_time)
    return result


def _celery() -> dict:
    """A worker's answer: a recent one from the cache, or a new probe.

    Only the call that takes the probing key sends a probe. The others meanwhile
    report the previous answer if it is no older than a probe's time past the
    window, or else wait for the probe's.
    """
    answer = cache.get(CELERY_ANSWER_KEY)
    if answer is not None:
        return {**answer, "cached": True}
    timeout = settings.HEALTHZ_CELERY_TIMEOUT
    if cache.add(CELERY_PROBING_KEY, True, math.ceil(timeout) + 1):
        try:
            return {**_celery_probe(), "cached": False}
        finally:
            cache.delete(CELERY_PROBING_KEY)
    last = cache.get(CELERY_LAST_KEY)
    if last is not None:
        return {**last, "cached": True}
    deadline = time.monotonic() + timeout + 1
    while time.monotonic() < deadline:
        time.sleep(_WAIT_STEP)
        answer = cache.get(CELERY_ANSWER_KEY)
        if answer is not None:
            return {**answer, "cached": True}
    return {"ok": False, "error": "ProbeNotAnswered"}


def _celery_cached() -> dict:
    try:
        return _celery()
    except Exception as exc:  # the cache itself is down: Redis says so too
        return {"ok": False, "error": type(exc).__name__}


def _beat() -> dict:
    """When beat last ran its heartbeat task (every minute); not part of "ok"."""
    try:
        last = cache.get("beat:last-heartbeat")
    except Exception as exc:
        return {"last_heartbeat": None, "error": type(exc).__name__}
    return {"last_heartbeat": last}


def service_health() -> dict:
    """Check the database, Redis and a Celery worker; say whether all are up."""
    checks = {
        "database": _timed(_database),
        "redis": _timed(_redis),
        "celery": _celery_cached(),
    }
    ok = all(check["ok"] for check in checks.values())
    return {"ok": ok, "checks": {**checks, "beat": _beat()}}


def readiness_allowed(request) -> bool:
    """Whether this request may see the dependency details.

    The header ``X-Health-Token`` equal to ``HEALTH_TOKEN``, or with ``DEBUG``
    on a request from this machine itself. With ``DEBUG`` off a reverse proxy
    on the same machine makes every visitor look local, so only the token
    counts (and with no token set, nobody gets the details).
    """
    token = settings.HEALTH_TOKEN
    given = request.headers.get("X-Health-Token", "")
    if token and given and hmac.compare_digest(given.encode(), token.encode()):
        return True
    if not settings.DEBUG:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return (mapped or address).is_loopback
