"""Fixtures of every folder: real PostgreSQL, Redis and Celery worker; shops.

Builders, fakes and the browser plugin live in ``tests/support``; fixtures
used by one folder only, in that folder's conftest.py. Passwords are hashed
with a fast hasher for the whole run (``pytest_configure``).

Settings start the embedded PostgreSQL and Redis when ``DATABASE_URL`` and
``REDIS_URL`` are unset (``marketplace.embedded``), or join them when they
already run. At the end, the run stops the servers it started, never ones it
joined or was handed. pytest-django imports the settings before this file is
loaded, so what the parent handed over is read from the environment the
pytest process was launched with.

Knobs, all environment variables:

- ``REMARKET_KEEP_SERVICES=1`` leaves the embedded servers running at the end of
  the run (others share them while they work in the same checkout).
- ``REMARKET_TEST_DB_NAME`` names the test database (default ``test_`` + the
  database name), so two runs on one server need not share it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from refurbishers.models import MemberRole, Membership
from tests.support.order_builders import listing_in, paid_order, seller
from tests.support.processes import (
    CACHE_KEY_PREFIX,
    CELERY_QUEUE,
    CELERY_TEST_REDIS_DB,
    CELERY_WORKER_NAME,
    ROOT,
    child_process_environment,
)
from tests.support.refurbisher_builders import trial_refurbisher_make, user_make
from tests.support.smtp_server import SmtpServer
from tests.support.smtp_server import running as smtp_running

# Playwright's sync API runs an event loop in the test thread; Django refuses
# ORM calls from such a thread unless told it is fine.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

_services_key = pytest.StashKey[dict[str, bool]]()

# The browser tests: which Chromium they launch, or why they are skipped.
pytest_plugins = ["tests.support.browser"]


def _launch_environment() -> dict[str, str] | None:
    """The environment this process started with, before settings changed it.

    Linux keeps it in /proc/self/environ, untouched by later os.environ writes.
    Returns None where that is unavailable.
    """
    try:
        raw = Path("/proc/self/environ").read_bytes()
    except OSError:
        return None
    pairs = (item.partition(b"=") for item in raw.split(b"\0") if item)
    return {key.decode(errors="replace"): value.decode(errors="replace")
            for key, _, value in pairs}  # fmt: skip


def _started_by_this_run(url_variable: str, marker_variable: str) -> bool:
    """Whether settings started an embedded server for this run.

    ``ensure_services`` sets the marker to "started" or "joined" when the URL
    was missing. A parent that exported the URL (``make run``, CI with system
    servers) may have exported its marker too: then the server is the parent's
    and this run keeps off it.
    """
    if os.environ.get(marker_variable) != "started":
        return False
    launched_with = _launch_environment()
    return launched_with is None or not launched_with.get(url_variable)


def _redis_db_url(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # pytest-base-url (a pytest-playwright dependency) declares a fixture the
    # way pytest 9 deprecates; nothing of ours to change.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Session-scoped fixtures defined as instance methods"
        ":pytest.PytestRemovedIn10Warning",
    )

    from marketplace.celery import app

    config.stash[_services_key] = {
        "redis": _started_by_this_run("REDIS_URL", "REMARKET_EMBEDDED_REDIS"),
        "postgres": _started_by_this_run("DATABASE_URL", "REMARKET_EMBEDDED_POSTGRES"),
    }
    # Nothing has opened a cache or a broker connection yet, so changing the
    # settings here reaches every connection the run opens.
    settings.CACHES["default"]["KEY_PREFIX"] = CACHE_KEY_PREFIX
    # A recompute asked for by one test would run in the shared worker during
    # another; the tests of those events turn it back on.
    settings.RANK_RECOMPUTE_ON_CHANGE = False
    # Tests make users by the hundred and none is about hashing: a fast hasher
    # for the whole run (the real one takes a good part of a second a user).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    test_db_name = os.environ.get("REMARKET_TEST_DB_NAME")
    if test_db_name:
        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = test_db_name
    # Emails: see _emails_through_the_outbox.
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_SEND_INLINE = True
    broker_url = _redis_db_url(settings.REDIS_URL, CELERY_TEST_REDIS_DB)
    settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = broker_url
    app.conf.update(
        broker_url=broker_url,
        result_backend=broker_url,
        task_default_queue=CELERY_QUEUE,
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    with contextlib.suppress(Exception):
        _cache_keys_delete()
    services = config.stash.get(_services_key, {})
    keep = os.environ.get("REMARKET_KEEP_SERVICES", "").strip().lower()
    if keep in {"1", "true", "yes", "on"} or not any(services.values()):
        return
    from marketplace import embedded

    if services["redis"]:
        embedded.redis_stop()
    if services["postgres"]:
        from django.db import connections

        connections.close_all()
        embedded.postgres_stop()


# --- Cache ------------------------------------------------------------------


def _cache_keys_delete() -> int:
    """Delete this run's cache keys (and only those)."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    try:
        keys = list(client.scan_iter(match=f"{CACHE_KEY_PREFIX}:*", count=1000))
        return client.delete(*keys) if keys else 0
    finally:
        client.close()


