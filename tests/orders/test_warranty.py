"""Warranties: one per delivered unit, at least the market minimum, a certificate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from orders.models import Carrier, OrderLine, Warranty
from orders.services.fulfilment import (
    seller_order_accept,
    seller_order_deliver,
    seller_order_ship,
)
from orders.services.warranty import months_add, warranty_months_for
from tests.support.order_builders import IMEI, paid_seller_order, serials_for
from tests.support.shopping import shopper

UTC = dt.UTC


def at(year: int, month: int, day: int, hour: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (at(2025, 8, 31, 10), 6, at(2026, 2, 28, 10)),
        (at(2023, 8, 31, 10), 6, at(2024, 2, 29, 10)),
        (at(2025, 1, 31, 0), 1, at(2025, 2, 28, 0)),
        (at(2025, 3, 31, 0), 6, at(2025, 9, 30, 0)),
        (at(2025, 5, 15, 9), 12, at(2026, 5, 15, 9)),
        (at(2025, 11, 30, 9), 18, at(2027, 5, 30, 9)),
        (at(2024, 2, 29, 9), 24, at(2026, 2, 28, 9)),
    ],
)  # fmt: skip
def test_months_are_added_on_the_calendar_with_the_day_clamped(start, months, end):
    assert months_add(start, months) == end


@pytest.mark.parametrize(
    ("listing_months", "market", "months"),
    [(6, "FR", 12), (12, "FR", 12), (18, "FR", 18), (6, "US", 6), (24, "US", 24),
     (6, "DE", 12)],
)  # fmt: skip
def test_a_warranty_lasts_the_listings_months_never_less_than_the_market_minimum(
    listing_months, market, months
):
    line = OrderLine(warranty_months=listing_months)
    assert warranty_months_for(line=line, market=market) == months


def _delivered(quantity: int = 1, **listing):
    seller_order = paid_seller_order(quantity=quantity, **listing)
    seller_order_accept(seller_order=seller_order, actor=None)
    serials = [IMEI, "SERIAL0002", "SERIAL0003"][:quantity]
    seller_order_ship(
        seller_order=seller_order, actor=None, carrier=Carrier.DHL,
        tracking_number="1234567890", serials=serials_for(seller_order, *serials),
    )  # fmt: skip
    seller_order_deliver(seller_order=seller_order, actor=None, by="shopper")
    seller_order.refresh_from_db()
    return seller_order


@pytest.mark.django_db
class TestWarrantyRecords:
    def test_each_delivered_unit_gets_a_warranty_from_delivery(self):
        seller_order = _delivered(quantity=2, warranty_months=18)
        warranties = list(Warranty.objects.select_related("unit").order_by("pk"))
        assert [w.unit.serial for w in warranties] == [IMEI, "SERIAL0002"]
        for warranty in warranties:
            assert warranty.starts_at == seller_order.delivered_at
            assert warranty.months == 18
            assert warranty.ends_at == months_add(warranty.starts_at, 18)
        assert len({w.certificate_token for w in warranties}) == 2
        assert all(len(w.certificate_token) >= 40 for w in warranties)

    def test_a_french_sale_is_covered_12_months_even_if_its_line_says_6(self):
        seller_order = paid_seller_order()
        OrderLine.objects.filter(seller_order=seller_order).update(warranty_months=6)
        seller_order_accept(seller_order=seller_order, actor=None)
        seller_order_ship(
            seller_order=seller_order, actor=None, carrier=Carrier.DHL,
            tracking_number="1234567890", serials=serials_for(seller_order, IMEI),
        )  # fmt: skip
        seller_order_deliver(seller_order=seller_order, actor=None, by="auto")
        assert Warranty.objects.get().months == 12

    def test_delivered_on_31_august_the_end_date_follows_the_calendar(
        self, monkeypatch
    ):
        moment = dt.datetime(2025, 8, 31, 12, 0, tzinfo=UTC)
        seller_order = paid_seller_order()
        seller_order_accept(seller_order=seller_order, actor=None)
        seller_order_ship(
            seller_order=seller_order, actor=None, carrier=Carrier.DHL,
            tracking_number="1234567890", serials=serials_for(seller_order, IMEI),
        )  # fmt: skip
        monkeypatch.setattr(timezone, "now", lambda: moment)
        seller_order_deliver(seller_order=seller_order, actor=None, by="shopper")
        warranty = Warranty.objects.get()
        # France's 12-month minimum: 31 August 2025 + 12 months.
        assert warranty.ends_at == dt.datetime(2026, 8, 31, 12, 0, tzinfo=UTC)
        assert months_add(moment, 6) == dt.datetime(2026, 2, 28, 12, 0, tzinfo=UTC)


@pytest.mark.django_db
class TestCertificate:
    def test_the_certificate_names_device_serial_seller_buyer_dates_coverage(self):
        seller_order = _delivered(warranty_months=18)
        warranty = Warranty.objects.get()
        response = shopper().get(f"/warranty/{warranty.certificate_token}/")
        assert response.status_code == 200
        page = response.content.decode()
        line = seller_order.lines.get()
        assert line.title in page and IMEI in page
        assert seller_order.refurbisher.name in page
        assert "Camille Martin" in page
        assert f"{warranty.starts_at:%-d %B %Y}" in page
        assert f"{warranty.ends_at:%-d %B %Y}" in page
        assert "Liquid damage" in page and "Accidental damage" in page
        # Printable without the site's chrome, from a stylesheet (the CSP
        # allows no inline <style>).
        assert "css/warranty-certificate.css" in page
        printable = finders.find("css/warranty-certificate.css")
        css = Path(printable).read_text()
        assert "@media print" in css and ".site-header" in css

    def test_an_unknown_token_is_a_404(self, db):
        assert shopper().get("/warranty/not-a-token/").status_code == 404
        assert shopper().get("/warranty/" + "x" * 80 + "/").status_code == 404
