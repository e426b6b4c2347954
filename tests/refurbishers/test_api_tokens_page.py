"""The API tokens page: list, create (shown once), revoke; nobody crosses over."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from playwright.sync_api import expect
from rest_framework.test import APIClient

from refurbishers.models import ApiToken, MemberRole, Membership
from refurbishers.services.api_tokens import (
    LIVE_KEYS_MAX,
    api_token_create,
    api_token_revoke,
)
from tests.support.factories import RefurbisherFactory
from tests.support.refurbisher_builders import PASSWORD, user_make
from tests.support.second_factor import (
    second_factor_give,
    session_verify,
    sign_in_verified,
    totp_code,
)

pytestmark = pytest.mark.django_db
PAGE = "/seller/api-tokens/"
KEY_PATTERN = re.compile(r"rmk_[0-9a-f]{12}_[A-Za-z0-9_-]{40,}")


def revoke_url(token) -> str:
    return f"/seller/api-tokens/{token.pk}/revoke/"


def member_make(refurbisher, role=MemberRole.OWNER):
    person = user_make()
    Membership.objects.create(user=person, refurbisher=refurbisher, role=role)
    return person


@pytest.fixture
def signed_in_shop(client):
    """An active refurbisher whose owner is signed in, second factor passed."""
    refurbisher = RefurbisherFactory(name="Lyon Renov")
    owner = member_make(refurbisher)
    sign_in_verified(client, owner)
    return refurbisher, owner


def api_status(key: str) -> int:
    return (
        APIClient()
        .get("/api/v1/seller/me/", HTTP_AUTHORIZATION=f"Bearer {key}")
        .status_code
    )


# --- The list -------------------------------------------------------------------


def test_the_page_lists_keys_by_prefix_with_who_made_and_revoked_them(
    client, signed_in_shop
):
    refurbisher, owner = signed_in_shop
    colleague = member_make(refurbisher, role=MemberRole.STAFF)
    erp, erp_key = api_token_create(refurbisher=refurbisher, actor=owner, name="ERP")
    old, old_key = api_token_create(
        refurbisher=refurbisher, actor=colleague, name="Old scanner"
    )
    api_token_revoke(token=old, actor=colleague)
    ApiToken.objects.filter(pk=erp.pk).update(
        last_used_at=dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
    )

    response = client.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert f"rmk_{erp.prefix}_…" in html and f"rmk_{old.prefix}_…" in html
    # Neither the keys nor their hashes are ever on the page.
    for token, key in ((erp, erp_key), (old, old_key)):
        assert key not in html and key.split("_", 2)[2] not in html
        assert token.key_hash not in html
    live, revoked = html.split('id="revoked-title"')
    assert "ERP" in live and "Old scanner" not in live
    assert "Old scanner" in revoked
    assert f"by {owner.email}" in live
    assert f"by {colleague.email}" in revoked  # created by, and revoked by
    # Times in the seller's time zone (Paris: UTC+1 in November).
    assert "20 Nov 2026, 10:30" in live
    assert "1 of 20" in live


def test_the_navigation_points_to_the_page_and_marks_it_current(client, signed_in_shop):
    html = client.get(PAGE).content.decode()
    assert re.search(r'<a href="/seller/api-tokens/"[^>]*aria-current="page"', html)


def test_the_page_explains_how_to_call_the_api_and_links_the_docs(
    client, signed_in_shop
):
    html = client.get(PAGE).content.decode()
    assert 'href="/api/docs/"' in html
    assert (
        'curl -H "Authorization: Bearer rmk_…" http://testserver/api/v1/seller/me/'
        in html
    )


def test_the_page_costs_the_same_queries_for_3_or_20_keys(
    client, signed_in_shop, django_assert_max_num_queries
):
    refurbisher, owner = signed_in_shop

    def page_queries(count: int) -> int:
        ApiToken.objects.filter(refurbisher=refurbisher).delete()
        for n in range(count):
            token, _ = api_token_create(
                refurbisher=refurbisher, actor=member_make(refurbisher), name=f"K{n}"
            )
            if n % 2:
                api_token_revoke(token=token, actor=owner)
                api_token_create(refurbisher=refurbisher, actor=owner, name=f"K{n}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PAGE).status_code == 200
        return len(queries)

    few, many = page_queries(3), page_queries(20)
    assert few == many
    with django_assert_max_num_queries(8):
        client.get(PAGE)


def test_another_refurbishers_keys_are_not_listed(client, signed_in_shop):
    theirs, _ = api_token_create(
        refurbisher=RefurbisherFactory(), actor=user_make(), name="Their ERP"
    )
    html = client.get(PAGE).content.decode()
    assert "Their ERP" not in html and theirs.prefix not in html
    assert "No live key" in html


def test_people_outside_a_refurbisher_do_not_get_the_page(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(settings.LOGIN_URL)
    assert client.post(PAGE, {"name": "ERP"}).status_code == 302

    client.force_login(user_make())
    response = client.get(PAGE)
    assert "api_tokens.html" not in [t.name for t in response.templates]
    assert client.post(PAGE, {"name": "ERP"}).status_code == 200  # not a member page
    assert not ApiToken.objects.exists()


# --- Creating -------------------------------------------------------------------


def test_a_new_key_is_shown_once_in_the_answer_to_the_post(client, signed_in_shop):
    refurbisher, owner = signed_in_shop

    response = client.post(PAGE, {"name": "Stock system"})

    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    assert not response.has_header("Location")
    html = response.content.decode()
    keys = set(KEY_PATTERN.findall(html))
    assert len(keys) == 1
    key = keys.pop()
    token = ApiToken.objects.get(refurbisher=refurbisher)
    assert (token.name, token.created_by) == ("Stock system", owner)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert "it will not be shown again" in html
    assert 'data-copy-target="new-api-key"' in html
    # The form is fresh, so the name is not sent twice by accident.
    assert 'value="Stock system"' not in html
    # The key works at once, and is never on the page again.
    assert api_status(key) == 200
    assert key not in client.get(PAGE).content.decode()


def test_staff_members_may_create_keys_too(client, db):
    refurbisher = RefurbisherFactory()
    member_make(refurbisher)
    staff = member_make(refurbisher, role=MemberRole.STAFF)
    sign_in_verified(client, staff)
    assert client.post(PAGE, {"name": "Scanner"}).status_code == 201
    assert ApiToken.objects.get(refurbisher=refurbisher).created_by == staff


def test_making_a_key_needs_a_session_that_passed_a_second_factor(client, db):
    refurbisher = RefurbisherFactory()
    owner = member_make(refurbisher)
    client.force_login(owner)
    page = client.get(PAGE).content.decode()
    assert "Making a key needs two-factor authentication" in page
    assert "Set up two-factor authentication" in page
    assert 'name="name"' not in page

    refused = client.post(PAGE, {"name": "ERP"})

    assert refused.status_code == 403
    assert not ApiToken.objects.exists()
    # With an app set up but the session not verified: asked for a code.
    second_factor_give(owner)
    page = client.get(PAGE).content.decode()
    assert "Enter a code from your app" in page
    assert "/accounts/security/two-factor/code/?next=%2Fseller%2Fapi-tokens%2F" in page
    session_verify(client, owner)
    assert client.post(PAGE, {"name": "ERP"}).status_code == 201


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("x" * 81, "Ensure this value has at most 80 characters (it has 81)."),
    ],
)
def test_a_bad_name_is_refused_with_a_message_and_nothing_is_made(
    client, signed_in_shop, name, error
):
    response = client.post(PAGE, {"name": name})
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    assert 'aria-invalid="true"' in html
    assert not ApiToken.objects.exists()
    assert not KEY_PATTERN.search(html)


def test_a_name_already_used_by_a_live_key_is_refused_and_kept_in_the_form(
    client, signed_in_shop
):
    refurbisher, owner = signed_in_shop
    api_token_create(refurbisher=refurbisher, actor=owner, name="ERP")

    response = client.post(PAGE, {"name": "ERP"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "A live key is already named &#x27;ERP&#x27;." in html
    assert 'value="ERP"' in html
    assert ApiToken.objects.filter(refurbisher=refurbisher).count() == 1


def test_at_20_live_keys_the_page_says_so_and_refuses_another(client, signed_in_shop):
    refurbisher, owner = signed_in_shop
    for n in range(LIVE_KEYS_MAX):
        api_token_create(refurbisher=refurbisher, actor=owner, name=f"Key {n}")

    html = client.get(PAGE).content.decode()
    assert "20 of 20" in html
    assert "Revoke one you no longer use" in html
    assert 'name="name"' not in html  # no form to fill in vain

    response = client.post(PAGE, {"name": "One more"})
    assert response.status_code == 400
    assert "You have 20 live keys" in response.content.decode()
    assert ApiToken.objects.filter(refurbisher=refurbisher).count() == LIVE_KEYS_MAX


# --- Revoking -------------------------------------------------------------------


def test_revoking_asks_first_then_refuses_the_key_from_then_on(client, signed_in_shop):
    refurbisher, owner = signed_in_shop
    token, key = api_token_create(refurbisher=refurbisher, actor=owner, name="ERP")

    confirm = client.get(revoke_url(token))
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "Revoke the key “ERP”?" in html
    assert f'action="{revoke_url(token)}"' in html
    token.refresh_from_db()
    assert token.revoked_at is None and api_status(key) == 200  # asking changes nothing

    response = client.post(revoke_url(token), follow=True)

    assert response.redirect_chain == [(PAGE, 302)]
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == owner
    assert "is revoked" in response.content.decode()
    assert api_status(key) == 401


def test_revoking_twice_keeps_the_first_revocation(client, signed_in_shop):
    refurbisher, owner = signed_in_shop
    token, _ = api_token_create(refurbisher=refurbisher, actor=owner, name="ERP")
    first = api_token_revoke(token=token, actor=owner).revoked_at
    client.force_login(member_make(refurbisher, role=MemberRole.STAFF))

    response = client.post(revoke_url(token), follow=True)

    assert response.status_code == 200
    assert "was already revoked" in response.content.decode()
    token.refresh_from_db()
    assert (token.revoked_at, token.revoked_by) == (first, owner)
    assert "already revoked" in client.get(revoke_url(token)).content.decode()


def test_another_refurbishers_key_is_a_404_and_stays_live(client, signed_in_shop):
    # Made by a member of that refurbisher (a key stops without one).
    other, maker = RefurbisherFactory(), user_make()
    Membership.objects.create(user=maker, refurbisher=other, role=MemberRole.OWNER)
    theirs, key = api_token_create(refurbisher=other, actor=maker, name="Their ERP")
    assert client.get(revoke_url(theirs)).status_code == 404
    assert client.post(revoke_url(theirs)).status_code == 404
    assert client.post("/seller/api-tokens/999999/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert api_status(key) == 200


def test_the_copy_script_and_styles_are_served_from_our_static():
    html_static = Path(settings.BASE_DIR) / "static"
    script = (html_static / "js" / "api-tokens.js").read_text()
    assert "navigator.clipboard" in script and "data-copy-target" in script
    assert ".api-key-value" in (html_static / "css" / "api-tokens.css").read_text()


def test_the_page_loads_the_copy_script(client, signed_in_shop):
    html = client.get(PAGE).content.decode()
    assert re.search(r'<script src="/static/js/api-tokens\.js[^"]*" defer>', html)
    assert "https://" not in "".join(re.findall(r"<script[^>]*>", html))


def test_a_key_last_used_now_shows_the_time(client, signed_in_shop):
    refurbisher, owner = signed_in_shop
    token, key = api_token_create(refurbisher=refurbisher, actor=owner, name="ERP")
    assert "Never" in client.get(PAGE).content.decode()
    assert api_status(key) == 200
    token.refresh_from_db()
    shown = timezone.localtime(
        token.last_used_at, zoneinfo.ZoneInfo(refurbisher.time_zone)
    )
    assert shown.strftime("%-d %b %Y, %H:%M") in client.get(PAGE).content.decode()


# --- In a real browser ----------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_in_chromium_a_key_is_copied_works_and_is_revoked_on_a_phone(
    live_server, browser
):
    refurbisher = RefurbisherFactory(name="Lyon Renov")
    owner = member_make(refurbisher)
    device, _ = second_factor_give(owner)
    phone = browser.new_context(
        viewport={"width": 360, "height": 800},
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = phone.new_page()
    page.goto(live_server.url + "/accounts/sign-in/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + PAGE)

    page.get_by_label("Name of the key").fill("Stock system")
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_text("it will not be shown again")).to_be_visible()
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("[data-copy-status]")).to_have_text(
        "The key is on your clipboard. Keep it somewhere safe."
    )
    key = page.evaluate("navigator.clipboard.readText()")
    assert KEY_PATTERN.fullmatch(key)
    assert key == page.get_by_label("The new API key").input_value()
    assert api_status(key) == 200
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_role("link", name="Revoke the key Stock system").click()
    page.get_by_role("button", name="Revoke the key").click()
    expect(page.locator(".flash")).to_contain_text("is revoked")
    assert key not in page.content()
    assert api_status(key) == 401
    phone.close()
