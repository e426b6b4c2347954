"""Demo data: a realistic catalog, refurbishers, listings and logins.

``manage.py seed_demo`` runs ``seed.demo_seed``: ``catalog`` holds the static data,
``sync`` writes it by natural key, ``generate`` draws listings and ``bulk`` COPYs
them in.
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
