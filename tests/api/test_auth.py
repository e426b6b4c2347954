"""Seller API keys at the door: only a live key gets in, and it acts as its seller.

Checked through ``GET /api/v1/seller/me/``, the smallest real seller endpoint.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from refurbishers.models import ApiToken, MemberRole, Membership
from refurbishers.services.api_tokens import api_token_create, api_token_revoke
from refurbishers.services.status import refurbisher_reinstate, refurbisher_suspend
from tests.support.api import seller_key_make
from tests.support.factories import RefurbisherFactory
from tests.support.refurbisher_builders import (
    qa_user_make,
    trial_refurbisher_make,
    user_make,
)

pytestmark = pytest.mark.django_db
ME = "/api/v1/seller/me/"
CHALLENGE = 'Bearer realm="ReMarket seller API"'


def assert_refused(response, message: str) -> None:
    """A 401 in the one error shape, with the Bearer challenge."""
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"] == CHALLENGE
    assert response.json() == {
        "error": {"code": "not_authenticated", "message": message, "fields": {}}
    }


def get_me(authorization: str | bytes | None = None, client=None):
    client = client or APIClient()
    if authorization is None:
        return client.get(ME)
    return client.get(ME, HTTP_AUTHORIZATION=authorization)


# --- Refused --------------------------------------------------------------------


def test_no_key_is_a_401_with_the_challenge(db):
    assert_refused(get_me(), "Authentication credentials were not provided.")


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer ",
        "Bearer rmk_abc def",
        "Bearer  rmk_abc_def extra",
    ],
)
def test_a_malformed_bearer_header_is_a_401_that_says_how_to_send_it(db, authorization):
    assert_refused(
        get_me(authorization),
        "Send the key as 'Authorization: Bearer rmk_…', with no spaces in it.",
    )


@pytest.mark.parametrize(
    "key",
    [
        "not-a-key",
        "rmk_",
        "rmk_abc",
        "rmk__secret",
        "rmk_abc_",
        "RMK_abc_def",
        "rmk_000000000000_" + "x" * 43,
    ],
)
def test_a_key_of_the_wrong_form_or_unknown_prefix_is_a_401(db, key):
    assert_refused(get_me(f"Bearer {key}"), "This API key is not valid.")


def test_a_key_that_is_not_utf8_is_a_401_not_a_500(db):
    assert_refused(get_me(b"Bearer rmk_\xff\xfe_secret"), "This API key is not valid.")


def test_the_right_prefix_with_a_wrong_secret_is_a_401(api_key):
    wrong = f"rmk_{api_key.token.prefix}_" + "A" * 43
    assert_refused(get_me(f"Bearer {wrong}"), "This API key is not valid.")
    # One character off at the end is just as wrong.
    last = "A" if api_key.key[-1] != "A" else "B"
    assert_refused(
        get_me(f"Bearer {api_key.key[:-1]}{last}"), "This API key is not valid."
    )
    assert_refused(get_me(f"Bearer {api_key.key}x"), "This API key is not valid.")


def test_another_scheme_is_not_a_key(api_key):
    for scheme in ("Token", "Basic", "ApiKey"):
        assert_refused(
            get_me(f"{scheme} {api_key.key}"),
            "Authentication credentials were not provided.",
        )


def test_a_revoked_key_is_a_401_that_says_so(api_key):
    assert get_me(f"Bearer {api_key.key}").status_code == 200
    api_token_revoke(token=api_key.token, actor=api_key.owner)
    assert_refused(get_me(f"Bearer {api_key.key}"), "This API key was revoked.")


def test_the_scheme_is_case_insensitive(api_key):
    assert get_me(f"bearer {api_key.key}").status_code == 200
    assert get_me(f"BEARER {api_key.key}").status_code == 200


def test_a_staff_session_without_a_key_is_a_401(db):
    """Sessions never reach the seller API, not even a superuser's."""
    for person in (qa_user_make(), user_make(is_staff=True, is_superuser=True)):
        client = APIClient()
        # force_login: a password sign-in goes through the site's sign-in
        # page (django-axes checks every attempt with its request).
        client.force_login(person)
        assert_refused(
            get_me(client=client), "Authentication credentials were not provided."
        )


def test_a_members_session_without_a_key_is_a_401(api_key):
    client = APIClient()
    client.force_login(api_key.owner)
    assert_refused(
        get_me(client=client), "Authentication credentials were not provided."
    )


# --- Let in ---------------------------------------------------------------------


def test_a_key_acts_as_its_refurbisher_only(api_key, other_api_key):
    mine = get_me(f"Bearer {api_key.key}")
    theirs = get_me(f"Bearer {other_api_key.key}")

    assert mine.status_code == theirs.status_code == 200
    assert mine.json()["slug"] == api_key.refurbisher.slug
    assert theirs.json()["slug"] == other_api_key.refurbisher.slug
    assert mine.json()["key"] == {
        "name": "Stock system",
        "prefix": api_key.token.prefix,
    }


def test_me_describes_an_active_seller(api_key):
    refurbisher = api_key.refurbisher
    body = get_me(f"Bearer {api_key.key}").json()
    assert body == {
        "name": refurbisher.name,
        "slug": refurbisher.slug,
        "status": "active",
        "is_selling": True,
        "country": "FR",
        "time_zone": "Europe/Paris",
        "ships_to": [
            {"code": "BE", "name": "Belgium", "currency": "EUR"},
            {"code": "DE", "name": "Germany", "currency": "EUR"},
            {"code": "ES", "name": "Spain", "currency": "EUR"},
            {"code": "FR", "name": "France", "currency": "EUR"},
            {"code": "IT", "name": "Italy", "currency": "EUR"},
        ],
        "trial": None,
        "key": {"name": "Stock system", "prefix": api_key.token.prefix},
    }


