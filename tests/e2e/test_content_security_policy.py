"""The Content-Security-Policy holds on every kind of page, in real Chromium.

Chromium enforces the policy the site sends and reports each thing it blocks
(an inline script or style, a script from elsewhere, eval) as a
``securitypolicyviolation`` event and a console error. The pages of the shop,
the checkout, the seller dashboard, the Django admin and the API docs are
opened and used a little; any report, or any script error, fails the test.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from refurbishers.models import Refurbisher
from tests.support.refurbisher_builders import trial_refurbisher_make, user_make
from tests.support.second_factor import staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Turns each violation into a console line (the event says what was blocked).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(
    "CSP violation: " + event.violatedDirective + " blocked " +
    (event.blockedURI || "inline") + " on " + event.documentURI
  );
});
"""


class Watch:
    """What Chromium reported about the pages of one browser context."""

    def __init__(self, context):
        self.violations: list[str] = []
        self.errors: list[str] = []
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("page", self.attach)

    def attach(self, page) -> None:
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def console(self, message) -> None:
        text = message.text
        if "CSP violation" in text or "Content Security Policy" in text:
            self.violations.append(text)

    def assert_clean(self) -> None:
        assert self.violations == []
        assert self.errors == []


def signed_in(context, base: str, user) -> None:
    """Give the browser the session of ``user`` (as after a sign-in), its
    second factor passed for staff (the admin asks for it)."""
    client = Client()
    if user.is_staff:
        staff_sign_in(client, user)
    else:
        client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base}]
    )


@pytest.fixture
def watched(browser):
    context = browser.new_context()
    watch = Watch(context)
    page = context.new_page()
    yield page, watch
    context.close()


def test_the_watch_sees_an_inline_script_the_policy_blocks(shop_url, watched):
    """The control: the policy is enforced, and a violation does get reported."""
    page, watch = watched
    page.goto(shop_url + "/")

    page.evaluate(
        """() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.appendChild(script);
        const styled = document.createElement("p");
        styled.setAttribute("style", "color: red");
        document.body.appendChild(styled);
    }"""
    )

    page.wait_for_timeout(200)
    assert page.evaluate("() => window.injected") is None
    assert any("script-src" in line for line in watch.violations), watch.violations
    assert any("style-src" in line for line in watch.violations), watch.violations


def test_the_shop_and_the_checkout_run_under_the_policy(shop_url, watched):
    page, watch = watched
    page.context.add_cookies([{"name": "market", "value": "FR", "url": shop_url}])

    page.goto(shop_url + "/")
    expect(page.locator(".test-mode-strip")).to_contain_text("no real money moves")
    page.goto(shop_url + "/search/?q=iphone")
    expect(page.locator("main")).to_contain_text("iPhone")
    page.goto(shop_url + "/d/iphone-13/?grade=A")
    page.locator(".offer-panel").first.get_by_role(
        "button", name=re.compile("Add to cart")
    ).click()
    expect(page.locator(".cart-count")).to_have_text("1")
    page.goto(shop_url + "/cart/")
    page.get_by_role("link", name="Checkout").click()
    page.get_by_label("Email").fill("camille@example.com")
    page.get_by_label("Full name").fill("Camille Martin")
    page.get_by_label("Address", exact=True).fill("8 rue Oberkampf")
    page.get_by_label("Postal code").fill("75011")
    page.get_by_label("City").fill("Paris")
    page.get_by_role("button", name="Continue to review").click()
    # Pay: the form's redirect to the payment page is allowed by form-action.
    page.get_by_role("button", name=re.compile("^Pay ")).click()
    expect(page).to_have_url(re.compile(r"/checkout/test-payment/cs_offline_"))
    page.get_by_role("button", name="Pay (test)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("confirmed")

    watch.assert_clean()


def test_the_seller_dashboard_runs_under_the_policy(live_server, watched):
    page, watch = watched
    owner, _ = trial_refurbisher_make(name="Lyon Refurb")
    signed_in(page.context, live_server.url, owner)

    for path in (
        "/seller/",
        "/seller/listings/",
        "/seller/performance/",
        "/seller/reviews/",
        "/seller/api-tokens/",
    ):
        page.goto(live_server.url + path)
        expect(page.locator("main")).to_be_visible()
    page.goto(live_server.url + "/seller/listings/")
    expect(page.locator("main")).to_contain_text("Listings")

    watch.assert_clean()


def test_the_admin_runs_under_the_policy(live_server, watched):
    page, watch = watched
    qa = user_make(is_staff=True, is_superuser=True)
    _, refurbisher = trial_refurbisher_make(name="Lyon Refurb")
    signed_in(page.context, live_server.url, qa)
    base = live_server.url + "/admin/"

    page.goto(base)
    expect(page.locator("#site-name")).to_be_visible()
    page.goto(base + "orders/order/?status__exact=paid")
    expect(page.locator("#changelist")).to_be_visible()
    page.goto(base + f"refurbishers/refurbisher/{refurbisher.pk}/change/")
    expect(page.locator("#content")).to_contain_text("Lyon Refurb")
    page.goto(base + "auth/user/add/")
    expect(page.locator("form")).not_to_have_count(0)
    assert Refurbisher.objects.filter(pk=refurbisher.pk).exists()

    watch.assert_clean()


def test_the_api_docs_run_under_the_policy(live_server, watched):
    page, watch = watched

    page.goto(live_server.url + "/api/docs/")

    # Swagger UI started (its script came from the page's ?script address),
    # loaded the schema and drew the operations.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("ReMarket API")
    expect(page.locator(".opblock").first).to_be_visible()
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    watch.assert_clean()
