"""CSV export of listings: every listing in the import's format, streamed in a
fixed number of queries; an export imported again changes nothing."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse

from listings import csv_format as fmt
from listings.models import Listing, ListingImportStatus, ListingStatus, Offer
from listings.services import MarketPrice, listing_status_set
from listings.services.listing_imports import (
    listing_import_apply_request,
    listing_import_upload,
)
from tests.support.factories import RefurbisherFactory, VariantFactory, make_listing
from tests.support.refurbisher_builders import user_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def seller_client(client):
    """A refurbisher shipping to France and Germany, and its owner signed in."""
    from refurbishers.models import MemberRole, Membership

    seller = RefurbisherFactory(country="FR", ships_to=["FR", "DE"])
    owner = user_make()
    Membership.objects.create(user=owner, refurbisher=seller, role=MemberRole.OWNER)
    client.force_login(owner)
    return seller, client


def export(client) -> tuple[StreamingHttpResponse, str]:
    response = client.get("/seller/imports/export.csv")
    assert isinstance(response, StreamingHttpResponse)
    return response, b"".join(response.streaming_content).decode("utf-8")


def listings_make(seller, count: int, variants) -> None:
    for number in range(count):
        make_listing(
            refurbisher=seller, variant=variants[number % len(variants)],
            sku=f"SKU;{number:03d}, \"quoted\"" if number == 0 else f"SKU-{number:03d}",
            grade="PABC"[number % 4], battery_min_pct=80 + number % 20,
            stock=number % 3, warranty_months=12 + number % 2 * 12,
            dispatch_days=number % 4,
            prices=(
                {"FR": MarketPrice(Decimal("459.90"), Decimal("0"))}
                if number % 2
                else {
                    "FR": MarketPrice(Decimal("1249.00"), Decimal("4.90")),
                    "DE": MarketPrice(Decimal("1259.50"), Decimal("9.99")),
                }
            ),
        )  # fmt: skip


def test_the_export_holds_every_listing_in_the_import_format(seller_client):
    seller, client = seller_client
    variant = VariantFactory(colour="Midnight")
    paused = make_listing(
        refurbisher=seller, variant=variant, sku="PH-1", grade="B",
        battery_min_pct=88, stock=4, warranty_months=24, dispatch_days=3,
        prices={"FR": MarketPrice(Decimal("459.00"), Decimal("4.90"))},
    )  # fmt: skip
    listing_status_set(listing=paused, status=ListingStatus.PAUSED)
    make_listing(variant=variant, sku="NOT-MINE")

    response, text = export(client)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"remarket-listings-{seller.slug}-" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == [
        "sku", "variant", "variant_name", "grade", "battery_min_pct", "stock",
        "warranty_months", "dispatch_days", "status",
        "price_FR", "shipping_FR", "price_DE", "shipping_DE",
    ]  # fmt: skip
    model = variant.device_model
    name = f"{model.brand.name} {model.name} · 128 GB · Midnight"
    assert rows[1:] == [
        ["PH-1", str(variant.pk), name, "B", "88", "4", "24", "3", "paused",
         "459.00", "4.90", "", ""],
    ]  # fmt: skip


def test_the_export_costs_the_same_queries_for_3_or_40_listings(
    seller_client, django_assert_num_queries
):
    seller, client = seller_client
    variants = [VariantFactory() for _ in range(3)]
    listings_make(seller, 3, variants)
    # Session, membership, the markets, the listings: whatever the count.
    with django_assert_num_queries(4):
        _, few = export(client)
    Listing.objects.all().delete()
    listings_make(seller, 40, variants)
    with django_assert_num_queries(4):
        _, many = export(client)

    assert few.count("\r\n") == 4
    assert many.count("\r\n") == 41


def test_an_export_imported_again_changes_nothing(seller_client):
    seller, client = seller_client
    variants = [VariantFactory() for _ in range(4)]
    listings_make(seller, 30, variants)
    archived = Listing.objects.get(sku="SKU-007")
    listing_status_set(listing=archived, status=ListingStatus.ARCHIVED)
    before = (
        list(Listing.objects.order_by("pk").values()),
        list(Offer.objects.order_by("pk").values()),
    )
    _, text = export(client)

    listing_import = listing_import_upload(
        refurbisher=seller, user=None,
        upload=SimpleUploadedFile("export.csv", text.encode("utf-8")),
    )  # fmt: skip

    assert listing_import.errors == []
    assert (listing_import.rows_valid, listing_import.rows_invalid) == (30, 0)
    assert (listing_import.listings_created, listing_import.listings_updated) == (0, 0)
    applied = listing_import_apply_request(listing_import=listing_import)
    assert applied.status == ListingImportStatus.APPLIED
    assert (applied.listings_created, applied.listings_updated) == (0, 0)
    after = (
        list(Listing.objects.order_by("pk").values()),
        list(Offer.objects.order_by("pk").values()),
    )
    assert after == before


def test_an_export_still_imports_after_the_seller_stops_shipping_to_a_market(
    seller_client,
):
    """Prices kept where it no longer ships are not new prices, as in the
    dashboard; a changed one there is refused."""
    seller, client = seller_client
    listings_make(seller, 4, [VariantFactory()])
    _, text = export(client)
    seller.ships_to = ["FR"]
    seller.save(update_fields=["ships_to"])

    kept = listing_import_upload(
        refurbisher=seller, user=None,
        upload=SimpleUploadedFile("export.csv", text.encode("utf-8")),
    )  # fmt: skip
    changed = listing_import_upload(
        refurbisher=seller, user=None,
        upload=SimpleUploadedFile(
            "export.csv", text.replace("1259.50", "1199.00").encode("utf-8")
        ),
    )  # fmt: skip

    assert kept.errors == [] and kept.rows_valid == 4
    assert {(e["column"], e["row"]) for e in changed.errors} == {
        ("price_DE", 3), ("price_DE", 5),  # SKU-002 and SKU;000 (sorted)
    }  # fmt: skip


def test_an_edited_export_updates_only_what_was_edited(seller_client):
    seller, client = seller_client
    listings_make(seller, 5, [VariantFactory()])
    _, text = export(client)
    edited = text.replace("SKU-003", "SKU-003", 1)
    lines = edited.split("\r\n")
    row = next(i for i, line in enumerate(lines) if line.startswith("SKU-003,"))
    cells = next(csv.reader([lines[row]]))
    cells[5] = "17"  # stock
    lines[row] = ",".join(cells)

    listing_import = listing_import_upload(
        refurbisher=seller, user=None,
        upload=SimpleUploadedFile("export.csv", "\r\n".join(lines).encode()),
    )  # fmt: skip
    assert (listing_import.listings_created, listing_import.listings_updated) == (0, 1)
    listing_import_apply_request(listing_import=listing_import)

    assert Listing.objects.get(sku="SKU-003").stock == 17


# --- Cells a spreadsheet would run ------------------------------------------------


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def _runnable(cell: str) -> bool:
    """Whether a spreadsheet opening the file would run the cell as a formula."""
    return cell.startswith(("=", "+", "-", "@", "\t", "\r")) and not (
        fmt.PLAIN_NUMBER.fullmatch(cell)
    )


def test_cells_a_spreadsheet_would_run_are_written_as_text():
    line = fmt.CsvLines().line(
        [
            '=HYPERLINK("http://evil.example","Click")', "+33 6 12 34 56 78",
            "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A9)", "\tx", "\rx", "'=quoted",
            "''+twice", "-12.50", "-3,5", -3, Decimal("-1.50"), "'plain", "a=b", "",
        ]
    )  # fmt: skip
    assert _cells(line) == [
        [
            '\'=HYPERLINK("http://evil.example","Click")', "'+33 6 12 34 56 78",
            "'-2+3+cmd|' /C calc'!A0", "'@SUM(A1:A9)", "'\tx", "'\rx",
            "''=quoted", "'''+twice",
            # Plain numbers stay numbers, text or not.
            "-12.50", "-3,5", "-3", "-1.50",
            "'plain", "a=b", "",
        ]
    ]  # fmt: skip


FORMULA_SKUS = [
    '=HYPERLINK("http://evil.example","Click")', "+33612345678", "-SKU-9",
    "@risk", "'=already quoted", "-12", "'plain", "\u2212minus sign",
]  # fmt: skip


def test_an_export_of_skus_that_look_like_formulas_runs_nothing_and_imports_back(
    seller_client,
):
    seller, client = seller_client
    variant = VariantFactory()
    for sku in FORMULA_SKUS:
        make_listing(refurbisher=seller, variant=variant, sku=sku)
    before = (
        list(Listing.objects.order_by("pk").values()),
        list(Offer.objects.order_by("pk").values()),
    )
    _, text = export(client)

    rows = _cells(text)
    assert not [cell for row in rows for cell in row if _runnable(cell)]
    assert sorted(row[0] for row in rows[1:]) == sorted(
        [
            '\'=HYPERLINK("http://evil.example","Click")', "'+33612345678",
            "'-SKU-9", "'@risk", "''=already quoted", "-12", "'plain",
            "\u2212minus sign",
        ]
    )  # fmt: skip

    listing_import = listing_import_upload(
        refurbisher=seller, user=None,
        upload=SimpleUploadedFile("export.csv", text.encode("utf-8")),
    )  # fmt: skip
    assert listing_import.errors == []
    assert (listing_import.listings_created, listing_import.listings_updated) == (0, 0)
    applied = listing_import_apply_request(listing_import=listing_import)
    assert (applied.listings_created, applied.listings_updated) == (0, 0)
    after = (
        list(Listing.objects.order_by("pk").values()),
        list(Offer.objects.order_by("pk").values()),
    )
    assert after == before
