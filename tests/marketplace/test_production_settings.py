"""Production fails closed: with DEBUG off, start-up refuses what is missing.

Each case starts a real ``manage.py`` in a new process with an environment
of its own (no variable of this run leaks in) and a private
``REMARKET_VAR_DIR``, and reads its exit status and message, as an operator
would see them.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from marketplace.startup import DEV_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]

# What this run's environment may hold that the cases decide for themselves.
_CONTROLLED = {
    "DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET", "STRIPE_PUBLISHABLE_KEY", "PAYMENTS_OFFLINE",
    "ALLOWED_HOSTS", "BEHIND_TLS_PROXY", "HEALTH_TOKEN", "REMARKET_VAR_DIR",
    "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD", "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND", "CACHE_URL",
    # Set by tests/conftest.py for Playwright; deployment checks refuse it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}  # fmt: skip


def production(**changes: str | None) -> dict[str, str]:
    """Production values (servers named, never contacted by ``check``)."""
    values = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "shop.example.com",
        "DATABASE_URL": "postgres://remarket:secret@db.invalid:5432/remarket",
        "REDIS_URL": "redis://redis.invalid:6379",
        "STRIPE_SECRET_KEY": "sk_live_" + secrets.token_hex(12),
        "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(12),
    }
    for name, value in changes.items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return values


def manage(var_dir: Path, values: dict[str, str], *args: str):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in _CONTROLLED and not key.startswith("REMARKET_EMBEDDED_")
    }
    environment.update(values, REMARKET_VAR_DIR=str(var_dir), PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def refusal(completed) -> str:
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "django.core.exceptions.ImproperlyConfigured" in completed.stderr
    assert "ReMarket does not start with DEBUG off" in completed.stderr
    return completed.stderr


def test_production_values_start(tmp_path):
    completed = manage(tmp_path, production(), "check")

    assert completed.returncode == 0, completed.stderr
    assert "System check identified no issues" in completed.stdout


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": ""}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY is the development key"),
        ({"STRIPE_SECRET_KEY": None}, "STRIPE_SECRET_KEY is not set"),
        ({"STRIPE_WEBHOOK_SECRET": ""}, "STRIPE_WEBHOOK_SECRET is not set"),
        (
            {"PAYMENTS_OFFLINE": "1"},
            "PAYMENTS_OFFLINE=1 asks for the offline test gateway, but "
            "STRIPE_SECRET_KEY is set too",
        ),
    ],
    ids=[
        "no-secret-key",
        "empty-secret-key",
        "development-secret-key",
        "no-stripe-key",
        "no-webhook-secret",
        "offline-and-stripe",
    ],
)
def test_debug_off_refuses_to_start_naming_the_variable(tmp_path, changes, named):
    stderr = refusal(manage(tmp_path, production(**changes), "check"))

    assert named in stderr


def test_the_offline_gateway_runs_in_production_only_when_asked_for(tmp_path):
    no_stripe = production(STRIPE_SECRET_KEY=None, STRIPE_WEBHOOK_SECRET=None)

    stderr = refusal(manage(tmp_path, no_stripe, "check"))
    assert "STRIPE_SECRET_KEY is not set" in stderr
    assert "STRIPE_WEBHOOK_SECRET is not set" in stderr
    assert "set PAYMENTS_OFFLINE=1" in stderr

    asked = manage(tmp_path, {**no_stripe, "PAYMENTS_OFFLINE": "1"}, "check")
    assert asked.returncode == 0, asked.stderr


def test_every_problem_is_named_at_once(tmp_path):
    stderr = refusal(manage(tmp_path, {"DEBUG": "0"}, "check"))

    for name in (
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET",
    ):
        assert f"- {name} is not set" in stderr


@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL"])
def test_debug_off_never_starts_a_private_database_or_redis(tmp_path, missing):
    var_dir = tmp_path / "var"

    stderr = refusal(manage(var_dir, production(**{missing: None}), "check"))

    assert f"{missing} is not set" in stderr
    assert "never starts a private" in stderr
    # Nothing embedded was started, nor even prepared.
    assert not var_dir.exists() or list(var_dir.iterdir()) == []


def test_debug_on_still_starts_the_embedded_servers_for_development(tmp_path):
    """The other side of the switch: development needs no server of its own.

    Redis only (PostgreSQL's first start takes seconds): DATABASE_URL names
    this run's server.
    """
    var_dir = tmp_path / "var"
    values = {"DEBUG": "1", "DATABASE_URL": os.environ["DATABASE_URL"]}
    script = (
        "import django; django.setup(); "
        "from marketplace import embedded; embedded.redis_stop()"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **{
                k: v
                for k, v in os.environ.items()
                if k not in _CONTROLLED and not k.startswith("REMARKET_EMBEDDED_")
            },
            **values,
            "REMARKET_VAR_DIR": str(var_dir),
            "DJANGO_SETTINGS_MODULE": "marketplace.settings",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert completed.returncode == 0, completed.stderr
    assert (var_dir / "redis" / "redis.log").exists()  # it ran, then stopped


def test_check_deploy_with_production_values_is_clean(tmp_path):
    for values in (production(), production(BEHIND_TLS_PROXY="1")):
        completed = manage(
            tmp_path, values, "check", "--deploy", "--fail-level", "DEBUG"
        )

        assert completed.returncode == 0, completed.stdout + completed.stderr
        # One check is silenced, by name: django-ratelimit warns about any
        # cache it does not list, and Django's own Redis cache (atomic INCR,
        # what the limits count with) is not in its list.
        assert completed.stdout.strip() == (
            "System check identified no issues (1 silenced)."
        )
        assert _setting(tmp_path, values, "SILENCED_SYSTEM_CHECKS") == (
            "['django_ratelimit.W001']"
        )


def _setting(tmp_path: Path, values: dict[str, str], name: str) -> str:
    completed = manage(
        tmp_path,
        values,
        "shell",
        "--no-imports",
        "-c",
        f"from django.conf import settings; print(repr(settings.{name}))",
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip()


def test_x_forwarded_proto_is_trusted_only_behind_a_declared_tls_proxy(tmp_path):
    assert _setting(tmp_path, production(), "SECURE_PROXY_SSL_HEADER") == "None"
    assert _setting(
        tmp_path, production(BEHIND_TLS_PROXY="1"), "SECURE_PROXY_SSL_HEADER"
    ) == repr(("HTTP_X_FORWARDED_PROTO", "https"))


def test_the_docker_images_collectstatic_step_passes_the_start_up_checks(tmp_path):
    """The image sets DEBUG=0; its build step gives collectstatic placeholders.

    The settings are what would stop the step: loading them (``check``) with
    the step's environment is the proof, without collecting every file.
    """
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    image_env = dict(
        re.findall(r"(\w+)=(\S+)", re.search(r"^ENV (.*)$", dockerfile, re.M)[1])
    )
    step = re.search(
        r"&&((?:\s+\w+=\S+)+)\s+python manage.py collectstatic", dockerfile
    )
    assert image_env["DEBUG"] == "0"
    assert step, "the Dockerfile's collectstatic step"
    values = {
        **image_env,
        **dict(re.findall(r"(\w+)=(\S+)", step[1])),
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }

    completed = manage(tmp_path, values, "check")

    assert completed.returncode == 0, completed.stderr
    without_placeholders = {**image_env, "STATIC_ROOT": str(tmp_path / "static")}
    assert manage(tmp_path, without_placeholders, "check").returncode == 1
