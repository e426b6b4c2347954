"""Print the code the demo logins' authenticator shows now (development only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.second_factor import (
    DEMO_TOTP_LOGINS,
    DEMO_TOTP_SECRET,
    demo_totp_now,
)


class Command(BaseCommand):
    help = (
        "Print the current second-factor code of the demo logins (qa and the "
        "demo sellers), for a newcomer without an authenticator app. DEBUG only."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "demo_totp works only with DEBUG on: in production the demo logins "
                "have no published second factor."
            )
        code, seconds = demo_totp_now()
        self.stdout.write(f"Code: {code} (for {seconds} more seconds)")
        self.stdout.write(f"Logins: {', '.join(DEMO_TOTP_LOGINS)}")
        self.stdout.write(
            f"Or add the secret {DEMO_TOTP_SECRET} to an authenticator app "
            "(time-based, 6 digits)."
        )
