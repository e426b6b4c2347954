"""In real Chromium: a seller uploads a CSV with one bad row, reads the check's
report, applies the good rows and finds them in its listings table; the
imports page fits a phone too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from listings.models import Listing
from tests.support.factories import DeviceModelFactory, VariantFactory
from tests.support.refurbisher_builders import PASSWORD, trial_refurbisher_make

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/accounts/sign-in/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_seller_imports_a_csv_with_one_bad_row_and_applies_the_rest(
    live_server, browser, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    owner, refurbisher = trial_refurbisher_make(name="Lyon Refurb")
    pixel = VariantFactory(device_model=DeviceModelFactory(name="Pixel 8"))
    galaxy = VariantFactory(device_model=DeviceModelFactory(name="Galaxy S23"))
    csv_text = (
        "sku;variant;grade;battery_min_pct;stock;warranty_months;price_FR\n"
        f"PX8-A;{pixel.pk};Excellent;90;3;12;399,00\n"
        f"GS23-B;{galaxy.pk};Good;85;2;12;450,00\n"
        f"GS23-C;{galaxy.pk};Mint;85;2;12;430,00\n"
    )

    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server.url, owner.email)
    page.goto(live_server.url + "/seller/imports/")
    expect(page.get_by_role("heading", name="The file's format")).to_be_visible()
    page.get_by_label("CSV file", exact=True).set_input_files(
        {"name": "stock.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}
    )
    page.get_by_role("button", name="Check the file").click()

    # The report: the bad row by number and column, nothing written yet.
    expect(page.get_by_role("heading", name="Import of stock.csv")).to_be_visible()
    problems = page.locator("table.import-errors tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.first).to_contain_text("4")
    expect(problems.first).to_contain_text("grade")
    expect(problems.first).to_contain_text("'Mint' is not a grade")
    expect(page.locator(".import-figures")).to_contain_text("Would create")
    assert not Listing.objects.exists()

    page.get_by_role("button", name="Apply 2 valid rows").click()
    expect(page.locator(".flash")).to_contain_text(
        "Applied: 2 listings created, 0 updated."
    )
    page.get_by_role("link", name="See your listings").click()

    rows = page.locator("tbody tr.listing-row")
    expect(rows).to_have_count(2)
    expect(page.locator("tr.listing-row", has_text="PX8-A")).to_be_visible()
    expect(page.locator("tr.listing-row", has_text="GS23-B")).to_be_visible()
    assert sorted(
        Listing.objects.filter(refurbisher=refurbisher).values_list("sku", flat=True)
    ) == ["GS23-B", "PX8-A"]

    # On a phone, the imports page and its past imports fit the screen.
    phone = browser.new_context(viewport={"width": 375, "height": 812})
    small = phone.new_page()
    sign_in(small, live_server.url, owner.email)
    small.goto(live_server.url + "/seller/imports/")
    expect(small.locator(".imports-table")).to_contain_text("stock.csv")
    assert small.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()
    phone.close()


def test_a_large_file_shows_a_progress_bar_until_the_worker_is_done(
    live_server, browser, celery_worker, settings
):
    settings.MEDIA_ROOT = settings.BASE_DIR / "var" / "media"  # the worker's
    owner, refurbisher = trial_refurbisher_make(name="Lyon Refurb")
    variant = VariantFactory()
    lines = [
        f"BULK-{n:05d};{variant.pk};A;90;1;12;{100 + n % 500},00" for n in range(8000)
    ]
    csv_text = "sku;variant;grade;battery_min_pct;stock;warranty_months;price_FR\n"
    csv_text += "\n".join(lines) + "\n"

    context = browser.new_context()
    page = context.new_page()
    polls = []
    page.on(
        "request", lambda request: polls.append(request.url)
        if request.url.endswith("/progress/") else None,
    )  # fmt: skip
    sign_in(page, live_server.url, owner.email)
    page.goto(live_server.url + "/seller/imports/")
    page.get_by_label("CSV file", exact=True).set_input_files(
        {"name": "big.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}
    )
    page.get_by_role("button", name="Check the file").click()
    try:
        # The script polls the progress and reloads the page once checked.
        expect(page.get_by_role("button", name="Apply 8,000 valid rows")).to_be_visible(
            timeout=60_000
        )
        page.get_by_role("button", name="Apply 8,000 valid rows").click()
        expect(page.get_by_role("heading", name="Applied")).to_be_visible(
            timeout=60_000
        )
        expect(page.locator(".notice-info")).to_contain_text("8,000 listings created")
        assert polls, "the page never asked for the progress"
        assert Listing.objects.filter(refurbisher=refurbisher).count() == 8000
    finally:
        for listing_import in refurbisher_imports(refurbisher):
            listing_import.file.delete(save=False)
        context.close()


def refurbisher_imports(refurbisher):
    from listings.models import ListingImport

    return list(ListingImport.objects.filter(refurbisher=refurbisher))