@pytest.fixture(autouse=True)
def _isolated_cache() -> Iterator[None]:
    """Each test starts with an empty cache (this run's keys only)."""
    _cache_keys_delete()
    yield


# --- Shops ------------------------------------------------------------------
# Sellers with what a test needs around them, built through the services. The
# name says the shape; fixtures of one folder live in its conftest.py.


@pytest.fixture
def shop(db):
    """(owner, refurbisher): a trial seller in Paris with room for 50 sales a day."""
    owner, refurbisher = trial_refurbisher_make(daily_sales_cap=50)
    assert refurbisher.time_zone == "Europe/Paris"
    return owner, refurbisher


@pytest.fixture
def shop_with_two_sellers(db):
    """Two sellers (Lyon with an owner and a staff member, Berlin) and a paid
    order from Lyon by a shopper with an account: a namespace of the pieces."""
    lyon = seller("Lyon Refurb", owner_email="owner@lyon.example")
    staff = user_make(email="staff@lyon.example")
    Membership.objects.create(user=staff, refurbisher=lyon, role=MemberRole.STAFF)
    berlin = seller("Berlin Refurb", "DE", owner_email="owner@berlin.example")
    buyer = user_make(email="ana@example.com")
    listing = listing_in("FR", lyon, stock=50)
    order = paid_order(listing, user=buyer, email="ana@example.com")

    class Shop:
        pass

    shop = Shop()
    shop.lyon, shop.berlin, shop.buyer, shop.order = lyon, berlin, buyer, order
    shop.listing = listing
    shop.owner = Membership.objects.get(refurbisher=lyon, role=MemberRole.OWNER).user
    shop.staff = staff
    shop.berlin_owner = Membership.objects.get(refurbisher=berlin).user
    shop.seller_order = order.seller_orders.get()
    shop.thread_url = f"/orders/{order.reference}/messages/{shop.seller_order.pk}/"
    shop.seller_url = f"/seller/messages/{order.reference}/"
    return shop


# --- Email ------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _emails_through_the_outbox(django_test_environment) -> None:
    """Every email goes through the outbox in the tests too.

    Django's test set-up swaps the site's email backend (the outbox) for
    locmem; this puts the outbox back, so ``send()`` and the apps' helpers
    write outbox rows as in production. The outbox then sends each row with
    locmem (``mail.outbox``, pytest-django's ``mailoutbox``) through the same
    ``email_send`` service as the worker's task, right after the commit and
    in this process (``EMAIL_SEND_INLINE``): tests read the emails a change
    sent as soon as it committed. The tests of the delivery itself turn
    ``EMAIL_SEND_INLINE`` off and watch the session's worker send to
    ``smtp_server``.
    """
    from django.conf import settings

    # Django's teardown_test_environment puts its saved value back at the end.
    settings.EMAIL_BACKEND = "marketplace.email_backend.OutboxBackend"


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server for the session, where the Celery worker sends."""
    with smtp_running() as server:
        yield server


# --- Celery -----------------------------------------------------------------


@pytest.fixture(scope="session")
def celery_worker(
    django_db_setup, smtp_server: SmtpServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Run a real Celery worker on the test database for the whole session.

    The worker is a separate process: it sees only committed rows, so tests
    whose tasks read the database use ``transactional_db``. It sends emails to
    ``smtp_server`` (started first), with the quick retries of
    ``child_process_environment``. Yields the worker's name; the process is
    stopped by its pid at the end.
    """
    from marketplace.celery import app

    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    env = child_process_environment(smtp_server)
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A", "marketplace", "worker",
        "--pool=solo", "--concurrency=1",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--queues", CELERY_QUEUE,
        "--hostname", CELERY_WORKER_NAME,
        "--include", "tests.support.celery_probe",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        _wait_for_worker(app, worker, log_path)
        yield CELERY_WORKER_NAME
    finally:
        _stop_process(worker)


def _wait_for_worker(app, worker: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            pytest.fail(
                f"The Celery worker exited ({worker.returncode}):\n"
                + log_path.read_text(errors="replace")
            )
        if app.control.ping(destination=[CELERY_WORKER_NAME], timeout=0.5):
            return
    _stop_process(worker)
    pytest.fail(
        "The Celery worker did not answer a ping within 60 s:\n"
        + log_path.read_text(errors="replace")
    )


def _stop_process(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # warm shutdown: finish the task at hand, then exit
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
