"""One row of an import against the listing rules: its plan, or its problems.

The rules are ``check_listing_facts`` and ``check_market_prices``, called on
unsaved values exactly as the dashboard and API use them; each problem is
reported on the column it comes from.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext

from listings import csv_format as fmt
from listings.exceptions import ListingError
from listings.models import BATTERY_MIN_PCT, Listing, ListingStatus, Offer
from listings.services.listing import (
    MarketPrice,
    check_listing_facts,
    check_market_prices,
)
from listings.services.listing_imports.plan import (
    CREATE,
    FACT_FIELDS,
    UNCHANGED,
    UPDATE,
    Context,
    RowPlan,
)
from marketplace.markets import MARKETS
from refurbishers.models import Refurbisher

# Values check_listing_facts accepts, put in place of a refused one so the
# next check reports the row's next problem too.
_FACTS_THAT_PASS = {
    "sku": "SKU", fmt.GRADE: "A", fmt.BATTERY: BATTERY_MIN_PCT, fmt.STOCK: 0,
    fmt.WARRANTY: 12, fmt.DISPATCH: 1, fmt.STATUS: ListingStatus.ACTIVE,
}  # fmt: skip
DEFAULT_WARRANTY_MONTHS = Listing._meta.get_field("warranty_months").default


def row_check(
    number: int,
    cells: list[str],
    table: fmt.CsvTable,
    context: Context,
    rows_of_sku: dict[str, list[int]],
) -> tuple[RowPlan | None, list[tuple[str, str]]]:
    """The row's plan, or its problems as (column, message)."""
    errors: list[tuple[str, str]] = []
    if len(cells) > len(table.columns) and any(cells[len(table.columns) :]):
        errors.append(
            ("", gettext("This row has %(cells)s cells where the first row names "
                         "%(columns)s columns: a stray separator?")
                 % {"cells": len(cells), "columns": len(table.columns)})
        )  # fmt: skip
    values = dict(zip(table.columns, cells, strict=False))

    def cell(name: str) -> str:
        return values.get(name, "")

    sku = cell(fmt.SKU)
    if not sku:
        errors.append((fmt.SKU, gettext("The SKU is missing.")))
    elif len(rows_of_sku[sku]) > 1:
        others = ", ".join(str(n) for n in rows_of_sku[sku] if n != number)
        errors.append(
            (
                fmt.SKU,
                gettext("SKU %(sku)s is also on row %(rows)s: one row per SKU.")
                % {"sku": sku, "rows": others},
            )
        )
    existing = context.listings.get(sku)

    variant = None
    text = cell(fmt.VARIANT)
    if not text:
        errors.append((fmt.VARIANT, gettext("The variant id is missing.")))
    elif not text.isdigit():
        errors.append(
            (fmt.VARIANT, gettext("%(text)s is not a variant id: write the number "
                                  "from the catalog list.") % {"text": repr(text)})
        )  # fmt: skip
    else:
        variant = context.variants.get(int(text))
        if variant is None:
            errors.append(
                (
                    fmt.VARIANT,
                    gettext("No catalog variant has id %(text)s.") % {"text": text},
                )
            )
        elif existing is not None and existing.variant_id != variant.pk:
            errors.append(
                (fmt.VARIANT, gettext(
                    "Your listing %(sku)s is variant %(variant)s: a listing keeps "
                    "its variant. Use a new SKU."
                ) % {"sku": sku, "variant": existing.variant_id})
            )  # fmt: skip

    facts, facts_read = _facts_read(values, existing, context.refurbisher, errors)
    if facts_read and sku:
        errors += _facts_check(sku, facts)

    prices, price_changes = _prices_read(
        table.markets, values, context.offers.get(existing.pk, {}) if existing else {},
        errors,
    )  # fmt: skip
    if fmt.WARRANTY in facts:
        said = {column for column, _ in errors}
        errors += [
            (column, message)
            for column, message in _prices_check(
                context.refurbisher,
                int(facts[fmt.WARRANTY]),
                prices,
                table.markets,
                unchanged=frozenset(prices) - set(price_changes),
            )
            if column not in said  # one problem per cell is enough
        ]
    if errors:
        return None, errors

    if existing is None:
        action = CREATE
    elif price_changes or any(
        getattr(existing, name) != value for name, value in facts.items()
    ):
        action = UPDATE
    else:
        action = UNCHANGED
    return RowPlan(
        row=number, sku=sku, action=action, variant=variant, facts=facts,
        listing_id=existing.pk if existing else None,
        prices=prices if existing is None else price_changes,
    ), []  # fmt: skip


