"""Two-factor in real Chromium: QA sets up an app on the way into the admin,
then signs in again with a code, and a recovery code works when the phone is
away. The test computes codes from the secret the page shows, as an app would."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django_otp.oath import hotp
from playwright.sync_api import expect

from tests.support.refurbisher_builders import PASSWORD, user_make

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _code_from_secret(secret: str, *, step_offset: int = 0) -> str:
    """The 6 digits an authenticator app shows for ``secret`` (base32)."""
    secret = re.sub(r"\s", "", secret)
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int(time.time()) // 30 + step_offset
    return f"{hotp(key, counter, digits=6):06d}"


def _sign_in(page, base, email, password=PASSWORD):
    page.goto(base + "/admin/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_qa_sets_up_two_factor_on_the_way_in_then_signs_in_with_a_code(
    live_server, page
):
    base = live_server.url
    staff = user_make(email="qa@remarket.example", is_staff=True, is_superuser=True)

    # First time: the password, then the admin sends QA to set up an app.
    _sign_in(page, base, staff.email)
    expect(
        page.get_by_role("heading", name="Set up two-factor authentication")
    ).to_be_visible()
    page.get_by_role("button", name="Start").click()
    expect(page.locator(".setup-qr svg")).to_be_visible()
    secret = page.locator("[data-secret]").inner_text()
    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("#id_code_error")).to_contain_text("not right")
    time.sleep(1.1)  # the next try after a wrong code waits a second
    page.get_by_label("Code from the app").fill(_code_from_secret(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I saved them, continue").click()
    expect(page.locator("#qa-queues, #content-main").first).to_be_visible()
    assert page.url == base + "/admin/"

    # Another browser each time (no cookies, as on another computer).
    browser = page.context.browser

    def fresh_page():
        context = browser.new_context()
        contexts.append(context)
        return context.new_page()

    contexts = []
    # The code page comes after the password.
    page = fresh_page()
    _sign_in(page, base, staff.email)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill(_code_from_secret(secret, step_offset=1))
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#content-main")).to_be_visible()
    assert page.url == base + "/admin/"

    # Without the phone: a recovery code, once.
    page = fresh_page()
    _sign_in(page, base, staff.email)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#content-main")).to_be_visible()
    page = fresh_page()
    _sign_in(page, base, staff.email)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#id_code_error")).to_contain_text("not right")
    for context in contexts:
        context.close()


def test_the_set_up_page_fits_a_phone_screen(live_server, page):
    user = user_make(email="ana@example.com")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/accounts/sign-in/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + "/accounts/security/")
    page.get_by_role("link", name="Set up two-factor authentication").click()
    page.get_by_role("button", name="Start").click()

    expect(page.locator(".setup-qr svg")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert re.fullmatch(r"[A-Z2-7 ]+", page.locator("[data-secret]").inner_text())
