"""Embedded servers: started on demand in their own folder, reused, stopped by pid.

Each step runs in a fresh Python process with ``REMARKET_VAR_DIR`` pointing at
a folder of the test's own, as ``make run`` or a worker would, so the shared
servers of the checkout are never touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, os, sys
from marketplace import embedded

action = sys.argv[1]
result = {}
if action == "redis_start":
    result["url"] = embedded.redis_start()
elif action == "redis_stop":
    embedded.redis_stop()
elif action == "postgres_start":
    result["url"] = embedded.postgres_start()
elif action == "postgres_stop":
    embedded.postgres_stop()
elif action == "ensure_services":
    result["started"] = embedded.ensure_services()
elif action == "stop_services":
    embedded.stop_services()
result["env"] = {
    key: os.environ.get(key)
    for key in (
        "DATABASE_URL",
        "REDIS_URL",
        "REMARKET_EMBEDDED_POSTGRES",
        "REMARKET_EMBEDDED_REDIS",
    )
}
print(json.dumps(result))
"""


def _environment(var_dir: Path, **env: str) -> dict[str, str]:
    """This process's environment with no server named and its own var folder."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "REMARKET_KEEP_SERVICES"}
        and not key.startswith("REMARKET_EMBEDDED_")
    }
    environment.update(REMARKET_VAR_DIR=str(var_dir), PYTHONPATH=str(ROOT), **env)
    return environment


def _embedded(action: str, var_dir: Path, **env: str) -> dict:
    """Run one ``marketplace.embedded`` call in a new process; return its result."""
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT, action],
        cwd=ROOT,
        env=_environment(var_dir, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _process_gone(pid: int, timeout: float = 5.0) -> bool:
    """Whether the process has exited (a zombie awaiting its reaper counts)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def _kill_leftovers(var_dir: Path) -> None:
    """Stop, by pid, any server still running in ``var_dir`` (its cwd).

    Teardown's last resort, so a broken stop function under test leaks nothing.
    """
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cwd = Path(os.readlink(proc / "cwd"))
        except OSError:
            continue
        if cwd == var_dir or var_dir in cwd.parents:
            pid = int(proc.name)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
                if not _process_gone(pid):
                    os.kill(pid, signal.SIGKILL)


@pytest.fixture
def redis_var_dir(tmp_path):
    yield tmp_path
    # Whatever the test did, leave no redis-server behind.
    _embedded("redis_stop", tmp_path)
    _kill_leftovers(tmp_path)


def test_redis_start_runs_a_private_server_on_a_free_port(redis_var_dir):
    url = _embedded("redis_start", redis_var_dir)["url"]

    parts = urlsplit(url)
    assert parts.scheme == "redis"
    assert parts.hostname == "127.0.0.1"
    assert parts.port not in {5432, 6379, 8000}
    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        assert client.ping() is True
        assert client.config_get("dir")["dir"] == str(redis_var_dir / "redis")
    finally:
        client.close()


def test_redis_start_again_reuses_the_running_server(redis_var_dir):
    first = _embedded("redis_start", redis_var_dir)["url"]
    pid = int((redis_var_dir / "redis" / "redis.pid").read_text())

    second = _embedded("redis_start", redis_var_dir)["url"]

    assert second == first
    assert int((redis_var_dir / "redis" / "redis.pid").read_text()) == pid


def test_redis_stop_leaves_no_process_behind(redis_var_dir):
    url = _embedded("redis_start", redis_var_dir)["url"]
    pid = int((redis_var_dir / "redis" / "redis.pid").read_text())

    _embedded("redis_stop", redis_var_dir)

    assert _process_gone(pid)
    assert not (redis_var_dir / "redis" / "redis.pid").exists()
    assert not (redis_var_dir / "redis" / "port").exists()
    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        with pytest.raises(redis.ConnectionError):
            client.ping()
    finally:
        client.close()


def test_redis_stop_with_no_server_does_nothing(tmp_path):
    _embedded("redis_stop", tmp_path)

    assert not (tmp_path / "redis" / "redis.pid").exists()


def test_ensure_services_starts_nothing_when_the_environment_names_servers(tmp_path):
    result = _embedded(
        "ensure_services",
        tmp_path,
        DATABASE_URL="postgresql://someone@db.example/remarket",
        REDIS_URL="redis://cache.example:6379",
    )

    assert result["started"] == []
    assert result["env"]["REMARKET_EMBEDDED_POSTGRES"] is None
    assert result["env"]["REMARKET_EMBEDDED_REDIS"] is None
    assert not (tmp_path / "pgdata").exists()
    assert not (tmp_path / "redis").exists()


