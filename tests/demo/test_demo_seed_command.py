"""seed_demo: the published demo logins and API key exist only in development.

With DEBUG off it refuses unless told ``--production-ok``; then every demo
login gets a random password and the active seller a random API key, printed
once, and the published ones never work there.
"""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from demo import DEMO_LOGINS
from demo.seed import demo_seed
from demo.seller_tools import DEMO_API_KEY
from listings.models import Listing

pytestmark = pytest.mark.django_db

SCALE = "60"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--scale", SCALE, *args, stdout=out)
    return out.getvalue()


def printed_passwords(output: str) -> dict[str, str]:
    """``{username: password}`` from the lines ``  <label>  <username> / <pw>``."""
    found = {}
    for login in DEMO_LOGINS:
        match = re.search(rf"  {re.escape(login.username)} / (\S+)$", output, re.M)
        if match:
            found[login.username] = match.group(1)
    return found


def printed_key(output: str) -> str | None:
    match = re.search(r"(rmk_\w+_\S+)", output)
    return match.group(1) if match else None


def seller_me(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client.get("/api/v1/seller/me/").status_code


def test_with_debug_off_it_refuses_without_the_flag_and_writes_nothing(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--production-ok"):
        seed()

    assert not get_user_model().objects.exists()
    assert not Listing.objects.exists()


def test_in_development_it_prints_the_published_logins_and_key(settings):
    settings.DEBUG = True

    output = seed()

    assert printed_passwords(output) == {
        login.username: login.password for login in DEMO_LOGINS
    }
    assert printed_key(output) == DEMO_API_KEY
    assert seller_me(DEMO_API_KEY) == 200


def test_with_the_flag_the_logins_get_random_passwords_printed_once(settings):
    settings.DEBUG = False
    users = get_user_model().objects

    output = seed("--production-ok")

    passwords = printed_passwords(output)
    assert set(passwords) == {login.username for login in DEMO_LOGINS}
    for login in DEMO_LOGINS:
        user = users.get(username=login.username)
        assert passwords[login.username] != login.password
        assert len(passwords[login.username]) >= 16
        assert user.check_password(passwords[login.username])
        assert not user.check_password(login.password)
    key = printed_key(output)
    assert key and key != DEMO_API_KEY
    assert seller_me(key) == 200
    assert seller_me(DEMO_API_KEY) == 401

    # A second run prints no secret and changes none.
    again = seed("--production-ok")

    assert printed_passwords(again) == {}
    assert printed_key(again) is None
    for login in DEMO_LOGINS:
        user = users.get(username=login.username)
        assert user.check_password(passwords[login.username])
    assert seller_me(key) == 200


def test_with_the_flag_the_published_secrets_of_an_earlier_development_run_stop(
    settings,
):
    demo_seed(listings=int(SCALE))  # the published logins and key, as `make run`
    assert seller_me(DEMO_API_KEY) == 200
    settings.DEBUG = False

    output = seed("--production-ok")

    for login in DEMO_LOGINS:
        user = get_user_model().objects.get(username=login.username)
        assert not user.check_password(login.password)
    assert seller_me(DEMO_API_KEY) == 401
    new_key = printed_key(output)
    assert new_key and seller_me(new_key) == 200