def test_me_gives_a_trial_sellers_cap_and_end(db):
    _, refurbisher = trial_refurbisher_make(daily_sales_cap=3, trial_days=40)
    seller = seller_key_make(refurbisher)

    body = get_me(f"Bearer {seller.key}").json()

    assert body["status"] == "trial" and body["is_selling"] is True
    trial = body["trial"]
    assert trial["daily_sales_cap"] == 3
    assert trial["sales_today"] == 0 and trial["capped_today"] is False
    assert trial["days_left"] == 40
    ends_at = dt.datetime.fromisoformat(trial["ends_at"])
    assert ends_at == refurbisher.trial_ends_at


def test_a_suspended_sellers_keys_are_a_403_that_gives_qas_reason(api_key):
    """It learns why rather than a bare refusal; reinstated, the key works again."""
    qa = qa_user_make()
    refurbisher_suspend(
        refurbisher=api_key.refurbisher, actor=qa,
        reason="Three devices sold as Excellent arrived cracked.",
    )  # fmt: skip
    header = f"Bearer {api_key.key}"
    for url in (ME, "/api/v1/seller/listings/", "/api/v1/seller/orders/"):
        response = APIClient().get(url, HTTP_AUTHORIZATION=header)
        assert response.status_code == 403, url
        error = response.json()["error"]
        assert error["code"] == "permission_denied"
        assert f"{api_key.refurbisher.name} is suspended" in error["message"]
        assert "Three devices sold as Excellent arrived cracked." in error["message"]
    refurbisher_reinstate(
        refurbisher=api_key.refurbisher, actor=qa, reason="Fixed its grading."
    )
    assert get_me(header).status_code == 200


def test_a_key_stops_when_the_account_of_its_maker_is_deleted(api_key):
    api_key.owner.delete()
    assert_refused(
        get_me(f"Bearer {api_key.key}"),
        "This API key no longer works: the account of the member who made it was "
        "deleted. An owner can make a new key in the dashboard.",
    )
    assert ApiToken.objects.get(pk=api_key.token.pk).created_by is None


def test_a_key_stops_while_the_account_of_its_maker_is_deactivated(api_key):
    api_key.owner.is_active = False
    api_key.owner.save(update_fields=["is_active"])
    assert_refused(
        get_me(f"Bearer {api_key.key}"),
        "This API key no longer works: the account of the member who made it was "
        "deactivated. An owner can make a new key in the dashboard.",
    )
    api_key.owner.is_active = True
    api_key.owner.save(update_fields=["is_active"])
    assert get_me(f"Bearer {api_key.key}").status_code == 200


def test_a_key_stops_when_its_maker_left_the_refurbisher(api_key):
    """However they left: here their membership is deleted in the admin, which
    (unlike removal from the team page) revokes nothing."""
    maker = user_make(email="former@lyon.example")
    Membership.objects.create(
        user=maker, refurbisher=api_key.refurbisher, role=MemberRole.STAFF
    )
    _, key = api_token_create(
        refurbisher=api_key.refurbisher, actor=maker, name="Their script"
    )
    assert get_me(f"Bearer {key}").status_code == 200
    Membership.objects.filter(user=maker).delete()
    message = (
        "This API key no longer works: the member who made it no longer works for "
        f"{api_key.refurbisher.name}. An owner can make a new key in the dashboard."
    )
    assert_refused(get_me(f"Bearer {key}"), message)
    # Working for another refurbisher since does not bring it back.
    Membership.objects.create(
        user=maker, refurbisher=RefurbisherFactory(), role=MemberRole.OWNER
    )
    assert_refused(get_me(f"Bearer {key}"), message)
    assert get_me(f"Bearer {api_key.key}").status_code == 200  # the owner's key


# --- last_used_at ---------------------------------------------------------------


def _token_updates(queries) -> list[str]:
    return [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('UPDATE "refurbishers_apitoken"')
    ]


def test_last_used_is_written_at_most_once_a_minute(api_key):
    header = f"Bearer {api_key.key}"
    assert ApiToken.objects.get(pk=api_key.token.pk).last_used_at is None

    before = timezone.now()
    with CaptureQueriesContext(connection) as first:
        assert get_me(header).status_code == 200
    used = ApiToken.objects.get(pk=api_key.token.pk).last_used_at
    assert used is not None and before <= used <= timezone.now()
    assert len(_token_updates(first)) == 1

    # Calls within the minute write nothing.
    with CaptureQueriesContext(connection) as again:
        for _ in range(3):
            assert get_me(header).status_code == 200
    assert _token_updates(again) == []
    assert ApiToken.objects.get(pk=api_key.token.pk).last_used_at == used

    # A minute and more later, the next call moves it.
    long_ago = timezone.now() - dt.timedelta(seconds=61)
    ApiToken.objects.filter(pk=api_key.token.pk).update(last_used_at=long_ago)
    assert get_me(header).status_code == 200
    assert ApiToken.objects.get(pk=api_key.token.pk).last_used_at > long_ago + (
        dt.timedelta(seconds=60)
    )


def test_refused_keys_are_not_marked_used(api_key):
    api_token_revoke(token=api_key.token, actor=api_key.owner)
    get_me(f"Bearer {api_key.key}")
    get_me(f"Bearer rmk_{api_key.token.prefix}_wrong")
    assert ApiToken.objects.get(pk=api_key.token.pk).last_used_at is None


def test_me_costs_a_fixed_number_of_queries(api_key, django_assert_max_num_queries):
    get_me(f"Bearer {api_key.key}")  # last_used_at written once
    with django_assert_max_num_queries(2):
        assert get_me(f"Bearer {api_key.key}").status_code == 200
