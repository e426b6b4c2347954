"""The browser plumbing works: system Chromium, live server, real database."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_chromium_shows_the_admin_login_form(live_server, page):
    page.goto(f"{live_server.url}/admin/login/")

    form = page.locator("form#login-form")
    expect(form).to_be_visible()
    expect(form.locator("input[name=username]")).to_be_visible()
    expect(form.locator("input[name=password]")).to_be_visible()
    expect(page).to_have_title("Log in | Django site admin")
