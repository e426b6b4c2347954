"""What the settings read from the environment, and what production refuses.

With ``DEBUG`` on, every setting has a local default (the development key, the
embedded PostgreSQL and Redis, the offline test payment gateway). With
``DEBUG`` off none of those defaults is silently taken: ``production_refusals``
lists each variable that is missing or unsafe, and the settings refuse to load
(``ImproperlyConfigured``) while the list is not empty.

The messages are for the operator who reads a start-up log; they stay in
English like Django's own, since translations need the settings being refused.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

# Published in this repository: only ever good for a machine of one's own.
DEV_SECRET_KEY = "django-insecure-remarket-local-development-only"

_TRUE = {"1", "true", "yes", "on"}


def env_bool(
    name: str, default: bool, environ: Mapping[str, str] | None = None
) -> bool:
    """A boolean variable: ``1/true/yes/on`` is on, anything else set is off."""
    value = (os.environ if environ is None else environ).get(name)
    if value is None:
        return default
    return value.strip().lower() in _TRUE


def env_list(name: str, default: str) -> list[str]:
    """A comma-separated variable as a list, blanks dropped."""
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


def production_refusals(environ: Mapping[str, str]) -> list[str]:
    """Why a process with ``DEBUG`` off must not start; empty when it may.

    Each reason names the variable to set.
    """

    def given(name: str) -> str:
        return (environ.get(name) or "").strip()

    refusals = []
    secret = given("SECRET_KEY")
    if not secret:
        refusals.append(
            "SECRET_KEY is not set. Set it to 50 or more random characters, e.g. "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    elif secret == DEV_SECRET_KEY:
        refusals.append(
            "SECRET_KEY is the development key published with ReMarket. Set it "
            "to 50 or more random characters of your own."
        )
    if not given("DATABASE_URL"):
        refusals.append(
            "DATABASE_URL is not set. Name your PostgreSQL server "
            "(postgres://user:password@host:5432/remarket); with DEBUG off "
            "ReMarket never starts a private database of its own."
        )
    if not given("REDIS_URL"):
        refusals.append(
            "REDIS_URL is not set. Name your Redis server (redis://host:6379); "
            "with DEBUG off ReMarket never starts a private Redis of its own."
        )
    offline = env_bool("PAYMENTS_OFFLINE", False, environ)
    if offline and given("STRIPE_SECRET_KEY"):
        refusals.append(
            "PAYMENTS_OFFLINE=1 asks for the offline test gateway, but "
            "STRIPE_SECRET_KEY is set too. Unset one of them."
        )
    elif not offline:
        for name in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
            if not given(name):
                refusals.append(
                    f"{name} is not set. Real payments need it. To run the "
                    "offline test gateway instead (no real money moves, and "
                    "every page says so), set PAYMENTS_OFFLINE=1."
                )
    return refusals
