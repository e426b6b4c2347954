"""factory_boy factories for the catalog and refurbishers, and ``make_listing``.

Listings and offers are never created raw in tests: ``make_listing`` goes
through ``listings.services.listing_create`` so the copies on offers stay in
step exactly as they do in the product.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from listings.models import (
    Brand,
    Category,
    DeviceKind,
    DeviceModel,
    Grade,
    Listing,
    ListingStatus,
    Variant,
    VariantNewPrice,
)
from listings.services import MarketPrice, listing_create, variant_search_text_refresh
from marketplace.markets import MARKETS, markets_reachable_from
from refurbishers.models import Refurbisher, RefurbisherStatus

TIME_ZONES = {
    "US": "America/New_York",
    "FR": "Europe/Paris",
    "BE": "Europe/Brussels",
    "DE": "Europe/Berlin",
    "IT": "Europe/Rome",
    "ES": "Europe/Madrid",
}


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    kind = DeviceKind.PHONE


class BrandFactory(DjangoModelFactory):
    class Meta:
        model = Brand
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")


class DeviceModelFactory(DjangoModelFactory):
    class Meta:
        model = DeviceModel

    category = factory.SubFactory(CategoryFactory)
    brand = factory.SubFactory(BrandFactory)
    name = factory.Sequence(lambda n: f"Model {n}")
    slug = factory.Sequence(lambda n: f"model-{n}")
    release_year = 2022
    specs = factory.LazyFunction(lambda: {"Screen": "6.1-inch OLED"})


class VariantFactory(DjangoModelFactory):
    """A variant whose search words are built, as the catalog services do."""

    class Meta:
        model = Variant
        skip_postgeneration_save = True

    device_model = factory.SubFactory(DeviceModelFactory)
    storage_gb = 128
    colour = factory.Sequence(lambda n: f"Colour {n}")
    colour_hex = "#333333"
    connectivity = ""

    @factory.post_generation
    def refresh_search_text(obj: Variant, create: bool, extracted, **kwargs) -> None:
        if create:
            variant_search_text_refresh(variant_ids=[obj.pk])
            obj.refresh_from_db(fields=["search_text"])


class VariantNewPriceFactory(DjangoModelFactory):
    class Meta:
        model = VariantNewPrice

    variant = factory.SubFactory(VariantFactory)
    market = "FR"
    amount = Decimal("999.00")
    currency = factory.LazyAttribute(lambda price: MARKETS[price.market].currency)


class RefurbisherFactory(DjangoModelFactory):
    """An active refurbisher in France shipping to its whole trade zone."""

    class Meta:
        model = Refurbisher

    name = factory.Sequence(lambda n: f"Refurbisher {n}")
    slug = factory.Sequence(lambda n: f"refurbisher-{n}")
    country = "FR"
    time_zone = factory.LazyAttribute(
        lambda refurbisher: TIME_ZONES.get(refurbisher.country, "Europe/Paris")
    )
    status = RefurbisherStatus.ACTIVE
    ships_to = factory.LazyAttribute(
        lambda refurbisher: markets_reachable_from(refurbisher.country)
    )
    dispatch_days = 1


DEFAULT_PRICES = {"USD": Decimal("499.00"), "EUR": Decimal("459.00")}
_sku_counter = iter(range(1, 10**9))


def make_listing(
    *,
    refurbisher: Refurbisher | None = None,
    variant: Variant | None = None,
    sku: str | None = None,
    grade: str = Grade.EXCELLENT,
    battery_min_pct: int = 85,
    stock: int = 5,
    warranty_months: int = 12,
    prices: Mapping[str, MarketPrice | Decimal | str] | None = None,
    markets: Iterable[str] | None = None,
    dispatch_days: int | None = None,
    status: str = ListingStatus.ACTIVE,
) -> Listing:
    """Create a listing through ``listing_create`` with sensible defaults.

    Without ``prices``, the listing is priced in ``markets`` (default: every
    market the refurbisher ships to) at a default price in each currency.
    A price may be a ``MarketPrice``, a ``Decimal`` or a string.
    """
    refurbisher = refurbisher or RefurbisherFactory()
    variant = variant or VariantFactory()
    if prices is None:
        codes = refurbisher.ships_to if markets is None else markets
        prices = {code: DEFAULT_PRICES[MARKETS[code].currency] for code in codes}
    return listing_create(
        refurbisher=refurbisher,
        variant=variant,
        sku=sku or f"SKU-{next(_sku_counter):06d}",
        grade=grade,
        battery_min_pct=battery_min_pct,
        stock=stock,
        warranty_months=warranty_months,
        prices={code: _market_price(price) for code, price in prices.items()},
        dispatch_days=dispatch_days,
        status=status,
    )


def _market_price(price: MarketPrice | Decimal | str) -> MarketPrice:
    if isinstance(price, MarketPrice):
        return price
    return MarketPrice(amount=Decimal(price))
