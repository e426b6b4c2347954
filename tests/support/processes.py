"""The names this test run uses, and the environment of its child processes.

One run owns its cache keys, its Celery queue and worker name (all named after
the pytest process), so runs sharing servers stay apart. ``tests/conftest.py``
applies them to the settings and starts the worker; tests that start a Django
process of their own give it ``child_process_environment``.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.support.smtp_server import SmtpServer

ROOT = Path(__file__).resolve().parent.parent.parent
RUN_ID = f"remarket-test-{os.getpid()}"
# Cache keys of this run, in the project's cache database; cleared by prefix,
# never with FLUSHDB, so a `make run` or another test run keeps its keys.
CACHE_KEY_PREFIX = RUN_ID
# Celery messages of this run: their own Redis database and queue, so a worker
# started elsewhere on the same Redis never takes a test's task.
CELERY_TEST_REDIS_DB = 5
CELERY_QUEUE = RUN_ID
CELERY_WORKER_NAME = f"{RUN_ID}@{socket.gethostname()}"
# Tries of an email in the worker before it is failed (see
# child_process_environment).
CHILD_EMAIL_MAX_ATTEMPTS = 4


def _worker_database_url(database_name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{database_name}"))


def child_process_environment(smtp: SmtpServer) -> dict[str, str]:
    """The environment of a Django process of ours on the test database.

    Its emails are sent (not inline) by SMTP to ``smtp``, tried again after
    1 s, then 2 s, 4 s, and failed after 4 tries, so the tests of retries
    take seconds.
    """
    from django.conf import settings
    from django.db import connection

    from marketplace.celery import app

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
        ),
        "DATABASE_URL": _worker_database_url(connection.settings_dict["NAME"]),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": app.conf.broker_url,
        "CELERY_RESULT_BACKEND": app.conf.result_backend,
        # Tasks the child sends (a task sending another) stay on this run's queue.
        "CELERY_TASK_DEFAULT_QUEUE": CELERY_QUEUE,
        "CACHE_KEY_PREFIX": CACHE_KEY_PREFIX,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": smtp.host,
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "EMAIL_TIMEOUT": "10",
        "EMAIL_SEND_INLINE": "0",
        "EMAIL_RETRY_DELAY_SECONDS": "1",
        "EMAIL_MAX_ATTEMPTS": str(CHILD_EMAIL_MAX_ATTEMPTS),
    }
    # The child uses the servers named above; it owns none of them.
    env.pop("REMARKET_EMBEDDED_POSTGRES", None)
    env.pop("REMARKET_EMBEDDED_REDIS", None)
    return env
