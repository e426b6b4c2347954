"""A refurbisher applies in real Chromium: sign up by the emailed link, five steps."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from refurbishers.models import Refurbisher, RefurbisherStatus
from tests.support.refurbisher_builders import PDF

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_refurbisher_signs_up_applies_and_sees_the_application_submitted(
    live_server, page, tmp_path
):
    mail.outbox = []
    page.goto(live_server.url + "/seller/apply/")
    expect(page.get_by_role("heading", name="Sell on ReMarket")).to_be_visible()
    page.get_by_role("link", name="Create an account to apply").click()

    # Sign up; the first try with a weak password keeps the email.
    page.get_by_label("Email").fill("owner@lyon-renov.example")
    page.get_by_label("Password").fill("12345678")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#id_password_error")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("owner@lyon-renov.example")
    page.get_by_label("Password").fill("plum-orchard-kettle-93")
    page.get_by_role("button", name="Create account").click()

    # The link we emailed creates the account; in this browser, one click.
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(page.get_by_text("owner@lyon-renov.example")).to_be_visible()
    (message,) = mail.outbox
    link = re.search(r"https?://\S+/accounts/sign-up/finish/\S+/", message.body)
    page.goto(live_server.url + urlsplit(link.group(0)).path)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Your company")).to_be_visible()

    # Step 1: the company.
    page.get_by_label("Trading name").fill("Lyon Renov")
    page.get_by_label("Legal name").fill("Lyon Renov SAS")
    page.get_by_label("Registration number").fill("RCS Lyon 912 345 678")
    page.get_by_label("VAT or tax id").fill("FR12912345678")
    page.get_by_label("Country").select_option("FR")
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_label("Business address").fill("12 rue de la Soie, 69003 Lyon")
    page.get_by_label("Years in business").fill("7")
    page.get_by_label("Devices refurbished per month").fill("1200")
    page.get_by_role("button", name="Save and continue").click()

    # Step 2: operations; a warranty under 6 months is refused, the rest kept.
    expect(page.get_by_role("heading", name="How you work")).to_be_visible()
    page.get_by_label("Test checkpoints per device").fill("45")
    page.get_by_label("Testing tools").fill("Phonecheck")
    page.get_by_label("Repair process").fill("Bench repair, parts logged per IMEI.")
    page.get_by_label("Original and compatible parts").check()
    page.get_by_label("Data erasure method").fill("Blancco")
    page.get_by_label("Data erasure standard").fill("NIST 800-88 Purge")
    page.get_by_label("Warranty you can carry (months)").fill("3")
    page.get_by_label("Email", exact=True).check()
    page.get_by_label("Phone").check()
    page.get_by_label("Customer-service hours").fill("Mon-Fri 9:00-18:00")
    page.get_by_label("Customer-service team size").fill("4")
    page.get_by_label("Return address").fill("12 rue de la Soie, 69003 Lyon")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#id_warranty_months_error")).to_contain_text("6 months")
    expect(page.get_by_label("Testing tools")).to_have_value("Phonecheck")
    page.get_by_label("Warranty you can carry (months)").fill("12")
    page.get_by_role("button", name="Save and continue").click()

    # Step 3: certifications.
    expect(page.get_by_role("heading", name="Certifications")).to_be_visible()
    page.get_by_label("R2").check()
    page.get_by_role("button", name="Save and continue").click()

    # Step 4: documents, a PDF each for the registration and the insurance.
    expect(page.get_by_role("heading", name="Documents", exact=True)).to_be_visible()
    for kind, name in [("Business registration", "kbis.pdf"), ("Insurance", "rc.pdf")]:
        path = tmp_path / name
        path.write_bytes(PDF)
        page.get_by_label(kind).check()
        page.get_by_label("File").set_input_files(str(path))
        page.get_by_role("button", name="Upload").click()
        expect(page.locator(".doc-list")).to_contain_text(name)
    page.get_by_role("link", name="Continue to review").click()

    # Step 5: review and send.
    expect(page.get_by_text("Everything needed is here")).to_be_visible()
    expect(page.locator(".summary").first).to_contain_text("Lyon Renov SAS")
    page.get_by_role("button", name="Send application").click()

    expect(page.locator(".status-title")).to_have_text("Submitted")
    expect(page.locator(".history")).to_contain_text("Submitted")
    refurbisher = Refurbisher.objects.get(name="Lyon Renov")
    assert refurbisher.status == RefurbisherStatus.SUBMITTED
    assert refurbisher.time_zone == "Europe/Paris"
    assert refurbisher.application.documents.count() == 2


def test_a_phone_sized_screen_shows_the_steps_without_sideways_scrolling(
    live_server, page
):
    from tests.support.refurbisher_builders import applicant_make

    user, _ = applicant_make(complete=False)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/accounts/sign-in/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + "/seller/apply/operations/")

    expect(page.get_by_role("heading", name="How you work")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    box = page.get_by_role("button", name="Save and continue").bounding_box()
    assert box["height"] >= 44
