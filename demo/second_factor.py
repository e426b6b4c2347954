"""The demo's second factor: a published authenticator secret, development only.

QA (for the admin) and the demo sellers' owners (for API keys and the payout
account) need a second factor. So a newcomer without a phone can try them,
``seed_demo`` gives those demo logins an authenticator app whose secret is
published here, and ``manage.py demo_totp`` prints the code it shows now.
Only with ``DEBUG`` on: with it off the seed installs none and removes any
device with this secret, so a production database never keeps one.
"""

from __future__ import annotations

import base64

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.onboarding import ACTIVE_SELLER, QA_USERNAME, TRIAL_SELLER
from marketplace.accounts.second_factor import totp_device_install

# 20 bytes, shown to people in base32 (what authenticator apps take).
DEMO_TOTP_KEY = b"remarket-demo-totp!!"
DEMO_TOTP_KEY_HEX = DEMO_TOTP_KEY.hex()
DEMO_TOTP_SECRET = base64.b32encode(DEMO_TOTP_KEY).decode()
DEMO_TOTP_LOGINS = (QA_USERNAME, TRIAL_SELLER, ACTIVE_SELLER)


@transaction.atomic
def demo_second_factors_ensure(*, published: bool = True) -> int:
    """Give the demo logins the published authenticator (DEBUG only).

    With DEBUG off, or when the demo logins are not the published ones
    (``published`` off: random passwords), removes every device that has the
    published secret instead. Returns how many devices it installed.
    """
    if not (settings.DEBUG and published):
        TOTPDevice.objects.filter(key=DEMO_TOTP_KEY_HEX).delete()
        return 0
    installed = 0
    users = get_user_model().objects.filter(username__in=DEMO_TOTP_LOGINS)
    for user in users.order_by("pk"):
        if TOTPDevice.objects.filter(
            user=user, key=DEMO_TOTP_KEY_HEX, confirmed=True
        ).exists():
            continue
        totp_device_install(user=user, key=DEMO_TOTP_KEY_HEX)
        installed += 1
    return installed


def demo_totp_now() -> tuple[str, int]:
    """The code an app with the demo secret shows now, and its seconds left."""
    totp = TOTP(DEMO_TOTP_KEY, step=30, digits=6)
    seconds_left = 30 - int(totp.time) % 30
    return f"{totp.token():06d}", seconds_left
