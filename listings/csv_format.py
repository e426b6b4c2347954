"""The listings CSV: its columns, reading a seller's file, writing our own.

One format for the template, the import and the export, so an export
imported again changes nothing. A catalog variant is named by its id (the
number in the catalog list and the dashboard): variants have no code of their
own, and their names (storage, colour, connectivity) are not unique across
brands. The ``variant_name`` column is written for people and ignored on
import.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext, ngettext

from listings.models import BATTERY_MIN_PCT, Grade, ListingStatus
from marketplace.markets import MARKETS

SKU, VARIANT, VARIANT_NAME = "sku", "variant", "variant_name"
GRADE, BATTERY, STOCK = "grade", "battery_min_pct", "stock"
WARRANTY, DISPATCH, STATUS = "warranty_months", "dispatch_days", "status"
FIXED_COLUMNS = (
    SKU, VARIANT, VARIANT_NAME, GRADE, BATTERY, STOCK, WARRANTY, DISPATCH, STATUS,
)  # fmt: skip
REQUIRED_COLUMNS = (SKU, VARIANT, GRADE, STOCK)
PRICE_PREFIX, SHIPPING_PREFIX = "price_", "shipping_"
DELIMITERS = (",", ";", "\t")
MAX_PRICE = Decimal("99999999.99")  # Offer.price_amount: 10 digits, 2 decimals
UTF8_BOM = "\ufeff"
_LINE_END = re.compile(r"\r\n|\r|\n")

GRADE_WORDS = {
    **{code.lower(): code for code in Grade.values},
    **{label.lower(): code for code, label in Grade.choices},
}
STATUS_WORDS = {
    **{code: code for code in ListingStatus.values},
    **{label.lower(): code for code, label in ListingStatus.choices},
}


def price_column(market: str) -> str:
    return f"{PRICE_PREFIX}{market}"


def shipping_column(market: str) -> str:
    return f"{SHIPPING_PREFIX}{market}"


def market_codes(codes: Iterable[str]) -> list[str]:
    """Markets in the order ReMarket lists them (the columns' order)."""
    wanted = set(codes)
    return [code for code in MARKETS if code in wanted]


def header_for(markets: Iterable[str]) -> list[str]:
    columns = list(FIXED_COLUMNS)
    for code in market_codes(markets):
        columns += [price_column(code), shipping_column(code)]
    return columns


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    required: str
    allowed: str
    meaning: str


def column_docs(markets: Sequence[str]) -> list[ColumnDoc]:
    """What the import page says about each column."""
    first = market_codes(markets)[0] if markets else "FR"
    grades = ", ".join(f"{code} ({label})" for code, label in Grade.choices)
    statuses = ", ".join(ListingStatus.values)
    yes, no = gettext("Yes"), gettext("No")
    return [
        ColumnDoc(SKU, yes, gettext("1 to 64 characters"), gettext(
            "Your own code for the listing. A SKU you already have updates that "
            "listing; a new one creates it.")),
        ColumnDoc(VARIANT, yes, gettext("A catalog variant id (a number)"), gettext(
            "The device, storage, colour and connectivity: its id from the "
            "catalog list. A listing keeps its variant.")),
        ColumnDoc(VARIANT_NAME, no, gettext("Anything"), gettext(
            "The variant's name, for you to read; the import ignores it.")),
        ColumnDoc(GRADE, yes, grades, gettext("The cosmetic grade.")),
        ColumnDoc(BATTERY, no,
                  gettext("%(min)s to 100") % {"min": BATTERY_MIN_PCT},
                  gettext("Battery health you guarantee, in %%. Empty: %(min)s for "
                          "a new listing, unchanged for an existing one.")
                  % {"min": BATTERY_MIN_PCT}),
        ColumnDoc(STOCK, yes, gettext("0 or more"), gettext("Units you have.")),
        ColumnDoc(WARRANTY, no, gettext("Months, at least the market's minimum"),
                  gettext("Empty: 12 for a new listing, unchanged for an existing "
                          "one.")),
        ColumnDoc(DISPATCH, no, gettext("0 to 30"), gettext(
            "Days to dispatch. Empty: your usual dispatch time, or unchanged.")),
        ColumnDoc(STATUS, no, statuses, gettext(
            "Empty: active for a new listing, unchanged for an existing one.")),
        ColumnDoc(f"price_{first}, price_…", gettext("At least one column"),
                  gettext("A price above zero, 249.00 or 249,00"), gettext(
                  "The price in that market's currency, one column per market you "
                  "ship to. An empty cell: not sold there. A market with no column "
                  "keeps what the listing has.")),
        ColumnDoc(f"shipping_{first}, shipping_…", no, gettext("0 or more"), gettext(
            "What the shopper pays for shipping there. Empty: free.")),
    ]  # fmt: skip


class CsvFileError(Exception):
    """The file as a whole cannot be read; the message says how to fix it."""


class CellError(ValueError):
    """One cell is not what its column takes."""


# --- Reading ----------------------------------------------------------------


def csv_decode(data: bytes) -> str:
    """The file's text: UTF-8 with or without a byte order mark, nothing else."""
    if data.startswith(b"PK\x03\x04"):
        raise CsvFileError(
            gettext(
                "This is an Excel workbook, not a CSV file. In Excel choose "
                "File, Save a copy, 'CSV UTF-8 (Comma delimited)', and "
                "upload that file."
            )
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvFileError(
            gettext(
                "This file is saved as UTF-16 ('Unicode text'). Save it as "
                "'CSV UTF-8' and upload it again."
            )
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start : error.start + 1].hex().upper()
        raise CsvFileError(
            gettext(
                "This file is not UTF-8: byte 0x%(byte)s on line %(line)s "
                "cannot be read (saved as Windows-1252 or Latin-1?). In "
                "Excel choose 'CSV UTF-8 (Comma delimited)'; in LibreOffice "
                "tick 'Edit filter settings' and pick 'Unicode (UTF-8)'. "
                "Then upload it again."
            )
            % {"byte": byte, "line": line}
        ) from None
    if "\x00" in text:
        raise CsvFileError(
            gettext("This file holds binary data: it is not a CSV file.")
        )
    return text.removeprefix(UTF8_BOM)


def delimiter_sniff(text: str) -> str:
    """Comma, semicolon or tab: whichever the header row uses most."""
    header = _LINE_END.split(text, maxsplit=1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


@dataclass
class CsvTable:
    """The header (names normalised) and the data rows, numbered as a
    spreadsheet numbers them (the header is row 1)."""

    columns: list[str]
    rows: list[tuple[int, list[str]]]
    markets: list[str]  # markets with a price column


def _records(text: str) -> Iterator[list[str]]:
    """The file's records, read one at a time. Lines may end in \\n, \\r\\n or
    a lone \\r (old Macs, some exports); a quoted cell may span lines."""
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_sniff(text))


def _blank(record: list[str]) -> bool:
    return not any(cell.strip() for cell in record)


def too_many_rows(limit: int) -> CsvFileError:
    return CsvFileError(
        gettext(
            "The file has more than %(limit)s rows: an import takes at most "
            "%(limit)s. Split it into several files."
        )
        % {"limit": f"{limit:,}"}
    )


def csv_rows_count(data: bytes, *, stop_after: int | None = None) -> int:
    """Data rows of the file (blank ones skipped, the header not counted),
    counted as the import reads them, one record at a time without keeping
    any; past ``stop_after`` it stops counting and returns that + 1.

    CsvFileError when the file cannot be read.
    """
    records = _records(csv_decode(data))
    count = 0
    try:
        next(records, None)  # the header
        for record in records:
            if _blank(record):
                continue
            count += 1
            if stop_after is not None and count > stop_after:
                break
    except csv.Error as error:
        raise CsvFileError(
            gettext("The file cannot be read as CSV near line %(line_num)s: %(error)s.")
            % {"line_num": records.line_num, "error": error}
        ) from None
    return count


def csv_read(data: bytes, *, max_rows: int | None = None) -> CsvTable:
    """Decode, split and check the header; rows are kept as text cells.

    With ``max_rows``, a file with more data rows is refused (CsvFileError)
    as soon as its row ``max_rows + 1`` is read, before the rest is kept.
    """
    text = csv_decode(data)
    records = _records(text)
    try:
        header = next(records, None)
        if not header or not any(cell.strip() for cell in header):
            raise CsvFileError(
                gettext(
                    "The file is empty: its first row must name the columns "
                    "(download the template)."
                )
            )
        columns = header_normalise(header)
        rows = []
        for number, record in enumerate(records, start=2):
            if _blank(record):
                continue
            if max_rows is not None and len(rows) >= max_rows:
                raise too_many_rows(max_rows)
            rows.append((number, [cell_read(cell) for cell in record]))
    except csv.Error as error:
        raise CsvFileError(
            gettext("The file cannot be read as CSV near line %(line_num)s: %(error)s.")
            % {"line_num": records.line_num, "error": error}
        ) from None
    markets = [
        column.removeprefix(PRICE_PREFIX)
        for column in columns
        if column.startswith(PRICE_PREFIX)
    ]
    return CsvTable(columns=columns, rows=rows, markets=markets)


def header_normalise(header: list[str]) -> list[str]:
    """Column names as we write them; a file-level error for a wrong header."""
    columns, unknown = [], []
    for raw in header:
        name = raw.strip().lower()
        for prefix in (PRICE_PREFIX, SHIPPING_PREFIX):
            if name.startswith(prefix):
                code = name.removeprefix(prefix).upper()
                if code not in MARKETS:
                    raise CsvFileError(
                        gettext(
                            "Column %(column)s: %(value)s is not a ReMarket market "
                            "(%(markets)s)."
                        )
                        % {
                            "column": raw.strip(),
                            "value": code or "nothing",
                            "markets": ", ".join(MARKETS),
                        }
                    )
                name = prefix + code
        if name not in FIXED_COLUMNS and not name.startswith(
            (PRICE_PREFIX, SHIPPING_PREFIX)
        ):
            unknown.append(raw.strip() or "(an empty name)")
        columns.append(name)
    if unknown:
        raise CsvFileError(
            ngettext(
                "Unknown column: %(unknown)s. The columns are %(columns)s, then "
                "price_XX and shipping_XX per market (download the template).",
                "Unknown columns: %(unknown)s. The columns are %(columns)s, then "
                "price_XX and shipping_XX per market (download the template).",
                len(unknown),
            )
            % {"unknown": ", ".join(unknown), "columns": ", ".join(FIXED_COLUMNS)}
        )
    seen = set()
    for name in columns:
        if name in seen:
            raise CsvFileError(
                gettext("Column %(name)s appears twice in the first row.")
                % {"name": name}
            )
        seen.add(name)
    missing = [name for name in REQUIRED_COLUMNS if name not in seen]
    if missing:
        raise CsvFileError(
            ngettext(
                "Missing column: %(missing)s. The first row must name the "
                "columns (download the template).",
                "Missing columns: %(missing)s. The first row must name the "
                "columns (download the template).",
                len(missing),
            )
            % {"missing": ", ".join(missing)}
        )
    if not any(name.startswith(PRICE_PREFIX) for name in columns):
        raise CsvFileError(
            gettext(
                "No price column: add one per market you sell in, such as price_FR."
            )
        )
    for name in columns:
        if name.startswith(SHIPPING_PREFIX):
            code = name.removeprefix(SHIPPING_PREFIX)
            if price_column(code) not in seen:
                raise CsvFileError(
                    gettext("Column %(name)s needs a %(price_column)s too.")
                    % {"name": name, "price_column": price_column(code)}
                )
    return columns


# --- Cells ------------------------------------------------------------------

# A spreadsheet runs a cell starting with one of these as a formula (OWASP,
# "CSV Injection"): =HYPERLINK(...) or a DDE call in a SKU, a model name or
# a problem message would run on the seller's computer when the file is
# opened. Such a text cell is written with a leading apostrophe, which the
# spreadsheet shows as text; one that already starts with apostrophes before
# one of them gets one more, so the import can take exactly one off.
FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
# A plain number runs nothing and must stay a number (a price column stays
# summable): digits with an optional minus and one decimal mark.
PLAIN_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def cell_for_spreadsheet(value: object) -> object:
    """A cell as written: text a spreadsheet would run gets a leading "'"."""
    if not isinstance(value, str):
        return value  # numbers are numbers
    if FORMULA_START.match(value) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def cell_read(cell: str) -> str:
    """A cell as imported: trimmed, and the apostrophe our export (or a
    spreadsheet) put before a formula character taken off again."""
    cell = cell.strip()
    if cell.startswith("'") and FORMULA_START.match(cell[1:]):
        cell = cell[1:].strip()
    return cell


_SPACES = re.compile(r"[\s\u00a0\u202f']")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def whole_number(cell: str) -> int:
    text = cell.strip()
    if text.endswith((".0", ",0")):  # spreadsheets write 12 as 12.0
        text = text[:-2]
    try:
        return int(text)
    except ValueError:
        raise CellError(
            gettext("%(cell)s is not a whole number.") % {"cell": repr(cell)}
        ) from None


def amount(cell: str) -> Decimal:
    """249.00, 249,00, 1 249,50, 1,249.50 or 1.249,50; at most two decimals."""
    text = _SPACES.sub("", cell).removesuffix("€").removeprefix("$").removeprefix("€")
    if "," in text and "." in text:
        # The later mark is the decimal one; the other groups thousands.
        thousands = "," if text.rfind(",") < text.rfind(".") else "."
        text = text.replace(thousands, "")
    text = text.replace(",", ".")
    if not _NUMBER.fullmatch(text):
        raise CellError(
            gettext("%(cell)s is not an amount: write it like 249.00 or 249,00.")
            % {"cell": repr(cell)}
        )
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError(
            gettext("%(cell)s is not an amount.") % {"cell": repr(cell)}
        ) from None
    if value != value.quantize(Decimal("0.01")):
        raise CellError(
            gettext("%(cell)s has more than two decimals.") % {"cell": repr(cell)}
        )
    if abs(value) > MAX_PRICE:
        raise CellError(
            gettext("%(cell)s is more than ReMarket takes.") % {"cell": repr(cell)}
        )
    return value.quantize(Decimal("0.01"))


def grade_code(cell: str) -> str:
    code = GRADE_WORDS.get(cell.strip().lower())
    if code is None:
        raise CellError(
            gettext(
                "%(cell)s is not a grade: write P, A, B or C (or Premium, "
                "Excellent, Good, Fair)."
            )
            % {"cell": repr(cell)}
        )
    return code


def status_code(cell: str) -> str:
    code = STATUS_WORDS.get(cell.strip().lower())
    if code is None:
        raise CellError(
            gettext("%(cell)s is not a listing status: write %(statuses)s.")
            % {"cell": repr(cell), "statuses": ", ".join(ListingStatus.values)}
        )
    return code


# --- Writing ----------------------------------------------------------------


def amount_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


class CsvLines:
    """Turn rows into CSV text one line at a time (for streaming responses),
    every cell safe to open in a spreadsheet (``cell_for_spreadsheet``)."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")

    def line(self, values: Sequence[object]) -> str:
        self._writer.writerow([cell_for_spreadsheet(value) for value in values])
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text


def csv_lines(header: list[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The file as text chunks: a BOM (so Excel reads accents), the header, rows."""
    lines = CsvLines()
    yield UTF8_BOM + lines.line(header)
    for row in rows:
        yield lines.line(row)
