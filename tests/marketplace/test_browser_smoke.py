"""The browser plumbing works: system Chromium, live server, real database."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_chromium_is_sent_from_the_admin_to_the_sign_in_form(live_server, page):
    page.goto(f"{live_server.url}/admin/login/")

    expect(page).to_have_url(f"{live_server.url}/accounts/sign-in/?next=/admin/")
    form = page.locator("form[action='/accounts/sign-in/']")
    expect(form).to_be_visible()
    expect(form.locator("input[name=username]")).to_be_visible()
    expect(form.locator("input[name=password]")).to_be_visible()
    expect(page).to_have_title("Sign in · ReMarket")
