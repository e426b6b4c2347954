"""What an import would do: the plan of every row, and what rows are checked
against.

Shared by the row rules that build a plan, the check that reports it, and
the apply and the writes that carry it out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from listings import csv_format as fmt
from listings.models import Listing, Offer, Variant
from listings.services.listing import MarketPrice
from refurbishers.models import Refurbisher

# The report keeps this many problems; a file with more cannot be applied.
ERRORS_KEPT = 1000

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
FACT_FIELDS = (
    fmt.GRADE, fmt.BATTERY, fmt.STOCK, fmt.WARRANTY, fmt.DISPATCH, fmt.STATUS,
)  # fmt: skip

Progress = Callable[[int], None]


@dataclass
class RowPlan:
    """What one valid row does: the listing's facts and its offers' changes."""

    row: int
    sku: str
    action: str
    variant: Variant
    facts: dict[str, object]
    listing_id: int | None = None
    # Market -> new price (added or changed) or None (no longer sold there).
    prices: dict[str, MarketPrice | None] = field(default_factory=dict)


@dataclass
class ImportPlan:
    rows: list[RowPlan]
    errors: list[dict]
    invalid_rows: set[int]

    def count(self, action: str, rows: Iterable[RowPlan] | None = None) -> int:
        return sum(
            1 for r in (self.rows if rows is None else rows) if r.action == action
        )


@dataclass
class Context:
    """What the rows are checked against, read in three queries."""

    refurbisher: Refurbisher
    variants: dict[int, Variant]
    listings: dict[str, Listing]
    offers: dict[int, dict[str, Offer]]
