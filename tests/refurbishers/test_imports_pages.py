"""The seller's imports pages: upload, report, apply, discard, progress, downloads;
each refurbisher sees and applies only its own imports."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse

from listings.models import Listing, ListingImport, ListingImportStatus
from listings.services.listing_imports import reading
from tests.support.factories import VariantFactory, make_listing
from tests.support.refurbisher_builders import trial_refurbisher_make

pytestmark = pytest.mark.django_db

HEADER = "sku,variant,grade,battery_min_pct,stock,warranty_months,price_FR"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def owner_and_seller():
    return trial_refurbisher_make()


def post_file(client, data: bytes, name: str = "stock.csv"):
    return client.post(
        "/seller/imports/", {"file": SimpleUploadedFile(name, data)}, follow=True
    )


def body(response) -> str:
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content.decode()


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get("/seller/imports/")
    assert response.status_code == 302
    assert "/accounts/sign-in/" in response["Location"]


def test_the_page_documents_the_format_and_links_the_downloads(
    client, owner_and_seller
):
    owner, _ = owner_and_seller
    client.force_login(owner)

    html = body(client.get("/seller/imports/"))

    for column in ("sku", "variant", "grade", "battery_min_pct", "warranty_months",
                   "dispatch_days", "status", "price_FR", "shipping_FR"):  # fmt: skip
        assert f"<code>{column}" in html
    assert "P (Premium), A (Excellent), B (Good), C (Fair)" in html
    assert "draft, active, paused, archived" in html
    assert 'href="/seller/imports/template.csv"' in html
    assert 'href="/seller/imports/export.csv"' in html
    assert 'href="/seller/imports/variants.csv"' in html
    assert "No imports yet" in html


def test_an_upload_shows_the_report_and_applies_the_valid_rows(
    client, owner_and_seller
):
    owner, seller = owner_and_seller
    variant = VariantFactory()
    client.force_login(owner)
    data = (
        f"{HEADER}\nGOOD-1,{variant.pk},A,90,3,12,459.00\n"
        f"BAD-1,{variant.pk},A,90,3,12,-4\n"
    ).encode()

    response = post_file(client, data)

    listing_import = ListingImport.objects.get(refurbisher=seller)
    assert response.redirect_chain[-1][0] == f"/seller/imports/{listing_import.pk}/"
    html = body(response)
    assert "The price in France must be above zero." in html
    assert '<th scope="row" class="num" data-label="Row">3</th>' in html
    assert "<code>price_FR</code>" in html
    assert "Apply 1 valid row" in html
    assert not Listing.objects.exists()
    problems = body(client.get(f"/seller/imports/{listing_import.pk}/problems.csv"))
    assert list(csv.reader(io.StringIO(problems.removeprefix("\ufeff")))) == [
        ["row", "column", "problem"],
        ["3", "price_FR", "The price in France must be above zero."],
    ]

    response = client.post(f"/seller/imports/{listing_import.pk}/apply/", follow=True)

    assert "Applied: 1 listings created, 0 updated." in body(response)
    assert list(Listing.objects.values_list("sku", flat=True)) == ["GOOD-1"]
    listing_import.refresh_from_db()
    assert listing_import.status == ListingImportStatus.APPLIED
    assert listing_import.created_by == owner


def test_no_file_is_a_form_error_and_a_bad_file_never_a_500(client, owner_and_seller):
    owner, _ = owner_and_seller
    client.force_login(owner)

    response = client.post("/seller/imports/", {})
    assert response.status_code == 400
    assert "Choose the CSV file to import." in body(response)

    response = post_file(client, f"{HEADER}\nÉCRAN,1,A,90,1,12,1\n".encode("cp1252"))
    assert response.status_code == 200
    html = body(response)
    assert "The file could not be read" in html
    assert "saved as Windows-1252 or Latin-1?" in html


def test_catalog_names_that_look_like_formulas_download_as_text(
    client, owner_and_seller
):
    """Brand, model and colour names come from the catalog, not from the
    seller: a name a spreadsheet would run is written as text in the
    variants list, the template and the export alike."""
    owner, seller = owner_and_seller
    formula = '=HYPERLINK("http://evil.example","Update")'
    variant = VariantFactory(
        colour="@Midnight",
        device_model__name=formula,
        device_model__brand__name="-Refurb Brand",
    )
    make_listing(refurbisher=seller, variant=variant, sku="S-1", markets=["FR"])
    client.force_login(owner)

    def rows(url: str) -> list[list[str]]:
        return list(csv.reader(io.StringIO(body(client.get(url)), newline="")))

    (listed,) = [
        row for row in rows("/seller/imports/variants.csv") if row[0] == str(variant.pk)
    ]
    assert listed[2:6] == ["'-Refurb Brand", "'" + formula, "128", "'@Midnight"]
    (exported,) = rows("/seller/imports/export.csv")[1:]
    assert exported[2].startswith("'-Refurb Brand =HYPERLINK(")  # variant_name
    example = rows("/seller/imports/template.csv")[1]
    assert example[2].startswith("'-Refurb Brand")


def test_a_file_over_the_row_limit_is_a_form_error(
    client, owner_and_seller, monkeypatch
):
    owner, _ = owner_and_seller
    client.force_login(owner)
    monkeypatch.setattr(reading, "MAX_ROWS", 2)
    data = "\n".join([HEADER, *(f"S-{n},1,A,90,1,12,459.00" for n in range(3))])

    response = client.post(
        "/seller/imports/", {"file": SimpleUploadedFile("big.csv", data.encode())}
    )

    assert response.status_code == 400
    assert "The file has more than 2 rows: an import takes at most 2." in body(response)
    assert not ListingImport.objects.exists()


def test_a_discarded_import_changes_nothing(client, owner_and_seller):
    owner, seller = owner_and_seller
    variant = VariantFactory()
    client.force_login(owner)
    post_file(client, f"{HEADER}\nPH-1,{variant.pk},A,90,3,12,459.00\n".encode())
    listing_import = ListingImport.objects.get(refurbisher=seller)

    response = client.post(f"/seller/imports/{listing_import.pk}/discard/", follow=True)

    assert "Discarded: nothing was changed." in body(response)
    listing_import.refresh_from_db()
    assert listing_import.status == ListingImportStatus.DISCARDED
    response = client.post(f"/seller/imports/{listing_import.pk}/apply/", follow=True)
    assert "not waiting to be applied" in body(response)
    assert not Listing.objects.exists()


def test_another_refurbisher_cannot_see_or_apply_an_import(client, owner_and_seller):
    owner, seller = owner_and_seller
    variant = VariantFactory()
    client.force_login(owner)
    post_file(client, f"{HEADER}\nPH-1,{variant.pk},A,90,3,12,459.00\n".encode())
    listing_import = ListingImport.objects.get(refurbisher=seller)
    intruder, _ = trial_refurbisher_make()
    client.force_login(intruder)
    base = f"/seller/imports/{listing_import.pk}"

    assert client.get(f"{base}/").status_code == 404
    assert client.get(f"{base}/progress/").status_code == 404
    assert client.get(f"{base}/problems.csv").status_code == 404
    assert client.post(f"{base}/apply/").status_code == 404
    assert client.post(f"{base}/discard/").status_code == 404
    assert "PH-1" not in body(client.get("/seller/imports/"))
    listing_import.refresh_from_db()
    assert listing_import.status == ListingImportStatus.CHECKED
    assert not Listing.objects.exists()


def test_the_progress_answer_is_small_json(client, owner_and_seller):
    owner, seller = owner_and_seller
    client.force_login(owner)
    listing_import = ListingImport.objects.create(
        refurbisher=seller, filename="big.csv", file="imports/x.csv",
        rows_total=15000, rows_done=6000,
    )  # fmt: skip

    answer = client.get(f"/seller/imports/{listing_import.pk}/progress/").json()
    html = body(client.get(f"/seller/imports/{listing_import.pk}/"))

    assert answer == {
        "status": "checking", "status_label": "Checking the file",
        "rows_done": 6000, "rows_total": 15000, "percent": 40, "working": True,
    }  # fmt: skip
    assert '<progress class="bar" max="100" value="40"' in html
    assert "40%: 6,000 of 15,000 rows" in html
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert "js/seller-imports.js" in html


def test_the_template_is_the_format_with_two_real_variants_and_imports_cleanly(
    client, owner_and_seller
):
    owner, seller = owner_and_seller
    variants = [VariantFactory(), VariantFactory()]
    client.force_login(owner)

    response = client.get("/seller/imports/template.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = body(response)
    assert text.startswith("\ufeffsku,variant,variant_name,grade,")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][-2:] == ["price_FR", "shipping_FR"]
    assert [row[1] for row in rows[1:]] == [str(v.pk) for v in variants]
    # The template as downloaded passes the check.
    post_file(client, text.encode())
    checked = ListingImport.objects.get(refurbisher=seller)
    assert (checked.rows_valid, checked.rows_invalid) == (2, 0)


def test_the_catalog_variant_list_gives_each_id(client, owner_and_seller):
    owner, _ = owner_and_seller
    variant = VariantFactory(colour="Midnight")
    client.force_login(owner)

    rows = list(
        csv.reader(io.StringIO(body(client.get("/seller/imports/variants.csv"))))
    )

    assert rows[0][0] == "\ufeffvariant"
    assert [str(variant.pk), variant.device_model.category.name,
            variant.device_model.brand.name, variant.device_model.name, "128",
            "Midnight", ""] in rows  # fmt: skip


def test_the_imports_list_costs_a_fixed_number_of_queries(
    client, owner_and_seller, django_assert_max_num_queries
):
    owner, seller = owner_and_seller
    client.force_login(owner)
    for number in range(25):
        ListingImport.objects.create(
            refurbisher=seller, created_by=owner, filename=f"f{number}.csv",
            file="imports/x.csv", status=ListingImportStatus.APPLIED,
            rows_total=10, listings_created=number,
        )  # fmt: skip

    with django_assert_max_num_queries(6):
        html = body(client.get("/seller/imports/"))

    assert html.count('data-label="File"') == 20
    assert "Page 1 of 2" in html
