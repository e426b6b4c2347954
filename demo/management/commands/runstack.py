"""Run the whole local stack: web server, Celery worker and beat, with demo data.

``make run`` calls this. Importing the settings has already started the embedded
PostgreSQL and Redis when no ``DATABASE_URL`` / ``REDIS_URL`` is set (see
``marketplace/embedded.py``). This command migrates, seeds the demo data, starts
the three servers as children, each in its own session so that a Ctrl-C in the
terminal reaches only this supervisor, and on Ctrl-C, SIGTERM or the death of any
child stops them all, then the embedded servers, and leaves no process behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext

from demo import DEMO_LOGINS
from demo.seller_tools import DEMO_API_KEY
from marketplace import embedded

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_COLOURS = {"web": "32", "worker": "36", "beat": "35"}


class _Stop(Exception):
    """A stop signal arrived while the stack was still being prepared."""


@dataclass
class _Child:
    name: str
    argv: list[str]
    stop_timeout: float
    process: subprocess.Popen | None = None
    readers: list[threading.Thread] = field(default_factory=list)


def _group_alive(pgid: int) -> bool:
    """Whether any process of the group still runs (zombies do not count)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            state, _ppid, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError, ValueError):
            continue
        if int(pgrp) == pgid and state != "Z":
            return True
    return False


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As runserver and gunicorn do, so a port in TIME_WAIT counts as free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Command(BaseCommand):
    help = (
        "Migrate, seed the demo data, and run the web server, a Celery worker and "
        "Celery beat until Ctrl-C; then stop them and the embedded services."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT", "8000")),
            help="Port of the web server on 127.0.0.1 (default: $PORT or 8000).",
        )
        parser.add_argument(
            "--gunicorn",
            action="store_true",
            help="Serve with gunicorn instead of Django's development server.",
        )
        parser.add_argument(
            "--no-seed", action="store_true", help="Do not run seed_demo."
        )
        parser.add_argument(
            "--stop-timeout",
            type=float,
            default=20.0,
            help="Seconds a child gets to exit after SIGTERM before SIGKILL.",
        )

    # --- entry point ----------------------------------------------------------

    def handle(self, *args, **options):
        self.port = options["port"]
        self.children: list[_Child] = []
        self.stop_requested = threading.Event()
        self.preparing = True
        self.force = False
        self.tty = sys.stdout.isatty()
        self.print_lock = threading.Lock()
        self.log_dir = embedded.VAR_DIR / "log"
        self.log_dir.mkdir(parents=True, exist_ok=True)

        # Refuse before touching anything if another stack already runs on this
        # data: stopping its servers on the way out would break it.
        self._hold_run_lock()
        self._stop_leftovers()
        for signum in _STOP_SIGNALS:
            signal.signal(signum, self._on_signal)

        exit_code = 0
        try:
            if not _port_free(self.port):
                raise CommandError(
                    f"Port {self.port} on 127.0.0.1 is in use; stop what uses it or "
                    f"pick another one: PORT=8001 make run"
                )
            exit_code = self._run(options)
        except _Stop:
            self._say("Stopping before the stack was up.")
        except BaseException as exc:
            exit_code = 1
            if not isinstance(exc, KeyboardInterrupt | SystemExit | CommandError):
                self._say(f"runstack failed: {type(exc).__name__}: {exc}", error=True)
            raise
        finally:
            self._shutdown()
        if exit_code:
            sys.exit(exit_code)

    def _run(self, options) -> int:
        started = time.monotonic()
        self._describe_services()
        self._say("Applying migrations…")
        call_command("migrate", interactive=False, verbosity=1)
        if options["no_seed"]:
            self._say("Skipping the demo data (--no-seed).")
        elif not settings.DEBUG:
            # Its published logins exist only in development (seed_demo says how
            # to seed a production database on purpose).
            self._say(gettext("DEBUG is off: no demo data is loaded."))
        else:
            self._say("Loading the demo data (seed_demo)…")
            call_command("seed_demo")
        if options["gunicorn"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        connections.close_all()

        self.preparing = False  # from here a signal only sets stop_requested
        self.children = self._plan(options)
        for child in self.children:
            self._start(child)
            self._record_children()
            if self.stop_requested.is_set():
                return 0

        if not self._wait_until_up():
            return 0 if self.stop_requested.is_set() else 1
        self._banner(time.monotonic() - started)

        while not self.stop_requested.wait(0.5):
            dead = self._dead_child()
            if dead is not None:
                self._say(
                    f"{dead.name} exited with code {dead.process.returncode}; "
                    f"stopping everything (see {self.log_dir / dead.name}.log).",
                    error=True,
                )
                return 1
        return 0

    # --- children -------------------------------------------------------------

    def _plan(self, options) -> list[_Child]:
        python = sys.executable
        address = f"127.0.0.1:{self.port}"
        config = settings.BASE_DIR / "marketplace" / "gunicorn.conf.py"
        if options["gunicorn"]:
            web = [python, "-m", "gunicorn", "marketplace.wsgi:application"]
            web += ["--config", str(config), "--bind", address]
        else:
            web = [python, "manage.py", "runserver", address, "--noreload"]
        celery = [python, "-m", "celery", "--quiet", "-A", "marketplace"]
        worker = [*celery, "worker", "--loglevel=INFO", "--concurrency=2"]
        # One local worker: nobody to mingle or gossip with, so start faster.
        worker += ["--without-mingle", "--without-gossip"]
        var = embedded.VAR_DIR
        beat = [*celery, "beat", "--loglevel=INFO"]
        beat += [f"--schedule={var / 'celerybeat-schedule'}"]
        beat += [f"--pidfile={var / 'celerybeat.pid'}"]
        timeout = options["stop_timeout"]
        return [
            _Child("web", web, timeout),
            _Child("worker", worker, timeout),
            _Child("beat", beat, timeout),
        ]

    def _start(self, child: _Child) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        # Each child leads its own session: a terminal Ctrl-C reaches only this
        # supervisor, which then stops the children in order.
        child.process = subprocess.Popen(
            child.argv,
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log = open(self.log_dir / f"{child.name}.log", "a", encoding="utf-8")  # noqa: SIM115
        log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(child.argv)}\n")
        reader = threading.Thread(
            target=self._pump, args=(child.name, child.process.stdout, log), daemon=True
        )
        reader.start()
        child.readers.append(reader)
        self._say(f"Started {child.name} (pid {child.process.pid}).")

    def _pump(self, name: str, stream: IO[bytes], log: IO[str]) -> None:
        """Copy a child's output to its log file and, prefixed, to the terminal."""
        prefix = f"{name:<6} | "
        if self.tty:
            prefix = f"\033[{_COLOURS.get(name, '0')}m{prefix}\033[0m"
        terminal = True
        with log:
            for raw in iter(stream.readline, b""):
                line = raw.decode("utf-8", "replace").rstrip("\n")
                log.write(line + "\n")
                log.flush()
                if not terminal:
                    continue
                # Keep draining the pipe even if the terminal went away, or the
                # child would block on a full pipe.
                try:
                    with self.print_lock:
                        sys.stdout.write(prefix + line + "\n")
                        sys.stdout.flush()
                except (OSError, ValueError):
                    terminal = False

    def _dead_child(self) -> _Child | None:
        for child in self.children:
            if child.process is not None and child.process.poll() is not None:
                return child
        return None

    def _stop_child(self, child: _Child) -> None:
        process = child.process
        if process is None:
            return
        self._terminate(
            child.name, process.pid, child.stop_timeout, lambda: process.poll() is None
        )
        process.wait()
        for reader in child.readers:
            reader.join(timeout=2)

    def _terminate(
        self, name: str, pgid: int, timeout: float, running: Callable[[], bool]
    ) -> None:
        """SIGTERM the group leader, then its whole group; SIGKILL what outlives it.

        The leader goes first so that Celery and gunicorn shut their pools down
        themselves (a worker finishes the task in hand).
        """
        if running():
            self._say(f"Stopping {name}…")
            with contextlib.suppress(ProcessLookupError):
                os.kill(pgid, signal.SIGTERM)
            deadline = time.monotonic() + (1.0 if self.force else timeout)
            while running() and time.monotonic() < deadline:
                time.sleep(0.1)
        if _group_alive(pgid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGTERM)
            deadline = time.monotonic() + (1.0 if self.force else 5.0)
            while _group_alive(pgid) and time.monotonic() < deadline:
                time.sleep(0.1)
        if _group_alive(pgid) or running():
            self._say(f"{name} did not stop in time: SIGKILL.", error=True)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)

    # --- readiness --------------------------------------------------------------

    def _get(self, path: str, timeout: float) -> tuple[int, bytes]:
        # Say it came through HTTPS, so that with DEBUG=0 the SSL redirect does
        # not send the probe to an https:// address nobody serves; and show the
        # health token, which /readyz asks for when DEBUG is off.
        headers = {"X-Forwarded-Proto": "https"}
        if settings.HEALTH_TOKEN:
            headers["X-Health-Token"] = settings.HEALTH_TOKEN
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def _wait_until_up(self, timeout: float = 120.0) -> bool:
        """Wait until /healthz answers and /readyz is ok (or say why not).

        /healthz says the web server is alive; /readyz checks the database,
        Redis and a Celery round trip, and answers this machine with DEBUG on,
        or anyone with HEALTH_TOKEN.
        """
        deadline = time.monotonic() + timeout
        answered = False
        health: dict | None = None
        while time.monotonic() < deadline and not self.stop_requested.is_set():
            dead = self._dead_child()
            if dead is not None:
                self._say(
                    f"{dead.name} exited with code {dead.process.returncode} while "
                    f"starting (see {self.log_dir / dead.name}.log).",
                    error=True,
                )
                return False
            try:
                if not answered:
                    # Liveness first: exempt from the HTTPS redirect, no services.
                    answered = self._get("/healthz", timeout=5)[0] == 200
                status, body = self._get("/readyz", timeout=10)
                health = json.loads(body) if body.startswith(b"{") else None
                if status == 200 and health and health.get("ok"):
                    return True
                if status == 403:
                    self._say(
                        gettext(
                            "The site answers; /readyz needs HEALTH_TOKEN with "
                            "DEBUG off, so the services are not checked."
                        ),
                        error=True,
                    )
                    return True
            except (OSError, ValueError):
                pass
            self.stop_requested.wait(0.5)
        if answered and not self.stop_requested.is_set():
            self._say(
                f"WARNING: the site answers but /readyz is not ok: {health}",
                error=True,
            )
            return True
        if not self.stop_requested.is_set():
            self._say(f"The web server did not answer within {timeout:.0f} s.")
        return False

    # --- shutdown ---------------------------------------------------------------

    def _on_signal(self, signum, frame) -> None:
        if self.stop_requested.is_set():
            self.force = True  # a second Ctrl-C: do not wait for graceful exits
            return
        self.stop_requested.set()
        if self.preparing:
            raise _Stop

    def _shutdown(self) -> None:
        # From here on a signal only hurries things up.
        self.preparing = False
        self.stop_requested.set()
        # Web first (no new requests), then beat (no new jobs), then the worker,
        # which may be finishing a task.
        order = {"web": 0, "beat": 1, "worker": 2}
        for child in sorted(self.children, key=lambda c: order.get(c.name, 9)):
            self._stop_child(child)
        self._children_file.unlink(missing_ok=True)
        connections.close_all()
        embedded_services = [
            name
            for name, var in (
                ("Redis", "REMARKET_EMBEDDED_REDIS"),
                ("PostgreSQL", "REMARKET_EMBEDDED_POSTGRES"),
            )
            if os.environ.get(var)
        ]
        if embedded_services:
            self._say(f"Stopping the embedded {' and '.join(embedded_services)}…")
            embedded.stop_services()
        self._say("Stopped.")

    # --- output -----------------------------------------------------------------

    def _say(self, message: str, *, error: bool = False) -> None:
        style = self.style.WARNING if error else self.style.MIGRATE_HEADING
        with self.print_lock:
            self.stdout.write(style(f"runstack | {message}"))
            self.stdout.flush()

    def _describe_services(self) -> None:
        where = embedded.VAR_DIR
        if os.environ.get("REMARKET_EMBEDDED_POSTGRES"):
            self._say(f"PostgreSQL: embedded, data in {where / 'pgdata'}")
        else:
            self._say("PostgreSQL: DATABASE_URL")
        if os.environ.get("REMARKET_EMBEDDED_REDIS"):
            self._say(f"Redis: embedded, {os.environ['REDIS_URL']}")
        else:
            self._say("Redis: REDIS_URL")
        self._say(f"Logs: {self.log_dir}/{{web,worker,beat}}.log")

    def _banner(self, seconds: float) -> None:
        lines = [
            "",
            f"ReMarket is up (in {seconds:.1f} s): http://127.0.0.1:{self.port}",
            f"Admin: http://127.0.0.1:{self.port}/admin/",
        ]
        # The published demo logins exist only in development.
        if settings.DEBUG:
            lines.append("Demo logins (role: username / password):")
            width = max(len(role) for role, _, _ in DEMO_LOGINS)
            lines += [
                f"  {role:<{width}}  {username} / {password}"
                for role, username, password in DEMO_LOGINS
            ]
            lines += [
                "Second factor of qa and the sellers (demo only): "
                ".venv/bin/python manage.py demo_totp prints the code",
                f"API docs: http://127.0.0.1:{self.port}/api/docs/",
                f"  Seller API key (active seller): {DEMO_API_KEY}",
            ]
        lines += ["Press Ctrl-C to stop.", ""]
        with self.print_lock:
            for line in lines:
                self.stdout.write(self.style.SUCCESS(line) if line else "")
            self.stdout.flush()

    # --- children of a supervisor that was killed ---------------------------------

    @property
    def _children_file(self) -> Path:
        return embedded.VAR_DIR / "runstack-children.json"

    def _record_children(self) -> None:
        """Write down the children, for the next run if this one gets SIGKILLed."""
        running = [
            {"name": child.name, "pid": child.process.pid, "argv": child.argv}
            for child in self.children
            if child.process is not None
        ]
        self._children_file.write_text(json.dumps(running))

    def _stop_leftovers(self) -> None:
        """Stop the children a killed supervisor left running (they own a session).

        Only a process with the recorded pid *and* command line counts, so a
        reused pid is never touched.
        """
        try:
            recorded = json.loads(self._children_file.read_text())
        except (FileNotFoundError, ValueError):
            return
        import psutil  # a dependency of embedded-postgres

        for entry in recorded:
            try:
                same = psutil.Process(entry["pid"]).cmdline() == entry["argv"]
            except (psutil.Error, KeyError, TypeError):
                continue
            if same:
                self._say(
                    f"Stopping the {entry['name']} a previous run left behind "
                    f"(pid {entry['pid']})."
                )
                pid = entry["pid"]
                self._terminate(entry["name"], pid, 10.0, partial(_group_alive, pid))
        self._children_file.unlink(missing_ok=True)

    # --- one stack per data folder -----------------------------------------------

    def _hold_run_lock(self) -> None:
        path = embedded.VAR_DIR / ".runstack.lock"
        self._lock_file = open(path, "w")  # noqa: SIM115 - held until exit
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CommandError(
                f"Another runstack already runs with the data in {embedded.VAR_DIR}."
            ) from None
