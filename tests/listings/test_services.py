"""Listing services: the market rules on creation, and offers kept in step."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction

from listings.exceptions import ListingError
from listings.models import Listing, ListingStatus, Offer
from listings.services import (
    MarketPrice,
    catalog_version,
    listing_status_set,
    listing_stock_set,
    offers_refresh,
)
from refurbishers.models import Refurbisher, RefurbisherStatus
from refurbishers.services import refurbisher_reinstate, refurbisher_suspend
from tests.support.factories import RefurbisherFactory, VariantFactory, make_listing

pytestmark = pytest.mark.django_db

# The rank score is the ranking's (quality.services.ranking), not a copy.
COPIED_FIELDS = ["grade", "battery_min_pct", "warranty_months"]


def _nothing_written() -> bool:
    return not Listing.objects.exists() and not Offer.objects.exists()


def _purchasable(listing: Listing) -> dict[str, bool]:
    return dict(
        Offer.objects.filter(listing=listing).values_list("market", "is_purchasable")
    )


# --- listing_create: market rules --------------------------------------------


def test_a_us_refurbisher_cannot_price_a_listing_for_france():
    refurbisher = RefurbisherFactory(country="US", name="Brooklyn Refurb")

    with pytest.raises(ListingError) as refusal:
        make_listing(refurbisher=refurbisher, prices={"FR": "400"})

    assert refusal.value.message == "Brooklyn Refurb does not ship to France."
    assert refusal.value.field == "prices"
    assert _nothing_written()


def test_a_french_refurbisher_cannot_price_a_listing_for_the_us():
    refurbisher = RefurbisherFactory(country="FR", name="Atelier Lyon")

    with pytest.raises(ListingError, match="Atelier Lyon does not ship to United"):
        make_listing(refurbisher=refurbisher, prices={"US": "400"})

    assert _nothing_written()


def test_a_refurbisher_cannot_price_a_market_it_chose_not_to_ship_to():
    refurbisher = RefurbisherFactory(country="FR", ships_to=["FR", "BE"])

    with pytest.raises(ListingError, match="does not ship to Germany"):
        make_listing(refurbisher=refurbisher, prices={"FR": "400", "DE": "410"})

    assert _nothing_written()


def test_a_us_refurbisher_that_lists_an_eu_market_still_cannot_sell_there():
    """ships_to outside the trade zone does not open a market."""
    refurbisher = RefurbisherFactory(country="US", ships_to=["US", "FR"])

    with pytest.raises(ListingError, match="does not ship to France"):
        make_listing(refurbisher=refurbisher, prices={"US": "400", "FR": "380"})

    assert _nothing_written()


def test_one_refused_market_refuses_the_whole_listing():
    refurbisher = RefurbisherFactory(country="FR")

    with pytest.raises(ListingError):
        make_listing(refurbisher=refurbisher, prices={"FR": "400", "US": "420"})

    assert _nothing_written()


def test_a_market_code_that_is_not_a_market_is_refused():
    with pytest.raises(ListingError, match="GB is not a ReMarket market") as refusal:
        make_listing(prices={"GB": "400"})

    assert refusal.value.field == "prices"
    assert _nothing_written()


def test_a_listing_needs_a_price_in_at_least_one_market():
    with pytest.raises(ListingError, match="at least one market"):
        make_listing(prices={})

    assert _nothing_written()


@pytest.mark.parametrize("price", ["0", "-5"])
def test_a_price_must_be_above_zero(price):
    with pytest.raises(ListingError, match="must be above zero"):
        make_listing(prices={"FR": price})

    assert _nothing_written()


def test_shipping_cannot_be_negative():
    with pytest.raises(ListingError, match="must be above zero"):
        make_listing(prices={"FR": MarketPrice(Decimal("400"), shipping=Decimal("-1"))})

    assert _nothing_written()


@pytest.mark.parametrize("months", [6, 11])
def test_a_warranty_below_the_market_minimum_is_refused(months):
    with pytest.raises(ListingError) as refusal:
        make_listing(warranty_months=months, prices={"DE": "400"})

    assert refusal.value.message == (
        "Germany requires a warranty of at least 12 months."
    )
    assert refusal.value.field == "warranty_months"
    assert _nothing_written()


def test_a_six_month_warranty_is_enough_in_the_us():
    listing = make_listing(
        refurbisher=RefurbisherFactory(country="US"),
        warranty_months=6,
        prices={"US": "400"},
    )

    assert listing.warranty_months == 6
    assert Offer.objects.get(listing=listing).warranty_months == 6


def test_negative_stock_is_refused():
    with pytest.raises(ListingError, match="Stock cannot be negative") as refusal:
        make_listing(stock=-1)

    assert refusal.value.field == "stock"
    assert _nothing_written()


def test_an_unknown_grade_is_refused():
    with pytest.raises(ListingError, match="is not a grade") as refusal:
        make_listing(grade="D")

    assert refusal.value.field == "grade"
    assert _nothing_written()


def test_a_refurbisher_cannot_reuse_one_of_its_skus():
    listing = make_listing(sku="IPH13-A")

    with pytest.raises(ListingError, match="already have a listing with SKU IPH13-A"):
        make_listing(refurbisher=listing.refurbisher, sku="IPH13-A")

    assert Listing.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sku": "   "}, "sku"),
        ({"sku": "X" * 65}, "sku"),
        ({"battery_min_pct": 79}, "battery_min_pct"),
        ({"battery_min_pct": 101}, "battery_min_pct"),
        ({"dispatch_days": -1}, "dispatch_days"),
        ({"dispatch_days": 31}, "dispatch_days"),
        ({"status": "sold"}, "status"),
    ],
)
def test_out_of_range_listing_fields_are_refused_with_the_field_named(changes, field):
    with pytest.raises(ListingError) as refusal:
        make_listing(**changes)
    assert refusal.value.field == field
    assert not Listing.objects.exists()


def _sessions_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_creates_of_one_sku_write_exactly_one_listing():
    """The second create cannot see the first's uncommitted row; the database
    still keeps the SKU unique and the loser writes nothing."""
    refurbisher, variant = RefurbisherFactory(), VariantFactory()
    first_written, release_first = threading.Event(), threading.Event()
    outcome: dict[str, BaseException] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                make_listing(refurbisher=refurbisher, variant=variant, sku="RACE-1")
                first_written.set()
                release_first.wait(10)
        except BaseException as exc:
            outcome["first"] = exc
        finally:
            connection.close()

    def second() -> None:
        first_written.wait(10)
        try:
            make_listing(refurbisher=refurbisher, variant=variant, sku="RACE-1")
        except BaseException as exc:
            outcome["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while _sessions_waiting_for_a_lock() == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    release_first.set()
    for thread in threads:
        thread.join(15)

    assert "first" not in outcome
    # The loser gets the same clear message as a sequential duplicate, not a 500.
    assert isinstance(outcome.get("second"), ListingError)
    assert outcome["second"].field == "sku"
    listing = Listing.objects.get(refurbisher=refurbisher, sku="RACE-1")
    assert Offer.objects.count() == Offer.objects.filter(listing=listing).count() == 5


# --- listing_create: what it writes ------------------------------------------


def test_a_listing_has_one_offer_per_priced_market_in_its_currency():
    refurbisher = RefurbisherFactory(country="FR", dispatch_days=2)

    listing = make_listing(
        refurbisher=refurbisher,
        prices={
            "FR": MarketPrice(Decimal("399.00")),
            "DE": MarketPrice(Decimal("409.50"), shipping=Decimal("9.90")),
            "IT": "405",
        },
    )

    offers = {offer.market: offer for offer in Offer.objects.filter(listing=listing)}
    assert set(offers) == {"FR", "DE", "IT"}
    assert {o.currency for o in offers.values()} == {"EUR"}
    assert offers["FR"].price_amount == Decimal("399.00")
    assert offers["FR"].shipping_amount == Decimal("0")
    assert offers["DE"].price_amount == Decimal("409.50")
    assert offers["DE"].shipping_amount == Decimal("9.90")
    assert offers["IT"].price_amount == Decimal("405")
    assert listing.ships_from == "FR"
    assert listing.dispatch_days == 2


def test_a_us_listing_is_priced_in_dollars():
    listing = make_listing(
        refurbisher=RefurbisherFactory(country="US"), prices={"US": "499.99"}
    )

    offer = Offer.objects.get(listing=listing)
    assert (offer.market, offer.currency, offer.price_amount) == (
        "US",
        "USD",
        Decimal("499.99"),
    )


def test_offers_carry_the_listing_s_catalog_keys_and_quality():
    variant = VariantFactory()
    listing = make_listing(
        variant=variant, grade="B", battery_min_pct=92, warranty_months=24
    )

    offers = list(Offer.objects.filter(listing=listing))
    assert len(offers) == len(listing.refurbisher.ships_to) == 5
    for offer in offers:
        assert offer.refurbisher_id == listing.refurbisher_id
        assert offer.variant_id == variant.pk
        assert offer.device_model_id == variant.device_model_id
        assert offer.category_id == variant.device_model.category_id
        assert offer.brand_id == variant.device_model.brand_id
        for field in COPIED_FIELDS:
            assert getattr(offer, field) == getattr(listing, field), field
        assert offer.is_purchasable is True


def test_offers_refresh_copies_changed_listing_facts_onto_its_offers():
    listing = make_listing(grade="A", battery_min_pct=85, warranty_months=12)
    Listing.objects.filter(pk=listing.pk).update(
        grade="C", battery_min_pct=95, warranty_months=36
    )

    assert offers_refresh(listing_ids=[listing.pk]) == 5

    listing.refresh_from_db()
    for offer in Offer.objects.filter(listing=listing):
        for field in COPIED_FIELDS:
            assert getattr(offer, field) == getattr(listing, field), field


def test_offers_refresh_touches_only_the_listings_it_is_given():
    listing, other = make_listing(), make_listing()
    Listing.objects.filter(pk__in=[listing.pk, other.pk]).update(grade="C")

    offers_refresh(listing_ids=[listing.pk])

    assert {o.grade for o in Offer.objects.filter(listing=listing)} == {"C"}
    assert {o.grade for o in Offer.objects.filter(listing=other)} == {"A"}


def test_a_draft_listing_s_offers_are_not_purchasable():
    listing = make_listing(status=ListingStatus.DRAFT)

    assert set(_purchasable(listing).values()) == {False}


# --- purchasable offers ------------------------------------------------------


def test_an_offer_with_no_stock_cannot_be_bought_until_restocked():
    listing = make_listing(stock=1, markets=["FR", "DE"])

    listing_stock_set(listing=listing, stock=0)
    assert _purchasable(listing) == {"FR": False, "DE": False}

    listing_stock_set(listing=listing, stock=3)
    assert _purchasable(listing) == {"FR": True, "DE": True}


def test_a_paused_listing_cannot_be_bought_until_resumed():
    listing = make_listing(markets=["FR", "BE"])

    listing_status_set(listing=listing, status=ListingStatus.PAUSED)
    assert _purchasable(listing) == {"FR": False, "BE": False}

    listing_status_set(listing=listing, status=ListingStatus.ACTIVE)
    assert _purchasable(listing) == {"FR": True, "BE": True}


def test_an_archived_listing_cannot_be_bought():
    listing = make_listing(markets=["FR"])

    listing_status_set(listing=listing, status=ListingStatus.ARCHIVED)

    assert _purchasable(listing) == {"FR": False}


def test_an_unknown_listing_status_is_refused():
    listing = make_listing(markets=["FR"])

    with pytest.raises(ListingError, match="is not a listing status"):
        listing_status_set(listing=listing, status="sold")

    listing.refresh_from_db()
    assert listing.status == ListingStatus.ACTIVE


def test_setting_negative_stock_is_refused():
    listing = make_listing(stock=2, markets=["FR"])

    with pytest.raises(ListingError, match="Stock cannot be negative"):
        listing_stock_set(listing=listing, stock=-1)

    listing.refresh_from_db()
    assert listing.stock == 2


def test_a_suspended_refurbisher_s_offers_cannot_be_bought_until_reinstated():
    refurbisher = RefurbisherFactory()
    first = make_listing(refurbisher=refurbisher, markets=["FR"])
    second = make_listing(refurbisher=refurbisher, markets=["DE"])
    bystander = make_listing(markets=["FR"])

    refurbisher_suspend(refurbisher=refurbisher, actor=None, reason="Test")
    assert _purchasable(first) == {"FR": False}
    assert _purchasable(second) == {"DE": False}
    assert _purchasable(bystander) == {"FR": True}

    refurbisher_reinstate(refurbisher=refurbisher, actor=None, reason="Test")
    assert _purchasable(first) == {"FR": True}
    assert _purchasable(second) == {"DE": True}


@pytest.mark.parametrize(
    ("status", "selling"),
    [
        (RefurbisherStatus.TRIAL, True),
        (RefurbisherStatus.ACTIVE, True),
        (RefurbisherStatus.DRAFT, False),
        (RefurbisherStatus.SUBMITTED, False),
        (RefurbisherStatus.IN_REVIEW, False),
        (RefurbisherStatus.CHANGES_REQUESTED, False),
        (RefurbisherStatus.REJECTED, False),
        (RefurbisherStatus.SUSPENDED, False),
    ],
)
def test_only_a_refurbisher_on_trial_or_active_has_purchasable_offers(status, selling):
    listing = make_listing(
        refurbisher=RefurbisherFactory(status=status), markets=["FR"]
    )

    assert _purchasable(listing) == {"FR": selling}


def test_an_offer_in_a_market_no_longer_shipped_to_cannot_be_bought():
    listing = make_listing(markets=["FR", "DE"])
    refurbisher = listing.refurbisher

    # No service changes ships_to yet; the refresh is what such a service
    # must call.
    Refurbisher.objects.filter(pk=refurbisher.pk).update(ships_to=["FR"])
    offers_refresh(refurbisher_ids=[refurbisher.pk])
    assert _purchasable(listing) == {"FR": True, "DE": False}

    Refurbisher.objects.filter(pk=refurbisher.pk).update(ships_to=["FR", "DE"])
    offers_refresh(refurbisher_ids=[refurbisher.pk])
    assert _purchasable(listing) == {"FR": True, "DE": True}


# --- catalog version ---------------------------------------------------------


def test_a_listing_write_changes_the_catalog_version_only_once_committed(
    django_capture_on_commit_callbacks,
):
    before = catalog_version()

    with django_capture_on_commit_callbacks() as callbacks:
        make_listing()
        assert catalog_version() == before

    for callback in callbacks:
        callback()
    assert catalog_version() > before


@pytest.mark.django_db(transaction=True)
def test_a_committed_listing_write_gives_a_new_catalog_version():
    listing = make_listing(stock=2)
    before = catalog_version()

    listing_stock_set(listing=listing, stock=1)

    assert catalog_version() > before


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_listing_write_keeps_the_catalog_version():
    listing = make_listing(stock=2)
    before = catalog_version()

    with pytest.raises(RuntimeError), transaction.atomic():
        listing_stock_set(listing=listing, stock=0)
        raise RuntimeError("the enclosing work failed")

    assert catalog_version() == before
    listing.refresh_from_db()
    assert listing.stock == 2


def test_the_catalog_version_starts_at_one_on_an_empty_cache():
    assert catalog_version() == 1
    assert catalog_version() == 1


def test_a_refresh_that_changes_nothing_writes_nothing_and_keeps_the_page_cache(
    django_capture_on_commit_callbacks,
):
    """Trial caps are refreshed every minute: that must not empty the page cache."""
    listing = make_listing(markets=["FR"])
    version = catalog_version()
    with django_capture_on_commit_callbacks(execute=True):
        assert offers_refresh(listing_ids=[listing.pk]) == 0
    assert catalog_version() == version
    with django_capture_on_commit_callbacks(execute=True):
        Listing.objects.filter(pk=listing.pk).update(stock=0)
        assert offers_refresh(listing_ids=[listing.pk]) == 1
    assert catalog_version() == version + 1
