"""The database itself refuses listings and offers that break the rules.

These tests bypass the services on purpose (raw ``update()`` and ``create()``):
whatever a future code path forgets, PostgreSQL is the last guard. Each refusal
is matched to its constraint by name, and each rule has an allowed neighbour,
so a constraint that is too strict fails too.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from listings.models import Listing, Offer, VariantNewPrice
from refurbishers.models import Refurbisher
from tests.support.factories import (
    RefurbisherFactory,
    VariantFactory,
    VariantNewPriceFactory,
    make_listing,
)

pytestmark = pytest.mark.django_db


def refused(constraint: str):
    """Expect the database to refuse a write because of ``constraint``."""
    return pytest.raises(IntegrityError, match=constraint)


@pytest.fixture
def listing():
    return make_listing(
        refurbisher=RefurbisherFactory(country="FR"), prices={"FR": "400", "DE": "410"}
    )


@pytest.fixture
def us_listing():
    return make_listing(
        refurbisher=RefurbisherFactory(country="US"),
        prices={"US": "450"},
        warranty_months=6,
    )


def test_stock_cannot_go_below_zero(listing):
    with refused("listing_stock_not_negative"), transaction.atomic():
        Listing.objects.filter(pk=listing.pk).update(stock=-1)

    Listing.objects.filter(pk=listing.pk).update(stock=0)
    listing.refresh_from_db()
    assert listing.stock == 0


@pytest.mark.parametrize("price", ["0", "-0.01", "-100"])
def test_an_offer_price_must_be_above_zero(listing, price):
    with refused("offer_price_positive"), transaction.atomic():
        Offer.objects.filter(listing=listing, market="FR").update(
            price_amount=Decimal(price)
        )

    assert Offer.objects.get(listing=listing, market="FR").price_amount == 400


def test_the_cheapest_offer_price_is_a_cent(listing):
    Offer.objects.filter(listing=listing, market="FR").update(
        price_amount=Decimal("0.01")
    )

    assert Offer.objects.get(listing=listing, market="FR").price_amount == Decimal(
        "0.01"
    )


def test_offer_shipping_cannot_be_negative(listing):
    with refused("offer_shipping_not_negative"), transaction.atomic():
        Offer.objects.filter(listing=listing).update(shipping_amount=Decimal("-1"))


def test_an_offer_is_priced_in_its_market_s_currency(listing, us_listing):
    with refused("offer_currency_of_market"), transaction.atomic():
        Offer.objects.filter(listing=listing, market="FR").update(currency="USD")
    with refused("offer_currency_of_market"), transaction.atomic():
        Offer.objects.filter(listing=us_listing, market="US").update(currency="EUR")
    with refused("offer_currency_of_market"), transaction.atomic():
        Offer.objects.filter(listing=listing, market="DE").update(currency="eur")


def test_an_offer_in_an_eu_market_needs_a_twelve_month_warranty(listing):
    with refused("offer_warranty_market_min"), transaction.atomic():
        Offer.objects.filter(listing=listing, market="FR").update(warranty_months=6)
    with refused("offer_warranty_market_min"), transaction.atomic():
        Offer.objects.filter(listing=listing, market="DE").update(warranty_months=11)


def test_an_offer_in_the_us_may_carry_a_six_month_warranty(us_listing):
    offer = Offer.objects.get(listing=us_listing, market="US")

    assert offer.warranty_months == 6
    with refused("offer_warranty_market_min"), transaction.atomic():
        Offer.objects.filter(pk=offer.pk).update(warranty_months=5)


def test_an_offer_cannot_be_moved_to_a_market_that_is_not_one(listing):
    with refused("offer_currency_of_market"), transaction.atomic():
        Offer.objects.filter(listing=listing, market="FR").update(market="GB")


def test_a_listing_has_one_offer_per_market(listing):
    with refused("offer_one_per_market"), transaction.atomic():
        Offer.objects.filter(listing=listing, market="DE").update(market="FR")


@pytest.mark.parametrize("months", [0, 3, 5])
def test_a_listing_warranty_cannot_be_under_six_months(us_listing, months):
    with refused("listing_warranty_min"), transaction.atomic():
        Listing.objects.filter(pk=us_listing.pk).update(warranty_months=months)


@pytest.mark.parametrize("battery", [0, 50, 79, 101])
def test_a_listing_battery_is_between_80_and_100_percent(listing, battery):
    with refused("listing_battery_range"), transaction.atomic():
        Listing.objects.filter(pk=listing.pk).update(battery_min_pct=battery)


@pytest.mark.parametrize("battery", [80, 100])
def test_a_listing_battery_of_80_or_100_percent_is_allowed(listing, battery):
    Listing.objects.filter(pk=listing.pk).update(battery_min_pct=battery)

    listing.refresh_from_db()
    assert listing.battery_min_pct == battery


@pytest.mark.parametrize("grade", ["", "D", "a", "Z"])
def test_a_listing_grade_is_one_of_the_four_grades(listing, grade):
    with refused("listing_grade_valid"), transaction.atomic():
        Listing.objects.filter(pk=listing.pk).update(grade=grade)


def test_a_refurbisher_cannot_reuse_one_of_its_skus(listing):
    with refused("listing_unique_sku"), transaction.atomic():
        Listing.objects.create(
            refurbisher=listing.refurbisher,
            variant=VariantFactory(),
            sku=listing.sku,
            grade="B",
            stock=1,
            ships_from="FR",
        )

    assert Listing.objects.filter(sku=listing.sku).count() == 1


def test_another_refurbisher_may_use_the_same_sku(listing):
    other = make_listing(refurbisher=RefurbisherFactory(), sku=listing.sku)

    assert other.sku == listing.sku
    assert Listing.objects.filter(sku=listing.sku).count() == 2


@pytest.mark.parametrize("amount", ["0", "-1"])
def test_a_new_price_must_be_above_zero(amount):
    with refused("new_price_positive"), transaction.atomic():
        VariantNewPriceFactory(amount=Decimal(amount))

    assert not VariantNewPrice.objects.exists()


def test_a_variant_has_one_new_price_per_market():
    price = VariantNewPriceFactory(market="DE")

    with refused("new_price_one_per_market"), transaction.atomic():
        VariantNewPriceFactory(variant=price.variant, market="DE")


def test_a_refurbisher_is_based_in_a_market_and_ships_only_to_markets():
    with refused("refurbisher_country_is_market"), transaction.atomic():
        RefurbisherFactory(country="GB", ships_to=["FR"])
    refurbisher = RefurbisherFactory()
    with refused("refurbisher_ships_to_markets"), transaction.atomic():
        Refurbisher.objects.filter(pk=refurbisher.pk).update(ships_to=["FR", "GB"])
