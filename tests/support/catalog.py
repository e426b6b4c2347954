"""A small, fully known catalog for search and device page tests.

Built through the listing services, so offers carry the same copies and
purchasable flags the shop sees in production.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from listings.models import Brand, Category, DeviceModel, Variant, VariantNewPrice
from listings.services import MarketPrice, listing_create, variant_search_text_refresh
from marketplace.markets import MARKETS
from refurbishers.models import Refurbisher


@dataclass
class Catalog:
    categories: dict[str, Category] = field(default_factory=dict)
    brands: dict[str, Brand] = field(default_factory=dict)
    models: dict[str, DeviceModel] = field(default_factory=dict)
    variants: dict[str, Variant] = field(default_factory=dict)
    sellers: dict[str, Refurbisher] = field(default_factory=dict)
    listings: dict[str, object] = field(default_factory=dict)


def _model(cat: Catalog, key, category, brand, name, year) -> DeviceModel:
    model = DeviceModel.objects.create(
        category=cat.categories[category], brand=cat.brands[brand], name=name,
        slug=key, release_year=year, specs={"Screen": "6.1-inch"},
    )  # fmt: skip
    cat.models[key] = model
    return model


def _variant(cat: Catalog, key, model, storage, colour, hex_, new_eur, new_usd):
    variant = Variant.objects.create(
        device_model=cat.models[model], storage_gb=storage, colour=colour,
        colour_hex=hex_, connectivity="unlocked" if storage else "",
    )  # fmt: skip
    for code, market in MARKETS.items():
        VariantNewPrice.objects.create(
            variant=variant, market=code, currency=market.currency,
            amount=Decimal(new_usd if code == "US" else new_eur),
        )  # fmt: skip
    cat.variants[key] = variant
    return variant


def _seller(cat: Catalog, key, country, ships_to, rating, status="active"):
    seller = Refurbisher.objects.create(
        name=key.title() + " Refurb", slug=key, country=country,
        time_zone="America/New_York" if country == "US" else "Europe/Paris",
        ships_to=ships_to, status=status, rating_average=Decimal(rating),
        rating_count=40,
    )  # fmt: skip
    cat.sellers[key] = seller
    return seller


def build_catalog() -> Catalog:
    cat = Catalog()
    for position, (slug, name, kind) in enumerate(
        [("smartphones", "Smartphones", "phone"), ("laptops", "Laptops", "laptop")]
    ):
        cat.categories[slug] = Category.objects.create(
            slug=slug, name=name, kind=kind, position=position
        )
    for slug, name in [("apple", "Apple"), ("samsung", "Samsung")]:
        cat.brands[slug] = Brand.objects.create(slug=slug, name=name)
    _model(cat, "iphone-13", "smartphones", "apple", "iPhone 13", 2021)
    _model(cat, "iphone-13-pro", "smartphones", "apple", "iPhone 13 Pro", 2021)
    _model(cat, "galaxy-s21", "smartphones", "samsung", "Galaxy S21", 2021)
    _model(cat, "galaxy-s22", "smartphones", "samsung", "Galaxy S22", 2022)
    _model(cat, "galaxy-s23", "smartphones", "samsung", "Galaxy S23", 2023)
    _model(cat, "macbook-air-m1", "laptops", "apple", "MacBook Air M1", 2020)
    _variant(cat, "ip13-128-mid", "iphone-13", 128, "Midnight", "#1d2330", 909, 799)
    _variant(cat, "ip13-256-mid", "iphone-13", 256, "Midnight", "#1d2330", 1029, 899)
    _variant(cat, "ip13-128-pink", "iphone-13", 128, "Pink", "#f4cfd3", 909, 799)
    _variant(
        cat,
        "ip13p-256-blue",
        "iphone-13-pro",
        256,
        "Sierra Blue",
        "#9bb5ce",
        1279,
        1099,
    )
    _variant(
        cat, "s21-128-grey", "galaxy-s21", 128, "Phantom Grey", "#4a4a4a", 859, 799
    )
    _variant(cat, "s22-128-green", "galaxy-s22", 128, "Green", "#2f4f3f", 859, 799)
    _variant(cat, "s23-256-cream", "galaxy-s23", 256, "Cream", "#efe7d6", 1019, 899)
    _variant(cat, "mba-256-gold", "macbook-air-m1", 256, "Gold", "#e3c9a6", 1199, 999)
    variant_search_text_refresh()

    _seller(cat, "lyon", "FR", ["FR", "BE"], "4.80")
    _seller(cat, "berlin", "DE", ["DE", "FR", "IT"], "4.20")
    _seller(cat, "texas", "US", ["US"], "4.60")
    _seller(cat, "shady", "FR", ["FR"], "3.10", status="suspended")

    def listing(
        key,
        seller,
        variant,
        grade,
        eur,
        *,
        stock=5,
        battery=85,
        warranty=12,
        usd=None,
        markets=None,
    ):
        seller_obj = cat.sellers[seller]
        codes = markets or seller_obj.ships_to
        prices = {
            code: MarketPrice(Decimal(usd if code == "US" else eur)) for code in codes
        }
        cat.listings[key] = listing_create(
            refurbisher=seller_obj, variant=cat.variants[variant], sku=key,
            grade=grade, battery_min_pct=battery, stock=stock,
            warranty_months=warranty, prices=prices,
        )  # fmt: skip
        return cat.listings[key]

    # iPhone 13 128 Midnight: several offers in FR across grades.
    listing("L1", "lyon", "ip13-128-mid", "A", "549.00", battery=90, warranty=24)
    listing("L2", "berlin", "ip13-128-mid", "A", "529.00")
    listing("L3", "lyon", "ip13-128-mid", "B", "489.00")
    listing("L4", "berlin", "ip13-128-mid", "C", "439.00")
    listing("L5", "lyon", "ip13-256-mid", "P", "689.00", battery=95)
    listing("L6", "berlin", "ip13-128-pink", "B", "479.00")
    listing("L7", "lyon", "ip13p-256-blue", "A", "799.00")
    listing("L8", "berlin", "s21-128-grey", "B", "329.00")
    listing("L9", "berlin", "s22-128-green", "A", "409.00")
    listing("L10", "lyon", "s23-256-cream", "P", "639.00", battery=100)
    listing("L11", "lyon", "mba-256-gold", "A", "699.00")
    # Hidden from every shop page: no stock, a suspended seller.
    listing("L12", "lyon", "s21-128-grey", "A", "299.00", stock=0)
    listing("L13", "shady", "s21-128-grey", "C", "199.00")
    # US only.
    listing("L14", "texas", "ip13-128-mid", "A", "0", usd="479.00", warranty=6)
    return cat
