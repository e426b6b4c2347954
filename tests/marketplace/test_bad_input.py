"""The one place bad characters are refused (marketplace.bad_input): what it
refuses and how it says so, the admin's lists, and that ordinary text of
every kind still goes through.

The sweep over every URL is test_bad_input_everywhere; these pin down each
rule and its message.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from orders.models import Message
from tests.support.images import jpeg_with_gps, upload
from tests.support.refurbisher_builders import PASSWORD, user_make
from tests.support.second_factor import staff_sign_in
from tests.support.shopping import shopper

pytestmark = pytest.mark.django_db

SEARCH = "/search/"
BULK = "/api/v1/seller/listings/bulk/"
CATALOG = "/api/v1/catalog/offers/"
FORM = "application/x-www-form-urlencoded"
# Typed text of every kind (a dash, quotes, emoji, Arabic-Indic digits, CJK).
TYPED = "Écran 6,1″ \u2013 iPhone 13 «neuf» 😀 ١٢ 日本"


def _problem(response) -> str:
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    start = page.index('class="bad-input-problem"')
    return page[start : page.index("</p>", start)]


# --- The site's pages --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [("a\x00b", "U+0000"), ("\x1b[2J", "U+001B"), ("x\x7f", "U+007F")],
)
def test_a_control_character_in_a_link_is_a_400_naming_the_parameter(
    client, text, code
):
    problem = _problem(client.get(SEARCH, {"q": "phone", "sort": text}))
    assert "“sort”" in problem and code in problem


@pytest.mark.parametrize("escape", ["%ED%A0%80", "%FF", "%C0%80"])
def test_bytes_that_are_not_utf8_in_a_link_are_a_400_not_replacement_characters(
    client, escape
):
    """%ED%A0%80 is a lone surrogate written as UTF-8: Django would read it as
    three U+FFFD and search for them; the site says the link is broken."""
    problem = _problem(client.get(f"{SEARCH}?q={escape}"))
    assert "not UTF-8" in problem


def test_a_control_character_in_the_path_is_a_400(client):
    assert "U+0000" in _problem(client.get("/orders/R-1%00/"))


def test_a_control_character_in_a_header_is_a_400(client):
    response = client.get("/", HTTP_REFERER="http://x/\x01")
    assert "“Referer”" in _problem(response)


def test_a_cookie_spelling_nul_as_a_quoted_escape_is_a_400_not_a_500(client):
    """Cookie="abc\\000" has no control character on the wire; parsed, it
    names a session key with a NUL, which PostgreSQL refuses."""
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    assert '"abcdefgh\\000ijkl"' in client.cookies.output()
    assert "“sessionid”" in _problem(client.get("/"))


def test_urlencoded_and_multipart_forms_are_checked_field_by_field(client):
    urlencoded = client.post("/market/", "market=FR&next=%2F%00", content_type=FORM)
    assert "“next”" in _problem(urlencoded) and "U+0000" in _problem(urlencoded)
    surrogate = client.post("/market/", "market=%ED%A0%80", content_type=FORM)
    assert "not sent as UTF-8" in _problem(surrogate)
    multipart = client.post("/market/", {"market": "FR", "next": "/\x08"})
    assert "“next”" in _problem(multipart)


def test_a_multipart_value_with_a_control_character_is_refused_before_the_view(
    client,
    shop_with_two_sellers,
):
    client.force_login(shop_with_two_sellers.buyer)
    response = client.post(
        shop_with_two_sellers.thread_url,
        {"body": "Look\x00", "image": upload(jpeg_with_gps())},
    )
    assert "“body”" in _problem(response)
    assert not Message.objects.exists()


def test_the_stripe_webhook_still_reads_its_body_when_sent_a_multipart_form(client):
    """Multipart bodies are parsed for views that take forms only: the
    webhook reads its raw body itself (a 400 for the bad signature, not a
    500 for a body already consumed)."""
    response = client.post("/webhooks/stripe/", {"type": "x\x00"})
    assert response.status_code == 400


# --- The API: its error shape -----------------------------------------------


def test_the_api_answers_in_its_error_shape_naming_the_parameter(client):
    response = client.get(CATALOG, {"market": "FR\x00"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "malformed_request"
    assert "U+0000" in error["message"]
    assert list(error["fields"]) == ["market"]


@pytest.mark.parametrize(
    ("value", "code"), [("SKU\u0000", "U+0000"), ("\ud800", "U+D800")]
)
def test_a_json_string_escape_of_nul_or_a_lone_surrogate_is_refused_by_its_path(
    client, value, code
):
    body = json.dumps({"rows": [{"sku": "A-1", "stock": 1}, {"sku": value}]})
    response = client.post(BULK, body, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert code in error["message"]
    assert list(error["fields"]) == ["rows.1.sku"]


def test_a_json_number_no_float_holds_is_refused_by_its_path(client):
    response = client.post(
        BULK, '{"rows": [{"sku": "A-1", "stock": 1e999}]}',
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["rows.0.stock"]


def test_a_control_character_in_the_api_key_header_is_a_400_not_a_500(client):
    response = client.get(
        "/api/v1/seller/me/", HTTP_AUTHORIZATION="Bearer rmk_ab\x00cd_secret"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


# --- Ordinary text goes through ---------------------------------------------


def test_accents_symbols_emoji_and_other_scripts_are_searched_as_typed(client):
    response = client.get(SEARCH, {"q": TYPED})
    assert response.status_code == 200
    assert f'name="q" value="{TYPED}"' in response.content.decode()


def test_a_message_with_tabs_line_breaks_and_emoji_is_stored_as_written(
    shop_with_two_sellers,
):
    body = f"Bonjour,\r\n\tl'écran a une rayure 😕\n{TYPED}"
    client = shopper(user=shop_with_two_sellers.buyer)
    response = client.post(
        shop_with_two_sellers.thread_url,
        {"body": body, "image": upload(jpeg_with_gps())},
    )
    assert response.status_code == 302, response.content[:500]
    message = Message.objects.get()
    assert message.body == body.strip()
    assert message.image


def test_a_json_body_with_accents_reaches_the_api(client):
    response = client.post(
        BULK, json.dumps({"rows": [{"sku": "ÉCRAN-ß-日本"}]}),
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 401  # past the check: no key


# --- The admin's lists --------------------------------------------------------


@pytest.fixture
def qa_client():
    user = get_user_model().objects.create_superuser(
        "qa-bad-input", "qa-bad-input@example.com", PASSWORD
    )
    client = Client()
    staff_sign_in(client, user)
    return client


ORDERS = "/admin/orders/order/"


@pytest.mark.parametrize(
    "query",
    [
        {"created_at__year": "99999"},
        {"created_at__year": "9999", "created_at__month": "12"},
        {"created_at__year": "2024", "created_at__month": "13"},
        {"created_at__year": "2024", "created_at__day": "99999999999999999999"},
        {"created_at__year": "١٢"},
    ],
)
def test_a_date_drill_down_out_of_range_is_a_400_naming_the_filter(qa_client, query):
    problem = _problem(qa_client.get(ORDERS, query))
    assert "takes a whole number from" in problem


def test_a_nul_byte_in_an_admin_filter_is_a_400(qa_client):
    assert "U+0000" in _problem(qa_client.get(ORDERS, {"status__exact": "paid\x00"}))


@pytest.mark.parametrize(
    ("name", "value"),
    [("status__regex", "("), ("market__iregex", "[a-"), ("status__unaccent", "x")],
)
def test_a_lookup_the_admin_never_writes_is_a_400(qa_client, name, value):
    assert "do not filter with" in _problem(qa_client.get(ORDERS, {name: value}))


def test_a_range_filter_takes_exactly_two_values(qa_client):
    problem = _problem(qa_client.get(ORDERS, {"created_at__range": "1,2,3"}))
    assert "two values" in problem


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"created_at__year": "2026"},
        {"created_at__year": "2026", "created_at__month": "2", "created_at__day": "3"},
        {"status__exact": "paid", "market__exact": "FR"},
        {
            "created_at__gte": "2026-01-01 00:00:00+00:00",
            "created_at__lt": "2026-02-01 00:00:00+00:00",
        },
        {"q": "Ana Müller 😀"},
    ],
)
def test_the_admins_own_filters_and_drill_downs_still_answer(qa_client, query):
    assert qa_client.get(ORDERS, query).status_code == 200


def test_an_admin_action_on_rows_that_are_not_keys_is_a_400(qa_client):
    user = user_make()
    response = qa_client.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [str(user.pk), "--1"]},
    )
    assert "“--1”" in _problem(response)
    response = qa_client.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [str(user.pk)]},
    )
    assert response.status_code == 200  # the confirmation page
    assert user.email in response.content.decode()


# --- Where a form sends you next ---------------------------------------------


@pytest.mark.parametrize(
    ("next_url", "lands"),
    [
        ("-1", "/accounts/"),
        ("99999-01-01", "/accounts/"),
        ("//evil.example/", "/accounts/"),
        ("https://evil.example/", "/accounts/"),
        ("/cart/?x=1", "/cart/?x=1"),
    ],
)
def test_signed_in_sign_up_goes_to_a_local_next_or_the_default(next_url, lands):
    client = Client()
    client.force_login(user_make())
    response = client.get("/accounts/sign-up/", {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == lands


def test_a_json_body_over_the_upload_limit_is_a_400_in_the_error_shape(
    client, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"rows": [{"sku": f"S-{n}", "stock": 1} for n in range(100)]})
    response = client.post(BULK, body, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed_request"
    assert "larger than the site takes (1000 bytes)" in error["message"]
