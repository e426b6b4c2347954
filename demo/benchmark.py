"""Benchmark the shop's pages as served in production (gunicorn, DEBUG off).

Seeds a catalog of a given size into its own database on the configured
PostgreSQL server, serves it with gunicorn, drives each page with wrk and
reports requests per second, latency percentiles, SQL queries per page (from
the Server-Timing header) and the peak memory of the web workers.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import psycopg2

from marketplace import embedded

BASE_DIR = embedded.BASE_DIR
PYTHON = sys.executable
WRK_SCRIPT = """
local paths = {%(paths)s}
local counter = 0
wrk.headers["Cookie"] = "market=%(market)s"
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_JSON {\\"p50\\":%%d,\\"p95\\":%%d,\\"p99\\":%%d,\\"requests\\":%%d," ..
    "\\"errors\\":%%d,\\"non2xx\\":%%d,\\"seconds\\":%%f}\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status,
    summary.duration / 1e6))
end
"""


@dataclass
class PageResult:
    market: str
    page: str
    queries_cold: int
    queries_warm: int
    cold_ms: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int


def database_url_named(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _connect(url: str, autocommit: bool = True):
    import dj_database_url

    config = dj_database_url.parse(url)
    # A Unix socket folder arrives in OPTIONS (?host=...), a TCP host in HOST.
    connection = psycopg2.connect(
        **{
            "dbname": config["NAME"], "user": config["USER"],
            "password": config["PASSWORD"], "host": config["HOST"] or None,
            "port": config["PORT"] or None, **config.get("OPTIONS", {}),
        }
    )  # fmt: skip
    connection.autocommit = autocommit
    return connection


def ensure_bench_database(server_url: str, name: str, scale: int, env: dict) -> None:
    """Create, migrate and seed the benchmark database unless it has the scale."""
    bench_url = database_url_named(server_url, name)
    admin = _connect(server_url)
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
    if exists:
        with _connect(bench_url) as conn, conn.cursor() as cursor:
            try:
                cursor.execute("SELECT count(*) FROM listings_listing")
                count = cursor.fetchone()[0]
            except psycopg2.Error:
                count = -1
        conn.close()
        if count >= scale:
            print(f"Reusing {name}: {count:,} listings.")
            admin.close()
            return
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    manage = [PYTHON, str(BASE_DIR / "manage.py")]
    # The bench database is demo data: seeded as in development (seed_demo
    # refuses a DEBUG-off database), then served with DEBUG off.
    seed_env = {**env, "DEBUG": "1"}
    subprocess.run(
        [*manage, "migrate", "--noinput", "-v", "0"], env=seed_env, check=True
    )
    started = time.perf_counter()
    subprocess.run(
        [*manage, "seed_demo", "--scale", str(scale)], env=seed_env, check=True
    )
    print(f"Seeded {scale:,} listings in {time.perf_counter() - started:.1f} s.")


def pick_pages(bench_url: str, market: str) -> dict[str, list[str]]:
    """Representative URLs: home, the busiest category, a search, a device page."""
    with _connect(bench_url) as conn, conn.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.slug, m.slug, b.name, m.name, count(*) AS n
            FROM listings_offer o
            JOIN listings_category c ON c.id = o.category_id
            JOIN listings_devicemodel m ON m.id = o.device_model_id
            JOIN listings_brand b ON b.id = o.brand_id
            WHERE o.market = %s AND o.is_purchasable
            GROUP BY 1, 2, 3, 4 ORDER BY n DESC
            """,
            [market],
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT slug FROM listings_brand ORDER BY slug")
        brands = [row[0] for row in cursor.fetchall()]
    conn.close()
    category, model_slug, _, model_name, _ = rows[0]
    query = f"{model_name}".lower().replace(" ", "+")
    varied = []
    for index, (cat, slug, brand, name, _) in enumerate(rows[:50]):
        words = f"{brand} {name}".lower().split()
        varied.append(f"/search/?q={'+'.join(words[: 1 + index % 3])}")
        varied.append(
            f"/c/{cat}/?brand={brands[index % len(brands)]}&page={1 + index % 3}"
        )
        varied.append(f"/d/{slug}/")
    return {
        "home": ["/"],
        "browse": [f"/c/{category}/"],
        "search": [f"/search/?q={query}"],
        "device": [f"/d/{model_slug}/"],
        "mixed (150 URLs)": varied,
    }