def test_stop_services_stops_no_server_the_environment_does_not_own(redis_var_dir):
    url = _embedded("redis_start", redis_var_dir)["url"]

    # A process handed REDIS_URL by its parent has no REMARKET_EMBEDDED_REDIS.
    _embedded("stop_services", redis_var_dir, REDIS_URL=url)

    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        assert client.ping() is True
    finally:
        client.close()


@pytest.fixture
def checkout_var_dir():
    """A private var folder inside the checkout; its servers are stopped after.

    Inside the checkout because, as root, PostgreSQL runs as another user that
    must reach its data folder through every parent (pytest's tmp is private).
    """
    var_dir = ROOT / "var" / f"test-embedded-{uuid.uuid4().hex[:12]}"
    var_dir.mkdir(parents=True)
    try:
        yield var_dir
    finally:
        _embedded("redis_stop", var_dir)
        _embedded("postgres_stop", var_dir)
        _kill_leftovers(var_dir)
        shutil.rmtree(var_dir, ignore_errors=True)


def _postgres_pid(var_dir: Path) -> int:
    return int((var_dir / "pgdata" / "postmaster.pid").read_text().splitlines()[0])


def test_postgres_start_runs_a_private_server_reuses_it_and_stops_it(
    checkout_var_dir,
):
    url = _embedded("postgres_start", checkout_var_dir)["url"]
    pgdata = checkout_var_dir / "pgdata"
    pid = _postgres_pid(checkout_var_dir)

    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        (data_directory,) = cursor.fetchone()
    connection.close()
    assert Path(data_directory).resolve() == pgdata.resolve()

    assert _embedded("postgres_start", checkout_var_dir)["url"] == url
    assert _postgres_pid(checkout_var_dir) == pid

    _embedded("postgres_stop", checkout_var_dir)

    assert _process_gone(pid)
    assert not (pgdata / "postmaster.pid").exists()


# --- A pytest run and the servers it finds ------------------------------------

A_TEST_WITHOUT_DATABASE = [
    "tests/marketplace/test_markets.py",
    "-k",
    "test_the_marketplace_sells_in_the_us_and_the_eu_five",
]


def _pytest_run(var_dir: Path, **env: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *A_TEST_WITHOUT_DATABASE],
        cwd=ROOT,
        env=_environment(var_dir, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "1 passed" in completed.stdout


def _servers(var_dir: Path) -> tuple[int, int]:
    redis_pid = int((var_dir / "redis" / "redis.pid").read_text())
    return _postgres_pid(var_dir), redis_pid


def _running(pid: int) -> bool:
    return not _process_gone(pid, timeout=0)


def _servers_stopped(var_dir: Path) -> bool:
    return (
        not (var_dir / "pgdata" / "postmaster.pid").exists()
        and not (var_dir / "redis" / "redis.pid").exists()
    )


def test_a_pytest_run_leaves_alone_servers_it_was_handed_or_joined(
    checkout_var_dir,
):
    parent = _embedded("ensure_services", checkout_var_dir)
    assert parent["env"]["REMARKET_EMBEDDED_POSTGRES"] == "started"
    postgres_pid, redis_pid = _servers(checkout_var_dir)

    # A parent (make run, CI) hands over the servers it started, markers and all.
    _pytest_run(checkout_var_dir, **parent["env"])
    assert _running(postgres_pid)
    assert _running(redis_pid)

    # No server named, but they run already (a `make run` in another terminal).
    _pytest_run(checkout_var_dir)
    assert _running(postgres_pid)
    assert _running(redis_pid)


def test_a_pytest_run_stops_the_servers_it_started_unless_asked_to_keep_them(
    checkout_var_dir,
):
    _pytest_run(checkout_var_dir)
    assert _servers_stopped(checkout_var_dir)
    assert (checkout_var_dir / "pgdata" / "PG_VERSION").exists()  # it did start

    _pytest_run(checkout_var_dir, REMARKET_KEEP_SERVICES="1")
    postgres_pid, redis_pid = _servers(checkout_var_dir)
    assert _running(postgres_pid)
    assert _running(redis_pid)
