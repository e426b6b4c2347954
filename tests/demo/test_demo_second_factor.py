"""The demo's second factor: published for development, absent in production."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo import DEMO_LOGINS
from demo.second_factor import (
    DEMO_TOTP_KEY_HEX,
    DEMO_TOTP_LOGINS,
    demo_second_factors_ensure,
)
from demo.sync import demo_logins_ensure

pytestmark = pytest.mark.django_db
PASSWORDS = {login.username: login.password for login in DEMO_LOGINS}


def _printed_code() -> str:
    out = StringIO()
    call_command("demo_totp", stdout=out)
    return re.search(r"Code: (\d{6})", out.getvalue()).group(1)


def test_with_debug_qa_signs_into_the_admin_with_the_printed_code(client, settings):
    settings.DEBUG = True
    demo_logins_ensure()
    assert demo_second_factors_ensure() == len(DEMO_TOTP_LOGINS)
    assert demo_second_factors_ensure() == 0  # a second seed adds nothing

    client.post(
        "/accounts/sign-in/",
        {"username": "qa", "password": PASSWORDS["qa"], "next": "/admin/"},
    )
    response = client.post("/accounts/sign-in/code/", {"code": _printed_code()})

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_without_debug_no_published_second_factor_is_installed_or_kept(settings):
    settings.DEBUG = True
    demo_logins_ensure()
    demo_second_factors_ensure()
    assert TOTPDevice.objects.filter(key=DEMO_TOTP_KEY_HEX).count() == 3

    settings.DEBUG = False
    assert demo_second_factors_ensure() == 0

    assert not TOTPDevice.objects.filter(key=DEMO_TOTP_KEY_HEX).exists()
    with pytest.raises(CommandError, match="only with DEBUG on"):
        call_command("demo_totp", stdout=StringIO())