def _free_port() -> int:
    return embedded._free_port()


def _server_timing(url: str, market: str) -> tuple[int, float]:
    """SQL queries and server milliseconds of one request, from Server-Timing."""
    request = urllib.request.Request(url, headers={"Cookie": f"market={market}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        header = response.headers.get("Server-Timing", "")
    # db;desc="3 queries";dur=1.2, app;dur=5.0
    try:
        queries = int(header.split('desc="', 1)[1].split(" ", 1)[0])
        app_ms = float(header.rsplit("app;dur=", 1)[1])
    except (IndexError, ValueError):
        return -1, -1.0
    return queries, app_ms


def _flush_cache(env: dict) -> None:
    import redis
    from django.conf import settings

    # The same cache database the served site uses (its prefix is the bench's).
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    for key in client.scan_iter(match=f"{env['CACHE_KEY_PREFIX']}:*"):
        client.delete(key)
    client.close()


def run_wrk(base: str, paths: list[str], market: str, seconds: int, connections: int):
    script = WRK_SCRIPT % {
        "paths": ", ".join(json.dumps(p) for p in paths),
        "market": market,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        output = subprocess.run(
            ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s",
             "--timeout", "10s", "-s", handle.name, base],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(handle.name)
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON"))
    return json.loads(line.split(" ", 1)[1])


def peak_memory_mb(pid: int) -> tuple[float, float]:
    """Peak resident memory of the gunicorn master and its largest worker."""

    def hwm(p: int) -> float:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    master = psutil.Process(pid)
    workers = [hwm(child.pid) for child in master.children()]
    return hwm(pid), max(workers, default=0.0)


def run(*, scale: int, seconds: int, connections: int, markets: list[str],
        workers: int) -> list[PageResult]:  # fmt: skip
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    server_url = os.environ["DATABASE_URL"]
    name = f"remarket_bench_{scale}"
    bench_url = database_url_named(server_url, name)
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "SERVER_TIMING": "1",
        # No Stripe here: the offline test gateway, as production allows on purpose.
        "PAYMENTS_OFFLINE": "1",
        "STRIPE_SECRET_KEY": "",
        "CACHE_KEY_PREFIX": f"bench{scale}",
        "STATIC_ROOT": str(embedded.VAR_DIR / "bench-static"),
        "LOG_LEVEL": "WARNING",
    }
    ensure_bench_database(server_url, name, scale, env)
    subprocess.run(
        [PYTHON, str(BASE_DIR / "manage.py"), "collectstatic", "--noinput", "-v", "0"],
        env=env, check=True,
    )  # fmt: skip
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "marketplace.wsgi", "-w", str(workers),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env, cwd=BASE_DIR, start_new_session=True,
    )  # fmt: skip
    results = []
    try:
        embedded._wait_for_port(port, timeout=60)
        for market in markets:
            _flush_cache(env)
            for page, paths in pick_pages(bench_url, market).items():
                cold, cold_ms = _server_timing(base + paths[0], market)
                warm, _ = _server_timing(base + paths[0], market)
                stats = run_wrk(base, paths, market, seconds, connections)
                results.append(
                    PageResult(
                        market=market, page=page, queries_cold=cold,
                        queries_warm=warm, cold_ms=cold_ms,
                        rps=stats["requests"] / stats["seconds"],
                        p50_ms=stats["p50"] / 1000, p95_ms=stats["p95"] / 1000,
                        p99_ms=stats["p99"] / 1000,
                        errors=stats["errors"] + stats["non2xx"],
                    )
                )  # fmt: skip
                print(_row(results[-1]), flush=True)
        master_mb, worker_mb = peak_memory_mb(gunicorn.pid)
        print(
            f"\nPeak memory: gunicorn master {master_mb:.0f} MB, "
            f"largest of {workers} workers {worker_mb:.0f} MB."
        )
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)
    return results


HEADER = (
    "| market | page | SQL queries (cold / cached) | cold ms | req/s | p50 ms "
    "| p95 ms | p99 ms | errors |\n|---|---|---|---|---|---|---|---|---|"
)


def _row(r: PageResult) -> str:
    return (
        f"| {r.market} | {r.page} | {r.queries_cold} / {r.queries_warm} "
        f"| {r.cold_ms:.0f} | {r.rps:.0f} "
        f"| {r.p50_ms:.1f} | {r.p95_ms:.1f} | {r.p99_ms:.1f} | {r.errors} |"
    )
