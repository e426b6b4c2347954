"""CSV import of listings: the file's format, the dry run, the all-or-nothing apply.

Files go through the real upload service and are stored under a throwaway
MEDIA_ROOT; the large-file test runs the check and the apply in the real
Celery worker.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from listings import csv_format as fmt
from listings.exceptions import ListingError
from listings.models import Listing, ListingImport, ListingImportStatus, Offer
from listings.services.listing_imports import (
    INLINE_MAX_ROWS,
    listing_import_apply_request,
    listing_import_discard,
    listing_import_upload,
    reading,
)
from tests.support.factories import RefurbisherFactory, VariantFactory, make_listing

pytestmark = pytest.mark.django_db

HEADER = (
    "sku,variant,grade,battery_min_pct,stock,warranty_months,dispatch_days,status,"
    "price_FR,shipping_FR,price_DE,shipping_DE"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def seller():
    return RefurbisherFactory(country="FR", ships_to=["FR", "DE"], dispatch_days=2)


@pytest.fixture
def variants():
    return [VariantFactory() for _ in range(3)]


def csv_file(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode(encoding)


def upload(refurbisher, data: bytes, name: str = "listings.csv") -> ListingImport:
    return listing_import_upload(
        refurbisher=refurbisher, user=None, upload=SimpleUploadedFile(name, data)
    )


def errors_of(listing_import: ListingImport) -> set[tuple[int, str]]:
    return {(error["row"], error["column"]) for error in listing_import.errors}


def snapshot(refurbisher) -> tuple[list, list]:
    """Every listing and offer of the refurbisher, every column."""
    listings = list(
        Listing.objects.filter(refurbisher=refurbisher).order_by("pk").values()
    )
    offers = list(Offer.objects.filter(refurbisher=refurbisher).order_by("pk").values())
    return listings, offers


def test_a_valid_file_is_checked_without_writing_then_applied(seller, variants):
    v1, v2, _ = variants
    data = csv_file(
        f"PH-1,{v1.pk},A,90,4,12,1,active,459.00,0,469.00,9.90",
        f"PH-2,{v2.pk},Good,,2,,,,389.00,,,",
    )
    listing_import = upload(seller, data)

    assert listing_import.status == ListingImportStatus.CHECKED
    assert (listing_import.rows_total, listing_import.rows_done) == (2, 2)
    assert (listing_import.rows_valid, listing_import.rows_invalid) == (2, 0)
    assert listing_import.listings_created == 2  # would create
    assert listing_import.errors == []
    assert not Listing.objects.exists() and not Offer.objects.exists()

    applied = listing_import_apply_request(listing_import=listing_import)

    assert applied.status == ListingImportStatus.APPLIED
    assert (applied.listings_created, applied.listings_updated) == (2, 0)
    first = Listing.objects.get(refurbisher=seller, sku="PH-1")
    assert (first.variant, first.grade, first.battery_min_pct, first.stock) == (
        v1, "A", 90, 4,
    )  # fmt: skip
    assert (first.warranty_months, first.dispatch_days, first.ships_from) == (
        12, 1, "FR",
    )  # fmt: skip
    offers = {o.market: o for o in first.offers.all()}
    assert offers["FR"].price_amount == Decimal("459.00")
    assert offers["DE"].shipping_amount == Decimal("9.90")
    assert offers["DE"].currency == "EUR"
    assert all(o.is_purchasable for o in offers.values())  # offers_refresh ran
    second = Listing.objects.get(refurbisher=seller, sku="PH-2")
    # Empty optional cells: the defaults for a new listing.
    assert (second.grade, second.battery_min_pct, second.warranty_months) == (
        "B", 80, 12,
    )  # fmt: skip
    assert (second.dispatch_days, second.status) == (2, "active")
    assert list(second.offers.values_list("market", flat=True)) == ["FR"]


def test_latin1_bytes_fail_with_a_message_naming_the_encoding(seller, variants):
    data = csv_file(
        f"ÉCRAN-1,{variants[0].pk},A,90,4,12,1,active,459.00,0,,",
        encoding="latin-1",
    )
    listing_import = upload(seller, data)

    assert listing_import.status == ListingImportStatus.FAILED
    assert "not UTF-8" in listing_import.failure
    assert "0xC9 on line 2" in listing_import.failure
    assert "Windows-1252" in listing_import.failure
    assert not Listing.objects.exists()


def test_an_excel_workbook_and_utf16_are_refused_clearly(seller):
    workbook = upload(seller, b"PK\x03\x04" + b"\x00" * 40, "listings.xlsx")
    assert workbook.status == ListingImportStatus.FAILED
    assert "Excel workbook" in workbook.failure
    utf16 = upload(seller, HEADER.encode("utf-16"))
    assert utf16.status == ListingImportStatus.FAILED
    assert "UTF-16" in utf16.failure


def test_missing_columns_fail_the_file_and_name_them(seller, variants):
    data = csv_file("PH-1,4,459.00", header="sku,stock,price_FR")
    listing_import = upload(seller, data)

    assert listing_import.status == ListingImportStatus.FAILED
    assert "Missing columns: variant, grade." in listing_import.failure


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("sku,variant,grade,stock", "No price column"),
        ("sku,variant,grade,stock,price_UK", "UK is not a ReMarket market"),
        ("sku,variant,grade,stock,price_FR,colour", "Unknown column: colour"),
        ("sku,variant,grade,stock,price_FR,shipping_DE", "needs a price_DE"),
        ("sku,variant,grade,stock,price_FR,SKU", "sku appears twice"),
    ],
)
def test_a_wrong_header_fails_the_file(seller, header, message):
    listing_import = upload(seller, csv_file("X,1,A,1,10", header=header))

    assert listing_import.status == ListingImportStatus.FAILED
    assert message in listing_import.failure


def test_duplicate_skus_are_reported_on_every_row_that_has_them(seller, variants):
    v = variants[0].pk
    data = csv_file(
        f"PH-1,{v},A,90,4,12,1,active,459.00,0,,",
        f"PH-2,{v},A,90,4,12,1,active,459.00,0,,",
        f"PH-1,{v},B,90,4,12,1,active,359.00,0,,",
    )
    listing_import = upload(seller, data)

    assert listing_import.status == ListingImportStatus.CHECKED
    assert errors_of(listing_import) == {(2, "sku"), (4, "sku")}
    assert "also on row 4" in listing_import.errors[0]["message"]
    assert (listing_import.rows_valid, listing_import.rows_invalid) == (1, 2)


def test_each_problem_is_reported_with_its_row_and_column(seller, variants):
    v = variants[0].pk
    data = csv_file(
        "R2,999999,A,90,4,12,1,active,459.00,0,,",  # unknown variant
        f"R3,{v},A,90,4,12,1,active,-5.00,0,,",  # negative price
        f"R4,{v},D,90,4,12,1,active,459.00,0,,",  # unknown grade
        f"R5,{v},A,101,4,12,1,active,459.00,0,,",  # battery out of range
        f"R6,{v},A,90,4,6,1,active,459.00,0,,",  # France asks 12 months
        f"R7,{v},A,90,-1,12,1,active,0,0,,",  # negative stock, zero price
        f"R8,{v},A,90,4,12,1,sold,459.00,0,abc,",  # status, bad amount
        "R9,iPhone,A,90,four,12,1,active,459.00,-2,,",  # variant, stock, shipping
        f"R10,{v},A,90,4,12,1,active,,,,",  # no market at all
        f",{v},A,90,4,12,1,active,459.00,0,,",  # no SKU
        f"R12,{v},A,90,4,12,1,active,459.00,0,,7.00",  # shipping without price
    )
    listing_import = upload(seller, data)

    assert errors_of(listing_import) == {
        (2, "variant"),
        (3, "price_FR"),
        (4, "grade"),
        (5, "battery_min_pct"),
        (6, "warranty_months"),
        (7, "stock"), (7, "price_FR"),
        (8, "status"), (8, "price_DE"),
        (9, "variant"), (9, "stock"), (9, "shipping_FR"),
        (10, "price_FR"),
        (11, "sku"),
        (12, "shipping_DE"),
    }  # fmt: skip
    messages = {(e["row"], e["column"]): e["message"] for e in listing_import.errors}
    assert messages[(2, "variant")] == "No catalog variant has id 999999."
    assert messages[(3, "price_FR")] == "The price in France must be above zero."
    assert (
        "France requires a warranty of at least 12 months"
        in messages[(6, "warranty_months")]
    )
    assert "'D' is not a grade" in messages[(4, "grade")]
    assert listing_import.rows_valid == 0
    assert listing_import.rows_invalid == 11
    assert not Listing.objects.exists()
    with pytest.raises(ListingError, match="nothing to apply"):
        listing_import_apply_request(listing_import=listing_import)


def test_a_market_the_refurbisher_does_not_ship_to_is_refused(variants):
    seller = RefurbisherFactory(country="FR", ships_to=["FR"])
    data = csv_file(f"PH-1,{variants[0].pk},A,90,4,12,1,active,459.00,0,469.00,0")

    listing_import = upload(seller, data)

    assert errors_of(listing_import) == {(2, "price_DE")}
    assert "does not ship to Germany" in listing_import.errors[0]["message"]


def test_a_semicolon_file_with_bom_and_decimal_commas_is_read(seller, variants):
    header = HEADER.replace(",", ";")
    data = "\ufeff".encode() + csv_file(
        f"PH-1;{variants[0].pk};Excellent;90;4;12;1;active;1 249,50;4,90;;",
        f'PH-2;{variants[1].pk};c;85;1;24;0;paused;99,00;;"105,00";0',
        header=header,
    )
    listing_import = upload(seller, data)
    assert listing_import.errors == []
    listing_import_apply_request(listing_import=listing_import)

    prices = dict(
        Offer.objects.filter(refurbisher=seller)
        .values_list("listing__sku", "price_amount")
        .filter(market="FR")
    )
    assert prices == {"PH-1": Decimal("1249.50"), "PH-2": Decimal("99.00")}
    assert Offer.objects.get(listing__sku="PH-1").shipping_amount == Decimal("4.90")
    assert Offer.objects.get(listing__sku="PH-2", market="DE").price_amount == Decimal(
        "105.00"
    )
    second = Listing.objects.get(sku="PH-2")
    assert (second.grade, second.status, second.warranty_months) == ("C", "paused", 24)


def test_the_dry_run_changes_nothing(seller, variants):
    kept = make_listing(refurbisher=seller, variant=variants[0], sku="KEEP", stock=3)
    changed = make_listing(refurbisher=seller, variant=variants[1], sku="CHANGE")
    before = snapshot(seller)
    data = csv_file(
        f"CHANGE,{variants[1].pk},C,80,0,24,5,paused,1.00,1.00,,",
        f"NEW,{variants[2].pk},A,90,4,12,1,active,459.00,0,,",
        f"BAD,{variants[2].pk},A,90,4,12,1,active,-1,0,,",
    )

    listing_import = upload(seller, data)

    assert listing_import.status == ListingImportStatus.CHECKED
    assert (listing_import.listings_created, listing_import.listings_updated) == (1, 1)
    assert snapshot(seller) == before
    assert kept.pk and changed.pk


def test_updates_by_sku_change_facts_and_offers_and_count_unchanged_rows(
    seller, variants
):
    same = make_listing(
        refurbisher=seller, variant=variants[0], sku="SAME", grade="A",
        battery_min_pct=90, stock=4, warranty_months=12, dispatch_days=1,
        prices={"FR": "459.00"},
    )  # fmt: skip
    moved = make_listing(
        refurbisher=seller, variant=variants[1], sku="MOVED", grade="A",
        prices={"FR": "459.00", "DE": "469.00"},
    )  # fmt: skip
    same_before = snapshot(seller)[0][0]
    data = csv_file(
        f"SAME,{variants[0].pk},A,90,4,12,1,active,459.00,0.00,,",
        # Grade and stock change; France's price changes, Germany's stops.
        f"MOVED,{variants[1].pk},B,85,9,12,1,active,399.00,0,,",
    )
    listing_import = upload(seller, data)
    assert (listing_import.listings_created, listing_import.listings_updated) == (0, 1)
    assert listing_import.rows_valid == 2

    applied = listing_import_apply_request(listing_import=listing_import)

    assert (applied.listings_created, applied.listings_updated) == (0, 1)
    moved.refresh_from_db()
    assert (moved.grade, moved.battery_min_pct, moved.stock) == ("B", 85, 9)
    offers = {o.market: o for o in moved.offers.all()}
    assert list(offers) == ["FR"]
    assert offers["FR"].price_amount == Decimal("399.00")
    assert offers["FR"].grade == "B"  # the copies follow (offers_refresh)
    assert snapshot(seller)[0][0] == same_before  # not even updated_at moved
    assert same.pk


def test_a_market_without_a_column_keeps_its_price(seller, variants):
    listing = make_listing(
        refurbisher=seller, variant=variants[0], sku="PH-1",
        prices={"FR": "459.00", "DE": "469.00"},
    )  # fmt: skip
    data = csv_file(
        f"PH-1,{variants[0].pk},A,85,7,439.00",
        header="sku,variant,grade,battery_min_pct,stock,price_FR",
    )
    listing_import_apply_request(listing_import=upload(seller, data))

    prices = dict(listing.offers.values_list("market", "price_amount"))
    assert prices == {"FR": Decimal("439.00"), "DE": Decimal("469.00")}


def test_a_listing_keeps_its_variant(seller, variants):
    make_listing(refurbisher=seller, variant=variants[0], sku="PH-1")
    data = csv_file(f"PH-1,{variants[1].pk},A,90,4,12,1,active,459.00,0,,")

    listing_import = upload(seller, data)

    assert errors_of(listing_import) == {(2, "variant")}
    assert "keeps its variant" in listing_import.errors[0]["message"]


def test_the_same_sku_of_another_refurbisher_is_a_new_listing(seller, variants):
    other = make_listing(variant=variants[0], sku="PH-1")
    data = csv_file(f"PH-1,{variants[1].pk},A,90,4,12,1,active,459.00,0,,")

    listing_import = upload(seller, data)

    assert listing_import.listings_created == 1
    listing_import_apply_request(listing_import=listing_import)
    assert Listing.objects.get(refurbisher=seller, sku="PH-1").variant == variants[1]
    other.refresh_from_db()
    assert other.variant == variants[0]


def test_apply_leaves_out_rows_with_problems(seller, variants):
    data = csv_file(
        f"GOOD,{variants[0].pk},A,90,4,12,1,active,459.00,0,,",
        f"BAD,{variants[1].pk},A,90,4,12,1,active,-459.00,0,,",
    )
    listing_import = upload(seller, data)
    applied = listing_import_apply_request(listing_import=listing_import)

    assert applied.status == ListingImportStatus.APPLIED
    assert list(Listing.objects.values_list("sku", flat=True)) == ["GOOD"]
    assert applied.rows_invalid == 1 and applied.errors  # the report stays


def test_apply_is_all_or_nothing_when_a_sku_was_taken_since_the_check(seller, variants):
    data = csv_file(
        f"PH-1,{variants[0].pk},A,90,4,12,1,active,459.00,0,,",
        f"PH-2,{variants[1].pk},A,90,4,12,1,active,459.00,0,,",
    )
    listing_import = upload(seller, data)
    # Meanwhile, the dashboard made a listing with the second SKU.
    make_listing(refurbisher=seller, variant=variants[2], sku="PH-2")
    before = snapshot(seller)

    result = listing_import_apply_request(listing_import=listing_import)

    assert result.status == ListingImportStatus.FAILED
    assert result.failure.startswith("Nothing was applied")
    assert errors_of(result) == {(3, "variant")}
    assert snapshot(seller) == before
    assert not Listing.objects.filter(sku="PH-1").exists()


def test_apply_is_all_or_nothing_when_the_refurbisher_stops_shipping_to_a_market(
    seller, variants
):
    existing = make_listing(refurbisher=seller, variant=variants[0], sku="PH-1")
    data = csv_file(
        f"PH-1,{variants[0].pk},A,90,9,12,1,active,300.00,0,,",
        f"PH-2,{variants[1].pk},A,90,4,12,1,active,459.00,0,469.00,0",
    )
    listing_import = upload(seller, data)
    assert listing_import.rows_valid == 2
    seller.ships_to = ["FR"]
    seller.save(update_fields=["ships_to"])
    before = snapshot(seller)

    result = listing_import_apply_request(listing_import=listing_import)

    assert result.status == ListingImportStatus.FAILED
    assert "1 row that passed the check no longer passes (row 3)" in result.failure
    assert errors_of(result) == {(3, "price_DE")}
    assert snapshot(seller) == before
    existing.refresh_from_db()
    assert existing.stock == 5


def test_a_created_listing_with_the_same_variant_also_stops_the_apply(seller, variants):
    data = csv_file(f"PH-1,{variants[0].pk},A,90,4,12,1,active,459.00,0,,")
    listing_import = upload(seller, data)
    make_listing(refurbisher=seller, variant=variants[0], sku="PH-1", stock=1)

    result = listing_import_apply_request(listing_import=listing_import)

    assert result.status == ListingImportStatus.FAILED
    assert "would create 0 listings instead of 1" in result.failure
    assert Listing.objects.get(sku="PH-1").stock == 1


def test_an_import_applies_once_and_a_discarded_one_never(seller, variants):
    data = csv_file(f"PH-1,{variants[0].pk},A,90,4,12,1,active,459.00,0,,")
    first = upload(seller, data)
    listing_import_apply_request(listing_import=first)
    with pytest.raises(ListingError, match="not waiting to be applied"):
        listing_import_apply_request(listing_import=first)

    second = upload(seller, csv_file(f"PH-9,{variants[0].pk},A,90,4,12,1,,1,0,,"))
    listing_import_discard(listing_import=second)
    with pytest.raises(ListingError, match="not waiting to be applied"):
        listing_import_apply_request(listing_import=second)
    assert list(Listing.objects.values_list("sku", flat=True)) == ["PH-1"]


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers(
    seller, variants
):
    data = csv_file(
        "",
        f"PH-1,{variants[0].pk},A,90,4,12,1,active,459.00,0,,",
        ",,,,,,,,,,,",
        f"PH-2,{variants[0].pk},Z,90,4,12,1,active,459.00,0,,",
    )
    listing_import = upload(seller, data)

    assert listing_import.rows_total == 2
    assert errors_of(listing_import) == {(5, "grade")}


# --- Line endings and the row limit -------------------------------------------


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_rows_are_counted_and_checked_the_same_whatever_the_line_endings(
    seller, variants, ending
):
    v1, v2, _ = variants
    lines = [
        "sku,variant,variant_name,grade,stock,price_FR",
        f'PH-1,{v1.pk},"A name{ending}on two lines",A,4,459.00',
        "",
        f"PH-2,{v2.pk},,Z,2,389.00",
        f"PH-3,{v2.pk},,B,2,399.00",
    ]
    data = (ending.join(lines) + ending).encode()

    listing_import = upload(seller, data)

    assert listing_import.rows_total == 3
    assert (listing_import.rows_valid, listing_import.rows_invalid) == (2, 1)
    assert errors_of(listing_import) == {(4, "grade")}


def test_the_upload_counts_a_file_of_lone_cr_lines_and_sends_it_to_the_worker(
    seller, variants, django_capture_on_commit_callbacks
):
    """A file whose lines end in a lone \\r has no \\n at all: counted by its
    line feeds it looked like one row and was checked inside the request."""
    rows = [f"CR-{n:04d},{variants[0].pk},A,90,1,12,1,active,459.00,0,," for n in
            range(INLINE_MAX_ROWS + 10)]  # fmt: skip
    data = "\r".join([HEADER, *rows]).encode()
    assert b"\n" not in data

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        listing_import = upload(seller, data)

    assert listing_import.rows_total == INLINE_MAX_ROWS + 10
    assert listing_import.status == ListingImportStatus.CHECKING  # not inline
    assert len(callbacks) == 1  # the check task, once committed


def test_a_file_over_the_row_limit_is_refused_at_upload_without_reading_past_it(
    seller, variants, monkeypatch
):
    """The count stops at the first row past the limit: the cell after it,
    longer than the csv module reads (an error if it were reached), is never
    read, and nothing is stored."""
    monkeypatch.setattr(reading, "MAX_ROWS", 3)
    rows = [f"S-{n},{variants[0].pk},A,90,1,12,1,active,459.00,0,," for n in range(4)]
    unreadable = "x" * 200_000
    data = csv_file(*rows, unreadable)

    with pytest.raises(ListingError, match="more than 3 rows") as refusal:
        upload(seller, data)

    assert refusal.value.field == "file"
    assert "Split it into several files." in refusal.value.message
    assert not ListingImport.objects.exists()
    # Within the limit, the same tail is read, and is an error.
    monkeypatch.setattr(reading, "MAX_ROWS", 10)
    failed = upload(seller, data)
    assert failed.status == ListingImportStatus.FAILED
    assert "cannot be read as CSV" in failed.failure


def test_reading_a_stored_file_stops_at_the_row_limit(variants):
    rows = [f"S-{n},{variants[0].pk},A,90,1,12,1,active,459.00,0,," for n in range(4)]
    data = csv_file(*rows, "x" * 200_000)
    with pytest.raises(fmt.CsvFileError, match="more than 3 rows"):
        fmt.csv_read(data, max_rows=3)
    assert len(fmt.csv_read(csv_file(*rows), max_rows=4).rows) == 4


def _big_file(variants, rows: int) -> bytes:
    lines = [
        f"BULK-{n:06d},{variants[n % 3].pk},{'PABC'[n % 4]},{80 + n % 21},{n % 50},"
        f"12,{n % 5},active,{100 + n % 900}.{n % 100:02d},0,{110 + n % 900}.00,9.90"
        for n in range(rows)
    ]
    return csv_file(*lines)


@pytest.mark.django_db(transaction=True)
def test_a_15000_row_file_is_checked_and_applied_in_the_worker(
    celery_worker, settings, variants
):
    settings.MEDIA_ROOT = settings.BASE_DIR / "var" / "media"  # the worker's
    seller = RefurbisherFactory(country="FR", ships_to=["FR", "DE"])
    data = _big_file(variants, 15_000)
    listing_import = upload(seller, data, "big.csv")
    try:
        assert listing_import.rows_total > INLINE_MAX_ROWS
        seen = _wait(listing_import, ListingImportStatus.CHECKED, 120)
        assert listing_import.rows_valid == 15_000
        assert listing_import.listings_created == 15_000
        assert listing_import.rows_done == listing_import.rows_total == 15_000
        assert not Listing.objects.exists()

        started = listing_import_apply_request(listing_import=listing_import)
        assert started.status == ListingImportStatus.APPLYING
        seen |= _wait(listing_import, ListingImportStatus.APPLIED, 180)

        listing_import.refresh_from_db()
        assert listing_import.progress_percent == 100
        assert listing_import.listings_created == 15_000
        assert Listing.objects.filter(refurbisher=seller).count() == 15_000
        assert Offer.objects.filter(refurbisher=seller).count() == 30_000
        assert Offer.objects.filter(is_purchasable=True).count() == 2 * sum(
            1 for n in range(15_000) if n % 50
        )
        sample = Offer.objects.get(listing__sku="BULK-000123", market="FR")
        assert sample.price_amount == Decimal("223.23")
        # Progress moved in between (the side connection committed it).
        assert any(0 < done < 15_000 for done in seen)
    finally:
        listing_import.file.delete(save=False)


def _wait(listing_import: ListingImport, status: str, seconds: int) -> set[int]:
    """Poll as the page does; return the rows_done values seen on the way."""
    seen = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        listing_import.refresh_from_db()
        seen.add(listing_import.rows_done)
        if listing_import.status == status:
            return seen
        assert listing_import.status != ListingImportStatus.FAILED, (
            listing_import.failure
        )
        time.sleep(0.05)
    pytest.fail(f"Import still {listing_import.status} after {seconds} s")


@pytest.mark.django_db(transaction=True)
def test_apply_progress_is_seen_at_once_and_survives_a_rollback(seller):
    """The progress is written on a connection of its own: another connection
    reads it while the data transaction is open, and a rollback keeps it."""
    from django.db import DEFAULT_DB_ALIAS, connections, transaction

    from listings.services.listing_imports.progress import (
        SideProgress as _SideProgress,
    )

    listing_import = ListingImport.objects.create(
        refurbisher=seller, filename="x.csv", file="imports/x.csv",
        status=ListingImportStatus.APPLYING, rows_total=10,
    )  # fmt: skip
    reader = connections.create_connection(DEFAULT_DB_ALIAS)
    progress = _SideProgress(listing_import.pk)

    def rows_done_seen() -> int:
        with reader.cursor() as cursor:
            cursor.execute(
                "SELECT rows_done FROM listings_listingimport WHERE id = %s",
                [listing_import.pk],
            )
            return cursor.fetchone()[0]

    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            Listing.objects.filter(refurbisher=seller).update(stock=1)
            progress(4)
            assert rows_done_seen() == 4
            raise RuntimeError("a row failed")
        assert rows_done_seen() == 4
        listing_import.refresh_from_db()
        assert listing_import.rows_done == 4
    finally:
        progress.close()
        reader.close()


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_the_apply_at_once_apply_it_once(seller, variants):
    import threading

    from django.db import connection

    from listings.services.listing_imports import (
        listing_import_apply,
        listing_import_apply_start,
    )

    lines = [
        f"PH-{n:04d},{variants[n % 3].pk},A,90,4,12,1,active,459.00,0,,"
        for n in range(300)
    ]
    listing_import = upload(seller, csv_file(*lines))
    listing_import_apply_start(listing_import=listing_import)
    results, barrier = [], threading.Barrier(2)

    def deliver() -> None:
        try:
            barrier.wait()
            results.append(listing_import_apply(import_id=listing_import.pk).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert results == [ListingImportStatus.APPLIED] * 2
    listing_import.refresh_from_db()
    assert listing_import.status == ListingImportStatus.APPLIED
    assert listing_import.listings_created == 300
    assert Listing.objects.filter(refurbisher=seller).count() == 300
