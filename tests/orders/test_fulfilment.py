"""Fulfilment: accept, ship (tracking and serials), deliver, ship-by and late flag."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from orders.business_days import business_days_after
from orders.exceptions import FulfilmentRefused
from orders.models import (
    Carrier,
    OrderStatusChange,
    SellerOrder,
    SellerOrderStatus,
    ShippedUnit,
    Warranty,
)
from orders.services.fulfilment import (
    luhn_valid,
    seller_order_accept,
    seller_order_deliver,
    seller_order_ship,
    seller_orders_deliver_due,
    seller_orders_flag_late,
)
from orders.tasks import deliveries_auto_confirm, late_shipments_flag
from tests.support.factories import RefurbisherFactory
from tests.support.order_builders import (
    IMEI,
    fr_listing,
    paid_seller_order,
    serials_for,
    start,
)
from tests.support.refurbisher_builders import user_make

Status = SellerOrderStatus
PARIS = ZoneInfo("Europe/Paris")


def ship(seller_order, actor=None, *, serials=None, **kwargs) -> SellerOrder:
    fields = {"carrier": Carrier.COLISSIMO, "tracking_number": "6A12345678901"}
    fields.update(kwargs)
    return seller_order_ship(
        seller_order=seller_order,
        actor=actor,
        serials=serials or serials_for(seller_order, IMEI),
        **fields,
    )


def moves(seller_order) -> list[tuple[str, str]]:
    return list(
        OrderStatusChange.objects.filter(seller_order=seller_order)
        .order_by("pk")
        .values_list("from_status", "to_status")
    )


@pytest.fixture
def seller(db):
    return user_make(email="seller@lyon.example")


@pytest.mark.django_db
class TestMoves:
    def test_paid_accepted_shipped_delivered_each_with_an_audit_row(self, seller):
        seller_order = paid_seller_order()
        seller_order_accept(seller_order=seller_order, actor=seller)
        ship(seller_order, seller)
        seller_order_deliver(seller_order=seller_order, actor=None, by="shopper")

        seller_order.refresh_from_db()
        assert seller_order.status == Status.DELIVERED
        assert seller_order.accepted_at and seller_order.shipped_at
        assert seller_order.delivered_at
        assert moves(seller_order) == [
            ("pending_payment", "paid"),
            ("paid", "accepted"),
            ("accepted", "shipped"),
            ("shipped", "delivered"),
        ]
        rows = OrderStatusChange.objects.filter(seller_order=seller_order)
        accepted = rows.get(to_status="accepted")
        assert accepted.actor == seller and accepted.order_id == seller_order.order_id
        shipped = rows.get(to_status="shipped")
        assert shipped.actor == seller
        assert shipped.reason == "Shipped with Colissimo, tracking 6A12345678901"
        delivered = rows.get(to_status="delivered")
        assert delivered.reason == "Delivery confirmed by the shopper"

    @pytest.mark.parametrize(
        ("by", "reason"),
        [
            ("carrier", "Delivered, according to the carrier"),
            ("auto", "Delivered automatically 14 days after shipping"),
        ],
    )
    def test_the_carrier_or_the_clock_may_confirm_a_delivery(self, seller, by, reason):
        seller_order = paid_seller_order()
        seller_order_accept(seller_order=seller_order, actor=seller)
        ship(seller_order, seller)
        seller_order_deliver(seller_order=seller_order, actor=None, by=by)
        change = OrderStatusChange.objects.get(
            seller_order=seller_order, to_status="delivered"
        )
        assert change.reason == reason
        seller_order.refresh_from_db()
        assert seller_order.delivered_by == by

    def test_the_seller_is_not_a_way_of_confirming_a_delivery(self, seller):
        seller_order = paid_seller_order()
        seller_order_accept(seller_order=seller_order, actor=seller)
        ship(seller_order, seller)
        with pytest.raises(FulfilmentRefused, match="not a way of confirming"):
            seller_order_deliver(seller_order=seller_order, actor=seller, by="seller")
        seller_order.refresh_from_db()
        assert seller_order.status == Status.SHIPPED

    def test_shipping_before_accepting_is_refused_and_writes_nothing(self, seller):
        seller_order = paid_seller_order()
        with pytest.raises(FulfilmentRefused, match="paid: it cannot be shipped"):
            ship(seller_order, seller)
        seller_order.refresh_from_db()
        assert seller_order.status == Status.PAID
        assert not ShippedUnit.objects.exists()
        assert moves(seller_order) == [("pending_payment", "paid")]

    def test_delivering_before_shipping_is_refused(self, seller):
        seller_order = paid_seller_order()
        with pytest.raises(FulfilmentRefused, match="cannot be delivered"):
            seller_order_deliver(seller_order=seller_order, actor=None, by="shopper")
        seller_order_accept(seller_order=seller_order, actor=seller)
        with pytest.raises(FulfilmentRefused, match="accepted: it cannot be delivered"):
            seller_order_deliver(seller_order=seller_order, actor=None, by="shopper")

    def test_nothing_moves_twice(self, seller):
        seller_order = paid_seller_order()
        seller_order_accept(seller_order=seller_order, actor=seller)
        with pytest.raises(FulfilmentRefused, match="accepted: it cannot be accepted"):
            seller_order_accept(seller_order=seller_order, actor=seller)
        ship(seller_order, seller)
        with pytest.raises(FulfilmentRefused, match="shipped: it cannot be shipped"):
            ship(seller_order, seller, serials=serials_for(seller_order, "ABC123456"))
        with pytest.raises(FulfilmentRefused, match="shipped: it cannot be accepted"):
            seller_order_accept(seller_order=seller_order, actor=seller)
        seller_order_deliver(seller_order=seller_order, actor=None, by="auto")
        with pytest.raises(FulfilmentRefused, match="delivered: it cannot be"):
            seller_order_deliver(seller_order=seller_order, actor=None, by="shopper")
        assert len(moves(seller_order)) == 4
        assert Warranty.objects.count() == 1

    def test_an_unpaid_seller_order_cannot_be_accepted(self, seller):
        order = start((fr_listing(), 1))
        with pytest.raises(FulfilmentRefused, match="waiting for payment: it cannot"):
            seller_order_accept(seller_order=order.seller_orders.get(), actor=seller)

    def test_an_unknown_way_of_delivering_is_refused(self, seller):
        seller_order = paid_seller_order()
        with pytest.raises(FulfilmentRefused):
            seller_order_deliver(seller_order=seller_order, actor=None, by="courier")


def _accepted(**kwargs) -> SellerOrder:
    seller_order = paid_seller_order(**kwargs)
    seller_order_accept(seller_order=seller_order, actor=None)
    return seller_order


VALID_TRACKING = [
    (Carrier.UPS, "1Z999AA10123456784"),
    (Carrier.USPS, "9400111899223197428490"),
    (Carrier.USPS, "92055901755477000000"),
    (Carrier.USPS, "EA123456785US"),
    (Carrier.FEDEX, "123456789012"),
    (Carrier.FEDEX, "123456789012345"),
    (Carrier.FEDEX, "12345678901234567890"),
    (Carrier.COLISSIMO, "6A12345678901"),
    (Carrier.COLISSIMO, "CB123456789FR"),
    (Carrier.DHL, "1234567890"),
    (Carrier.CHRONOPOST, "XY123456789FR"),
    (Carrier.DPD, "01234567890123"),
    (Carrier.GLS, "ABC123"),
]
INVALID_TRACKING = [
    (Carrier.UPS, "1Z999AA1012345678", "UPS"),  # 15 after 1Z
    (Carrier.UPS, "2Z999AA10123456784", "UPS"),
    (Carrier.USPS, "1234567890123456789", "USPS"),  # 19 digits
    (Carrier.USPS, "EA123456785FR", "USPS"),
    (Carrier.FEDEX, "1234567890123", "FedEx"),  # 13 digits
    (Carrier.COLISSIMO, "CB12345678FR", "Colissimo"),
    (Carrier.DHL, "123456789", "DHL"),
    (Carrier.DHL, "JD0140000123", "DHL"),
    (Carrier.CHRONOPOST, "6A12345678901", "Chronopost"),
    (Carrier.DPD, "12345", "DPD"),
    (Carrier.BPOST, "ABC 12345 ?", "bpost"),
]


@pytest.mark.django_db
class TestTracking:
    @pytest.mark.parametrize(("carrier", "number"), VALID_TRACKING)
    def test_a_number_in_the_carriers_format_is_accepted(self, carrier, number):
        seller_order = ship(_accepted(), carrier=carrier, tracking_number=number)
        assert seller_order.tracking_number == number
        assert seller_order.carrier == carrier

    @pytest.mark.parametrize(("carrier", "number", "name"), INVALID_TRACKING)
    def test_a_number_in_another_format_is_refused_naming_the_carrier(
        self, carrier, number, name
    ):
        seller_order = _accepted()
        with pytest.raises(FulfilmentRefused) as refused:
            ship(seller_order, carrier=carrier, tracking_number=number)
        assert refused.value.field == "tracking_number"
        assert f"not a {name} tracking number" in refused.value.message
        seller_order.refresh_from_db()
        assert seller_order.status == Status.ACCEPTED
        assert not ShippedUnit.objects.exists()

    def test_spaces_and_small_letters_are_tidied(self):
        seller_order = ship(
            _accepted(), carrier=Carrier.UPS, tracking_number=" 1z 999 aa1 0123456784 "
        )
        assert seller_order.tracking_number == "1Z999AA10123456784"

    def test_other_needs_a_carrier_name_and_takes_6_to_40_characters(self):
        seller_order = _accepted()
        with pytest.raises(FulfilmentRefused) as refused:
            ship(seller_order, carrier=Carrier.OTHER, tracking_number="AB12345")
        assert refused.value.field == "carrier_name"
        with pytest.raises(FulfilmentRefused, match="not a Swift Post tracking"):
            ship(
                seller_order, carrier=Carrier.OTHER, carrier_name="Swift Post",
                tracking_number="AB1",
            )  # fmt: skip
        shipped = ship(
            seller_order, carrier=Carrier.OTHER, carrier_name="Swift Post",
            tracking_number="AB12345",
        )  # fmt: skip
        assert shipped.carrier_name == "Swift Post"

    def test_an_unknown_carrier_or_a_missing_number_is_refused(self):
        seller_order = _accepted()
        with pytest.raises(FulfilmentRefused) as refused:
            ship(seller_order, carrier="pigeon")
        assert refused.value.field == "carrier"
        with pytest.raises(FulfilmentRefused, match="Please give the UPS tracking"):
            ship(seller_order, carrier=Carrier.UPS, tracking_number="  ")


@pytest.mark.django_db
class TestSerials:
    def test_one_unit_row_per_unit_with_its_serial(self):
        seller_order = _accepted(quantity=2)
        ship(seller_order, serials=serials_for(seller_order, IMEI, "c02xk1abjg5h"))
        assert list(
            ShippedUnit.objects.order_by("pk").values_list("serial", flat=True)
        ) == [IMEI, "C02XK1ABJG5H"]

    @pytest.mark.parametrize("given", [[], [IMEI], [IMEI, "SERIAL0001", "SERIAL002"]])
    def test_exactly_one_serial_per_unit(self, given):
        seller_order = _accepted(quantity=2)
        with pytest.raises(FulfilmentRefused, match="one serial number or IMEI for"):
            ship(seller_order, serials=serials_for(seller_order, *given))
        assert not ShippedUnit.objects.exists()

    def test_a_serial_cannot_be_given_twice_in_an_order(self):
        seller_order = _accepted(quantity=2)
        with pytest.raises(FulfilmentRefused, match="given twice") as refused:
            ship(seller_order, serials=serials_for(seller_order, IMEI, IMEI))
        line = seller_order.lines.get()
        assert refused.value.field == f"serial_{line.pk}_1"

    def test_an_imei_with_a_wrong_check_digit_is_refused(self):
        seller_order = _accepted()
        with pytest.raises(FulfilmentRefused, match="not a valid IMEI"):
            ship(seller_order, serials=serials_for(seller_order, "490154203237517"))
        assert luhn_valid(IMEI) and not luhn_valid("490154203237517")

    @pytest.mark.parametrize("serial", ["", "ABC12", "ABC-123456", "A" * 65])
    def test_a_serial_is_6_to_64_letters_or_digits(self, serial):
        seller_order = _accepted()
        with pytest.raises(FulfilmentRefused):
            ship(seller_order, serials=serials_for(seller_order, serial))

    def test_serials_for_a_line_of_another_order_are_refused(self):
        seller_order = _accepted()
        other = _accepted()
        serials = {**serials_for(seller_order, IMEI), **serials_for(other, "ABC123456")}
        with pytest.raises(FulfilmentRefused, match="not in this order"):
            ship(seller_order, serials=serials)

    def test_a_saved_serial_cannot_change(self):
        seller_order = ship(_accepted())
        unit = ShippedUnit.objects.get()
        unit.serial = "SOMETHINGELSE1"
        with pytest.raises(ValueError, match="cannot change"):
            unit.save()
        assert ShippedUnit.objects.get().serial == IMEI
        with pytest.raises(FulfilmentRefused):
            ship(seller_order, serials=serials_for(seller_order, "SOMETHINGELSE1"))


@pytest.mark.django_db
class TestEmails:
    def test_shipping_emails_the_shopper_carrier_and_tracking_link(
        self, django_capture_on_commit_callbacks
    ):
        seller_order = _accepted()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            ship(
                seller_order, carrier=Carrier.UPS, tracking_number="1Z999AA10123456784"
            )
        (message,) = mail.outbox
        assert message.to == ["camille@example.com"]
        assert "has shipped" in message.subject
        assert "UPS" in message.body and "1Z999AA10123456784" in message.body
        html = message.alternatives[0][0]
        assert 'href="https://www.ups.com/track?tracknum=1Z999AA10123456784"' in html

    def test_no_tracking_link_where_the_carrier_has_none(
        self, django_capture_on_commit_callbacks
    ):
        seller_order = _accepted()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            ship(seller_order, carrier=Carrier.GLS, tracking_number="GLS123456")
        (message,) = mail.outbox
        assert "GLS123456" in message.body and "Track your parcel:" not in message.body

    def test_a_refused_shipment_sends_nothing(self, django_capture_on_commit_callbacks):
        seller_order = _accepted()
        mail.outbox.clear()
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(FulfilmentRefused),
        ):
            ship(seller_order, carrier=Carrier.DHL, tracking_number="12")
        assert mail.outbox == []

    def test_delivery_emails_the_warranty_end_and_certificate_link(
        self, django_capture_on_commit_callbacks
    ):
        seller_order = ship(_accepted(warranty_months=18))
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            seller_order_deliver(seller_order=seller_order, actor=None, by="shopper")
        (message,) = mail.outbox
        warranty = Warranty.objects.get()
        assert "delivered" in message.subject
        assert f"{warranty.ends_at:%Y}" in message.body
        assert "18 months" in message.body
        assert f"/warranty/{warranty.certificate_token}/" in message.body
        assert f"/warranty/{warranty.certificate_token}/" in message.alternatives[0][0]


@pytest.mark.django_db
class TestShipBy:
    def test_friday_17_00_in_paris_ships_by_tuesday_17_00(self):
        friday = dt.datetime(2025, 1, 10, 17, 0, tzinfo=PARIS)
        due = business_days_after(friday, days=2, time_zone="Europe/Paris")
        assert due.astimezone(PARIS) == dt.datetime(2025, 1, 14, 17, 0, tzinfo=PARIS)

    def test_a_weekday_adds_two_days_and_a_weekend_start_counts_from_monday(self):
        tuesday = dt.datetime(2025, 1, 7, 9, 30, tzinfo=PARIS)
        due = business_days_after(tuesday, days=2, time_zone="Europe/Paris")
        assert due.astimezone(PARIS) == dt.datetime(2025, 1, 9, 9, 30, tzinfo=PARIS)
        saturday = dt.datetime(2025, 1, 11, 12, 0, tzinfo=PARIS)
        due = business_days_after(saturday, days=2, time_zone="Europe/Paris")
        assert due.astimezone(PARIS) == dt.datetime(2025, 1, 14, 12, 0, tzinfo=PARIS)

    def test_the_weekend_is_the_refurbishers_not_utcs(self):
        # Friday 20:00 in New York is already Saturday in UTC.
        new_york = ZoneInfo("America/New_York")
        friday = dt.datetime(2025, 1, 10, 20, 0, tzinfo=new_york)
        due = business_days_after(friday, days=2, time_zone="America/New_York")
        assert due.astimezone(new_york) == dt.datetime(
            2025, 1, 14, 20, 0, tzinfo=new_york
        )

    def test_local_time_is_kept_across_a_summer_time_change(self):
        friday = dt.datetime(2025, 3, 28, 17, 0, tzinfo=PARIS)  # clocks go forward
        due = business_days_after(friday, days=2, time_zone="Europe/Paris")
        assert due.astimezone(PARIS).hour == 17
        assert due - friday == dt.timedelta(days=4, hours=-1)

    def test_payment_sets_ship_by_in_the_refurbishers_time_zone(self, monkeypatch):
        friday = dt.datetime(2025, 1, 10, 16, 0, tzinfo=dt.UTC)  # 17:00 in Paris
        monkeypatch.setattr(timezone, "now", lambda: friday)
        seller_order = paid_seller_order(refurbisher=RefurbisherFactory())
        assert seller_order.ship_by == dt.datetime(2025, 1, 14, 16, 0, tzinfo=dt.UTC)

    @override_settings(SHIP_BY_BUSINESS_DAYS=5)
    def test_the_number_of_days_is_a_setting(self, monkeypatch):
        friday = dt.datetime(2025, 1, 10, 16, 0, tzinfo=dt.UTC)
        monkeypatch.setattr(timezone, "now", lambda: friday)
        seller_order = paid_seller_order()
        assert seller_order.ship_by == dt.datetime(2025, 1, 17, 16, 0, tzinfo=dt.UTC)


def _overdue(seller_order, hours: int = 1) -> None:
    SellerOrder.objects.filter(pk=seller_order.pk).update(
        ship_by=timezone.now() - dt.timedelta(hours=hours)
    )


@pytest.mark.django_db
class TestLateFlag:
    def test_paid_and_accepted_orders_past_ship_by_are_flagged_once(self):
        paid, accepted, on_time = paid_seller_order(), _accepted(), _accepted()
        shipped = ship(_accepted())
        for seller_order in (paid, accepted, shipped):
            _overdue(seller_order)
        assert seller_orders_flag_late() == 2
        assert seller_orders_flag_late() == 0
        flagged = set(
            SellerOrder.objects.filter(late_shipment=True).values_list("pk", flat=True)
        )
        assert flagged == {paid.pk, accepted.pk}
        assert not SellerOrder.objects.get(pk=on_time.pk).late_shipment
        change = OrderStatusChange.objects.filter(seller_order=paid).first()
        assert (change.from_status, change.to_status) == ("paid", "paid")
        assert change.reason.startswith("Not shipped by ")
        assert "Europe/Paris" in change.reason

    def test_the_reason_names_the_deadline_in_local_time(self):
        seller_order = paid_seller_order()
        deadline = dt.datetime(2025, 1, 14, 16, 0, tzinfo=dt.UTC)
        SellerOrder.objects.filter(pk=seller_order.pk).update(ship_by=deadline)
        seller_orders_flag_late()
        change = OrderStatusChange.objects.filter(seller_order=seller_order).first()
        assert change.reason == "Not shipped by 14 Jan 2025, 17:00 (Europe/Paris)"

    def test_a_late_order_can_still_be_shipped_and_stays_flagged(self):
        seller_order = _accepted()
        _overdue(seller_order)
        seller_orders_flag_late()
        ship(seller_order)
        seller_order.refresh_from_db()
        assert seller_order.status == Status.SHIPPED and seller_order.late_shipment


@pytest.mark.django_db
class TestAutoDelivery:
    def test_orders_shipped_more_than_14_days_ago_are_delivered(self):
        old, recent = ship(_accepted()), ship(_accepted())
        SellerOrder.objects.filter(pk=old.pk).update(
            shipped_at=timezone.now() - dt.timedelta(days=14, minutes=1)
        )
        SellerOrder.objects.filter(pk=recent.pk).update(
            shipped_at=timezone.now() - dt.timedelta(days=13, hours=23)
        )
        assert seller_orders_deliver_due() == 1
        assert seller_orders_deliver_due() == 0
        old.refresh_from_db()
        recent.refresh_from_db()
        assert old.status == Status.DELIVERED and recent.status == Status.SHIPPED
        change = OrderStatusChange.objects.filter(seller_order=old).first()
        assert change.actor is None and change.reason.startswith("Delivered auto")
        assert Warranty.objects.filter(line__seller_order=old).count() == 1

    @override_settings(AUTO_DELIVERY_DAYS=3)
    def test_the_number_of_days_is_a_setting(self):
        seller_order = ship(_accepted())
        SellerOrder.objects.filter(pk=seller_order.pk).update(
            shipped_at=timezone.now() - dt.timedelta(days=3, minutes=1)
        )
        assert seller_orders_deliver_due() == 1


@pytest.mark.django_db(transaction=True)
def test_the_late_flag_task_runs_in_a_real_worker(celery_worker):
    seller_order = _accepted()
    _overdue(seller_order)
    assert late_shipments_flag.delay().get(timeout=30) == 1
    assert late_shipments_flag.delay().get(timeout=30) == 0
    seller_order.refresh_from_db()
    assert seller_order.late_shipment


@pytest.mark.django_db(transaction=True)
def test_the_auto_delivery_task_runs_in_a_real_worker(celery_worker):
    seller_order = ship(_accepted())
    SellerOrder.objects.filter(pk=seller_order.pk).update(
        shipped_at=timezone.now() - dt.timedelta(days=15)
    )
    assert deliveries_auto_confirm.delay().get(timeout=30) == 1
    assert deliveries_auto_confirm.delay().get(timeout=30) == 0
    seller_order.refresh_from_db()
    assert seller_order.status == Status.DELIVERED
    assert Warranty.objects.filter(line__seller_order=seller_order).count() == 1
