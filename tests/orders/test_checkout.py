"""Checkout reservations and payment outcomes (invariants 1, 2 and 3)."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from listings.models import Listing, Offer
from marketplace.models import EmailStatus, OutgoingEmail
from orders.exceptions import CheckoutRefused
from orders.models import (
    Order,
    OrderStatus,
    SellerOrder,
    SellerOrderStatus,
    StockReservation,
)
from orders.notifications import order_paid_notify
from orders.services.checkout import CheckoutLine, ShippingAddress, checkout_start
from orders.services.payment import (
    PaymentOutcome,
    order_payment_failed,
    order_payment_succeeded,
    orders_expire_due,
)
from refurbishers.models import SaleDay, SaleSlot
from tests.support.factories import RefurbisherFactory, VariantFactory, make_listing
from tests.support.order_builders import PARIS, fr_listing, offer_of, start
from tests.support.refurbisher_builders import trial_refurbisher_make


@pytest.mark.django_db
class TestCheckoutStart:
    def test_two_sellers_one_order_priced_on_the_server(self):
        first = fr_listing(price="400.00", shipping="9.90")
        second = fr_listing(price="250.50", shipping="0")
        order = start((first, 2), (second, 1))
        assert order.status == OrderStatus.PENDING_PAYMENT
        assert order.currency == "EUR"
        assert order.items_amount == Decimal("1050.50")
        assert order.shipping_amount == Decimal("9.90")
        assert order.total_amount == Decimal("1060.40")
        sellers = {so.refurbisher_id: so for so in order.seller_orders.all()}
        assert sellers[first.refurbisher_id].total_amount == Decimal("809.90")
        assert sellers[second.refurbisher_id].commission_rate == Decimal("0.1000")
        first.refresh_from_db()
        assert first.stock == 3
        line = sellers[first.refurbisher_id].lines.get()
        assert (line.unit_price, line.quantity, line.line_amount) == (
            Decimal("400.00"), 2, Decimal("800.00"),
        )  # fmt: skip
        assert line.warranty_months == first.warranty_months
        assert order.status_changes.get().to_status == OrderStatus.PENDING_PAYMENT

    @pytest.mark.parametrize(
        ("quantity", "stock", "message"),
        [
            (1, 0, "has just sold out"),
            (3, 2, "Only 2 of"),
            (11, 20, "1 to 10"),
        ],
    )
    def test_what_cannot_be_reserved_is_refused_and_nothing_is_written(
        self, quantity, stock, message
    ):
        listing = fr_listing(stock=stock)
        with pytest.raises(CheckoutRefused, match=message):
            start((listing, quantity))
        listing.refresh_from_db()
        assert listing.stock == stock
        assert not Order.objects.exists()
        assert not StockReservation.objects.exists()

    def test_the_address_must_be_in_the_markets_country(self):
        listing = fr_listing()
        berlin = ShippingAddress("A", "Str. 1", "10115", "Berlin", "DE")
        with pytest.raises(CheckoutRefused, match="address must be there"):
            start((listing, 1), address=berlin)

    def test_an_offer_of_another_market_is_refused(self):
        seller = RefurbisherFactory(country="DE", ships_to=["DE", "FR"])
        listing = make_listing(refurbisher=seller, prices={"DE": "300", "FR": "310"})
        lines = [CheckoutLine(offer_of(listing, "DE").pk, 1)]
        with pytest.raises(CheckoutRefused, match="not sold in France"):
            checkout_start(lines=lines, email="a@b.c", address=PARIS, market="FR")

    def test_a_trial_seller_at_its_cap_is_refused_with_the_reason(self):
        _, refurbisher = trial_refurbisher_make(daily_sales_cap=1)
        listing = fr_listing(refurbisher, stock=5)
        start((listing, 1))
        with pytest.raises(CheckoutRefused, match="limit of 1 sales"):
            start((listing, 1))
        assert Order.objects.count() == 1


def _buy_concurrently(make_order, buyers: int) -> tuple[list[Order], list[Exception]]:
    barrier = threading.Barrier(buyers)
    orders, refusals, lock = [], [], threading.Lock()

    def buyer(index: int) -> None:
        try:
            barrier.wait(timeout=20)
            order = make_order(index)
            with lock:
                orders.append(order)
        except CheckoutRefused as refusal:
            with lock:
                refusals.append(refusal)
        finally:
            connection.close()

    threads = [threading.Thread(target=buyer, args=(i,)) for i in range(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return orders, refusals


@pytest.mark.django_db(transaction=True)
def test_twenty_buyers_for_the_last_unit_exactly_one_gets_it():
    listing = fr_listing(stock=1)
    offer_id = offer_of(listing).pk

    def make_order(index):
        return checkout_start(
            lines=[CheckoutLine(offer_id, 1)], email=f"buyer{index}@example.com",
            address=PARIS, market="FR",
        )  # fmt: skip

    orders, refusals = _buy_concurrently(make_order, 20)
    assert len(orders) == 1
    assert len(refusals) == 19
    assert all("sold out" in r.message or "right now" in r.message for r in refusals)
    listing.refresh_from_db()
    assert listing.stock == 0
    assert Order.objects.count() == StockReservation.objects.count() == 1
    assert not Offer.objects.get(pk=offer_id).is_purchasable


@pytest.mark.django_db(transaction=True)
def test_twenty_buyers_of_a_trial_seller_with_five_slots_make_five_sales():
    _, refurbisher = trial_refurbisher_make(daily_sales_cap=5)
    listings = [
        fr_listing(refurbisher, stock=3, variant=VariantFactory()) for _ in range(20)
    ]
    offer_ids = [offer_of(listing).pk for listing in listings]

    def make_order(index):
        return checkout_start(
            lines=[CheckoutLine(offer_ids[index], 1)],
            email=f"buyer{index}@example.com", address=PARIS, market="FR",
        )  # fmt: skip

    orders, refusals = _buy_concurrently(make_order, 20)
    assert len(orders) == 5
    assert len(refusals) == 15
    assert all("limit of 5 sales" in r.message for r in refusals)
    # The refused checkouts gave their stock back with their transaction.
    assert sum(Listing.objects.filter(pk__in=[x.pk for x in listings]).values_list(
        "stock", flat=True)) == 20 * 3 - 5  # fmt: skip
    day = SaleDay.objects.get(refurbisher=refurbisher)
    assert (day.reserved, day.confirmed) == (5, 0)
    for order in orders:
        assert (
            order_payment_succeeded(
                order_id=order.pk, amount_minor=40000, currency="eur"
            )
            == PaymentOutcome.PAID
        )
    day.refresh_from_db()
    assert (day.reserved, day.confirmed) == (0, 5)
    assert SellerOrder.objects.filter(status=SellerOrderStatus.PAID).count() == 5


@pytest.mark.django_db
class TestPaymentOutcomes:
    def test_a_payment_applies_once_whatever_the_number_of_deliveries(self):
        _, refurbisher = trial_refurbisher_make(daily_sales_cap=5)
        listing = fr_listing(refurbisher, price="300.00")
        order = start((listing, 1))
        outcome = order_payment_succeeded(
            order_id=order.pk, amount_minor=30000, currency="EUR",
            payment_intent_id="pi_1",
        )  # fmt: skip
        assert outcome == PaymentOutcome.PAID
        again = order_payment_succeeded(
            order_id=order.pk, amount_minor=30000, currency="EUR"
        )
        assert again == PaymentOutcome.ALREADY_PAID
        order.refresh_from_db()
        seller_order = order.seller_orders.get()
        assert order.status == OrderStatus.PAID
        assert seller_order.status == SellerOrderStatus.PAID
        assert seller_order.commission_amount == Decimal("30.00")
        assert SaleSlot.objects.get(refurbisher=refurbisher).status == "confirmed"
        paid_moves = order.status_changes.filter(to_status=OrderStatus.PAID)
        assert paid_moves.filter(seller_order=None).count() == 1
        # A late failure event for a paid order changes nothing.
        assert order_payment_failed(order_id=order.pk) is False
        listing.refresh_from_db()
        assert listing.stock == 4

    def test_a_payment_of_another_amount_is_not_applied(self):
        order = start((fr_listing(price="300.00"), 1))
        outcome = order_payment_succeeded(
            order_id=order.pk, amount_minor=100, currency="EUR"
        )
        assert outcome == PaymentOutcome.AMOUNT_MISMATCH
        order.refresh_from_db()
        assert order.status == OrderStatus.PENDING_PAYMENT

    def test_a_failed_payment_gives_back_stock_and_sale_slots(self):
        _, refurbisher = trial_refurbisher_make(daily_sales_cap=1)
        listing = fr_listing(refurbisher, stock=1)
        order = start((listing, 1))
        assert order_payment_failed(order_id=order.pk) is True
        listing.refresh_from_db()
        assert listing.stock == 1
        assert offer_of(listing).is_purchasable
        assert SaleDay.objects.get(refurbisher=refurbisher).reserved == 0
        assert order.seller_orders.get().status == SellerOrderStatus.VOID
        # The shopper tries again: a new checkout gets the unit and the slot.
        assert start((listing, 1)).status == OrderStatus.PENDING_PAYMENT

    def test_unpaid_orders_expire_and_their_units_come_back(self):
        listing = fr_listing(stock=1)
        order = start((listing, 1))
        assert orders_expire_due(at=timezone.now()) == 0
        assert orders_expire_due(at=timezone.now() + timedelta(hours=1)) == 1
        order.refresh_from_db()
        listing.refresh_from_db()
        assert (order.status, listing.stock) == (OrderStatus.EXPIRED, 1)

    def test_a_payment_after_expiry_takes_the_units_again_if_they_are_left(self):
        listing = fr_listing(stock=2, price="100.00")
        order = start((listing, 1))
        orders_expire_due(at=timezone.now() + timedelta(hours=1))
        outcome = order_payment_succeeded(
            order_id=order.pk, amount_minor=10000, currency="EUR"
        )
        assert outcome == PaymentOutcome.PAID
        listing.refresh_from_db()
        assert listing.stock == 1

    def test_a_payment_after_expiry_when_sold_out_needs_a_refund(self):
        listing = fr_listing(stock=1, price="100.00")
        order = start((listing, 1))
        orders_expire_due(at=timezone.now() + timedelta(hours=1))
        start((listing, 1), email="someone-else@example.com")
        outcome = order_payment_succeeded(
            order_id=order.pk, amount_minor=10000, currency="EUR"
        )
        assert outcome == PaymentOutcome.NEEDS_REFUND
        order.refresh_from_db()
        assert order.status == OrderStatus.EXPIRED
        assert "must be refunded" in order.status_changes.first().reason


@pytest.mark.django_db
def test_a_paid_order_emails_the_shopper_and_each_seller(
    mailoutbox, django_capture_on_commit_callbacks
):
    _, refurbisher = trial_refurbisher_make()
    first = fr_listing(refurbisher, price="300.00")
    second = fr_listing(price="120.00")
    order = start((first, 1), (second, 1))
    with django_capture_on_commit_callbacks(execute=True):
        order_payment_succeeded(order_id=order.pk, amount_minor=42000, currency="EUR")
    shopper = next(m for m in mailoutbox if m.to == ["camille@example.com"])
    assert order.reference in shopper.subject
    assert "420,00" in shopper.body
    assert f"/orders/access/{order.access_token}/" in shopper.body
    assert shopper.alternatives[0][1] == "text/html"
    owner_email = refurbisher.memberships.get().user.email
    seller = next(m for m in mailoutbox if m.to == [owner_email])
    assert "new order" in seller.subject
    assert "8 rue Oberkampf" in seller.body
    # Through the outbox, keyed by the payment: told twice, it queues nothing more.
    trial_sale = order.seller_orders.get(refurbisher=refurbisher)
    paid_emails = OutgoingEmail.objects.filter(
        key__startswith=f"order-paid:{order.pk}:"
    )
    assert sorted(paid_emails.values_list("key", "status")) == [
        (f"order-paid:{order.pk}:seller-order:{trial_sale.pk}", EmailStatus.SENT),
        (f"order-paid:{order.pk}:shopper", EmailStatus.SENT),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert order_paid_notify(order_id=order.pk) == 0
    assert paid_emails.count() == 2 and len(mailoutbox) == 2


@pytest.mark.django_db
def test_the_payment_emails_exist_exactly_when_the_payment_does(
    mailoutbox, django_capture_on_commit_callbacks
):
    order = start((fr_listing(price="300.00"), 1))
    paid_emails = OutgoingEmail.objects.filter(key=f"order-paid:{order.pk}:shopper")

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        order_payment_succeeded(order_id=order.pk, amount_minor=30000, currency="EUR")
        # Written in the payment's transaction, not after it.
        assert paid_emails.get().status == EmailStatus.PENDING
        raise RuntimeError("the delivery's transaction fails after the payment")

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert not paid_emails.exists()
    assert mailoutbox == []