def _facts_read(
    values: dict[str, str],
    existing: Listing | None,
    refurbisher: Refurbisher,
    errors: list[tuple[str, str]],
) -> tuple[dict[str, object], bool]:
    """Each fact from its cell, or kept (an existing listing) or defaulted."""
    defaults = {
        fmt.BATTERY: BATTERY_MIN_PCT,
        fmt.WARRANTY: DEFAULT_WARRANTY_MONTHS,
        fmt.DISPATCH: refurbisher.dispatch_days,
        fmt.STATUS: ListingStatus.ACTIVE,
    }
    readers = {
        fmt.GRADE: fmt.grade_code, fmt.STATUS: fmt.status_code,
        fmt.BATTERY: fmt.whole_number, fmt.STOCK: fmt.whole_number,
        fmt.WARRANTY: fmt.whole_number, fmt.DISPATCH: fmt.whole_number,
    }  # fmt: skip
    facts: dict[str, object] = {}
    all_read = True
    for name in FACT_FIELDS:
        text = values.get(name, "")
        if not text:
            if name in (fmt.GRADE, fmt.STOCK):
                errors.append(
                    (
                        name,
                        gettext("The %(column)s is missing.")
                        % {"column": name.replace("_", " ")},
                    )
                )
                all_read = False
            else:
                facts[name] = getattr(existing, name) if existing else defaults[name]
            continue
        try:
            facts[name] = readers[name](text)
        except fmt.CellError as error:
            errors.append((name, str(error)))
            all_read = False
    return facts, all_read


def _facts_check(sku: str, facts: dict[str, object]) -> list[tuple[str, str]]:
    """check_listing_facts, again after each refusal, to report every fact."""
    errors = []
    candidate = {"sku": sku, **facts}
    for _ in range(len(candidate)):
        try:
            check_listing_facts(Listing(**candidate))
            break
        except ListingError as error:
            column = error.field if error.field in candidate else ""
            errors.append((column, error.message))
            if not column:
                break
            candidate[column] = _FACTS_THAT_PASS[column]
    return errors


def _prices_read(
    markets: list[str],
    values: dict[str, str],
    current: dict[str, Offer],
    errors: list[tuple[str, str]],
) -> tuple[dict[str, MarketPrice], dict[str, MarketPrice | None]]:
    """The prices the listing would have, and the changes to its offers."""
    prices = {
        code: MarketPrice(offer.price_amount, offer.shipping_amount)
        for code, offer in current.items()
    }
    changes: dict[str, MarketPrice | None] = {}
    for code in markets:
        price_text = values.get(fmt.price_column(code), "")
        shipping_text = values.get(fmt.shipping_column(code), "")
        if not price_text:
            if shipping_text:
                errors.append(
                    (fmt.shipping_column(code),
                     gettext("A shipping cost needs a price in %(market)s.")
                     % {"market": MARKETS[code].name})
                )  # fmt: skip
            if code in prices:
                del prices[code]
                changes[code] = None
            continue
        try:
            amount = fmt.amount(price_text)
            shipping = fmt.amount(shipping_text) if shipping_text else Decimal("0.00")
        except fmt.CellError as error:
            column = fmt.price_column(code)
            if shipping_text and price_text and _is_amount(price_text):
                column = fmt.shipping_column(code)
            errors.append((column, str(error)))
            prices.pop(code, None)
            continue
        price = MarketPrice(amount, shipping)
        if prices.get(code) != price:
            changes[code] = price
        prices[code] = price
    return prices, changes


def _is_amount(text: str) -> bool:
    try:
        fmt.amount(text)
    except fmt.CellError:
        return False
    return True


def _prices_check(
    refurbisher: Refurbisher,
    warranty_months: int,
    prices: dict[str, MarketPrice],
    markets: list[str],
    *,
    unchanged: frozenset[str] = frozenset(),
) -> list[tuple[str, str]]:
    """check_market_prices per market, so each problem lands on its column.

    A price the listing already has (``unchanged``) may stay where its seller
    no longer ships, as in the dashboard: an export re-imports cleanly."""
    errors = []
    if not prices:
        try:
            check_market_prices(refurbisher, warranty_months, prices)
        except ListingError as error:
            errors.append((fmt.price_column(markets[0]), error.message))
        return errors
    for code, price in prices.items():
        try:
            check_market_prices(
                refurbisher, warranty_months, {code: price},
                unchanged=unchanged & {code},
            )  # fmt: skip
        except ListingError as error:
            if error.field == "warranty_months":
                column = fmt.WARRANTY
            elif price.amount > 0 and price.shipping < 0:
                column = fmt.shipping_column(code)
            else:
                column = fmt.price_column(code)
            errors.append((column, error.message))
    return errors
