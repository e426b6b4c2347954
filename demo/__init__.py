"""The demo and the benchmarks: an interface app above the domain apps.

Demo data is a realistic catalog, refurbishers, listings, orders and logins.
``manage.py seed_demo`` runs ``seed.demo_seed``: ``catalog`` holds the static data,
``sync`` writes it by natural key, ``onboarding`` and ``orders`` go through the
domain's services, ``generate`` draws listings and ``marketplace.bulk_copy`` COPYs
them in. ``benchmark`` and the ``bench*`` commands measure a seeded catalog in its
own database; ``runstack`` (``make run``) serves the demo locally.

It imports any domain app; no domain app imports it.
"""

from __future__ import annotations

from typing import NamedTuple


class DemoLogin(NamedTuple):
    label: str
    username: str
    password: str


# Created by seed_demo and printed wherever a developer needs to sign in.
DEMO_LOGINS = [
    DemoLogin("QA staff (admin)", "qa", "remarket-qa"),
    DemoLogin("Shopper", "shopper@remarket.local", "remarket-shopper"),
    # Refurbishers' people sign in on the site with their email.
    DemoLogin("Seller on trial", "trial-seller@remarket.local", "remarket-seller"),
    DemoLogin("Seller (active)", "active-seller@remarket.local", "remarket-active"),
    DemoLogin("Applicant to vet", "applicant@remarket.local", "remarket-applicant"),
]
# Which demo logins are staff superusers (QA works in the Django admin).
DEMO_SUPERUSERS = frozenset({"qa"})
DEMO_EMAIL_DOMAIN = "remarket.local"
