"""Draw believable listings and their offers for one refurbisher.

Every draw comes from a generator seeded with the run's seed and the
refurbisher's slug, so a refurbisher gets the same listings whatever else is in
the database. Prices follow the variant's new price in each market: a grade
factor, a device-age factor, battery and warranty, and some noise.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate

from django.utils import timezone

from demo.catalog import CATALOG_YEAR, DeviceSpec, RefurbisherSpec
from listings.models import Grade, ListingStatus
from marketplace.markets import MARKETS
from refurbishers.models import Refurbisher

GRADES = [Grade.PREMIUM, Grade.EXCELLENT, Grade.GOOD, Grade.FAIR]
GRADE_WEIGHTS = [12, 34, 34, 20]
GRADE_PRICE_FACTORS = {"P": 0.78, "A": 0.66, "B": 0.58, "C": 0.50}
GRADE_RANK_POINTS = {"P": 40, "A": 32, "B": 24, "C": 14}
BATTERY_LEVELS = [80, 85, 90, 95, 100]
BATTERY_WEIGHTS = {
    "P": [0, 0, 30, 30, 40],  # Premium guarantees at least 90%.
    "A": [15, 30, 30, 15, 10],
    "B": [30, 35, 20, 10, 5],
    "C": [50, 30, 15, 5, 0],
}
# Most give 12 months; where the market allows it (the US) some give 6.
WARRANTY_WEIGHTS = {6: 12, 12: 70, 18: 8, 24: 10}
# Refurbished stock sells from the 2-4 year old models most.
AGE_WEIGHTS = {0: 0.6, 1: 0.9, 2: 1.2, 3: 1.2, 4: 1.0, 5: 0.8}
STOCK_LEVELS = list(range(1, 26))
STOCK_WEIGHTS = [1 / level**1.3 for level in STOCK_LEVELS]
SOLD_OUT_SHARE = 0.1
PAUSED_SHARE = 0.04
SHIPPING_CHOICES = {"USD": ["4.99", "7.99", "9.99"], "EUR": ["3.90", "5.90", "9.90"]}
CENT = Decimal("0.01")

LISTING_FIELDS = [
    "refurbisher_id", "variant_id", "sku", "grade", "battery_min_pct", "stock",
    "warranty_months", "ships_from", "dispatch_days", "status", "rank_score",
    "created_at", "updated_at",
]  # fmt: skip
OFFER_FIELDS = [
    "market", "price_amount", "currency", "shipping_amount", "refurbisher_id",
    "variant_id", "device_model_id", "category_id", "brand_id", "grade",
    "battery_min_pct", "warranty_months", "rank_score", "is_purchasable",
    "created_at",
]  # fmt: skip


@dataclass
class VariantEntry:
    id: int
    sku_part: str  # storage, colour and connectivity, e.g. "128-MID"
    weight: float
    new_prices: dict[str, Decimal]


@dataclass
class ModelEntry:
    """What generation needs to know about one device model of the catalog."""

    spec: DeviceSpec
    id: int
    category_id: int
    brand_id: int
    variants: list[VariantEntry] = field(default_factory=list)

    @property
    def age_factor(self) -> float:
        return max(0.45, 0.91 ** (CATALOG_YEAR - self.spec.release_year))


@dataclass
class ListingDraft:
    """A listing row without its id, and its offer rows without the listing id.

    Rows are tuples in ``LISTING_FIELDS`` and ``OFFER_FIELDS`` order.
    """

    listing: tuple
    offers: list[tuple]


def shop_price(amount: Decimal, rng: random.Random) -> Decimal:
    """Round to how shops price: 349.99 mostly, else 349.00 or a round 352.00."""
    whole = max(int(amount.to_integral_value(ROUND_HALF_UP)), 10)
    roll = rng.random()
    if roll < 0.55:
        return Decimal(whole) - CENT
    if roll < 0.8:
        return Decimal(whole - whole % 10 + 9)
    return Decimal(whole)


def rank_score(
    grade: str, battery: int, warranty: int, rating: float, rng: random.Random
) -> float:
    """A 0-100 placeholder until the quality app ranks listings: quality first."""
    score = (
        GRADE_RANK_POINTS[grade]
        + (battery - 80) * 0.75
        + min(warranty, 24) * 0.4
        + max(0.0, min(1.0, (rating - 3.5) / 1.4)) * 30
        + rng.uniform(-2, 2)
    )
    return round(max(0.0, min(100.0, score)), 1)


class ListingMaker:
    """Draw listings for one refurbisher, among the models it deals in."""

    def __init__(
        self,
        *,
        refurbisher: Refurbisher,
        spec: RefurbisherSpec,
        catalog: list[ModelEntry],
        seed: int,
    ) -> None:
        self.refurbisher = refurbisher
        self.code = spec.code
        self.rng = random.Random(f"{seed}:{refurbisher.slug}")
        self.models = [
            entry
            for entry in catalog
            if (not spec.categories or entry.spec.category in spec.categories)
            and (not spec.brands or entry.spec.brand in spec.brands)
            and entry.variants
        ]
        if not self.models:
            raise ValueError(f"{refurbisher.name} deals in no model of the catalog.")
        # Cumulative weights once, not per draw: drawing is the hot loop.
        self.model_cum = list(
            accumulate(
                e.spec.popularity
                * AGE_WEIGHTS.get(CATALOG_YEAR - e.spec.release_year, 0.6)
                for e in self.models
            )
        )
        self.variant_cum = {
            e.id: list(accumulate(v.weight for v in e.variants)) for e in self.models
        }
        minimum = max(MARKETS[m].warranty_min_months for m in refurbisher.ships_to)
        self.warranties = [w for w in WARRANTY_WEIGHTS if w >= minimum]
        self.warranty_cum = list(
            accumulate(WARRANTY_WEIGHTS[w] for w in self.warranties)
        )
        self.grade_cum = list(accumulate(GRADE_WEIGHTS))
        self.battery_cum = {g: list(accumulate(w)) for g, w in BATTERY_WEIGHTS.items()}
        self.stock_cum = list(accumulate(STOCK_WEIGHTS))
        self.rating = float(refurbisher.rating_average or 4)
        self.now = timezone.now()
        since = refurbisher.selling_since or self.now.date()
        self.history_days = max(1, min(180, (self.now.date() - since).days))

    def draft(self, number: int) -> ListingDraft:
        """Draw the listing with SKU sequence ``number`` and an offer per market."""
        rng, refurbisher = self.rng, self.refurbisher
        model = rng.choices(self.models, cum_weights=self.model_cum)[0]
        variant = rng.choices(model.variants, cum_weights=self.variant_cum[model.id])[0]
        grade = rng.choices(GRADES, cum_weights=self.grade_cum)[0]
        battery = 100  # a console with no battery has nothing worn to declare
        if model.spec.has_battery:
            battery = rng.choices(BATTERY_LEVELS, cum_weights=self.battery_cum[grade])[
                0
            ]
        warranty = rng.choices(self.warranties, cum_weights=self.warranty_cum)[0]
        stock = 0
        if rng.random() >= SOLD_OUT_SHARE:
            stock = rng.choices(STOCK_LEVELS, cum_weights=self.stock_cum)[0]
        status = ListingStatus.ACTIVE
        if rng.random() < PAUSED_SHARE:
            status = ListingStatus.PAUSED
        dispatch = refurbisher.dispatch_days + (1 if rng.random() < 0.15 else 0)
        rank = rank_score(grade, battery, warranty, self.rating, rng)
        created = self.now - timedelta(
            days=rng.uniform(0, self.history_days), seconds=rng.randint(0, 86399)
        )
        sku = f"{self.code}-{model.spec.code}-{variant.sku_part}-{grade}-{number:04d}"
        listing = (
            refurbisher.pk, variant.id, sku, grade, battery, stock, warranty,
            refurbisher.country, dispatch, status, rank, created, created,
        )  # fmt: skip
        value = (
            GRADE_PRICE_FACTORS[grade]
            * model.age_factor
            * (1 + (battery - 80) / 400)
            * (1 + (warranty - 12) / 300)
            * rng.uniform(0.93, 1.07)
        )
        offers = []
        for market in refurbisher.ships_to:
            home = market == refurbisher.country
            drift = 1.0 if home else rng.uniform(0.98, 1.04)
            factor = Decimal(f"{value * drift:.4f}")
            price = shop_price(variant.new_prices[market] * factor, rng)
            currency = MARKETS[market].currency
            shipping = Decimal(0)
            if rng.random() < (0.15 if home else 0.5):
                shipping = Decimal(rng.choice(SHIPPING_CHOICES[currency]))
            # Copies and is_purchasable are placeholders: offers_refresh sets them.
            offers.append(
                (market, price, currency, shipping, refurbisher.pk, variant.id,
                 model.id, model.category_id, model.brand_id, grade, battery,
                 warranty, rank, False, created)
            )  # fmt: skip
        return ListingDraft(listing, offers)
