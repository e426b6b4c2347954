"""Checkout pages: details per country, review, "Pay", and the test gateway page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from listings.models import Listing
from orders.exceptions import CheckoutRefused, PaymentProviderError
from orders.models import (
    CartLine,
    Order,
    OrderStatus,
    ReservationStatus,
    SellerOrderStatus,
    StockReservation,
)
from tests.support.order_builders import listing_in, seller
from tests.support.refurbisher_builders import user_make
from tests.support.shopping import PARIS_DETAILS, add, checkout_to_review, pay, shopper

AUSTIN = {
    "email": "sam@example.com", "name": "Sam Lee", "line1": "500 Congress Ave",
    "line2": "Suite 2", "postal_code": "78701", "city": "Austin", "state": "TX",
    "phone": "+1 512 555 0100",
}  # fmt: skip
BRUSSELS = {
    "email": "lou@example.com", "name": "Lou Peeters", "line1": "Rue Haute 12",
    "postal_code": "1000", "city": "Bruxelles",
}  # fmt: skip


@pytest.fixture
def two_sellers(db):
    """Two French refurbishers with one listing each, their owners' emails known."""
    lyon = seller("Lyon Refurb", owner_email="owner@lyon.example")
    berlin = seller("Berlin Refurb", "DE", owner_email="owner@berlin.example")
    first = listing_in("FR", lyon, price="400.00", shipping="9.90", dispatch_days=2)
    second = listing_in("FR", berlin, price="250.50", shipping="0", dispatch_days=1)
    return first, second


@pytest.mark.django_db
class TestDetails:
    def test_an_empty_cart_goes_back_to_the_cart(self):
        response = shopper().get("/checkout/")
        assert response.status_code == 302
        assert response["Location"] == "/cart/"

    def test_a_signed_in_person_finds_their_email_filled_in(self, two_sellers):
        client = shopper(user=user_make(email="ana@example.com"))
        add(client, two_sellers[0])
        page = client.get("/checkout/").content.decode()
        assert 'value="ana@example.com"' in page
        assert "France" in page

    def test_a_guest_is_welcome_and_told_about_test_mode(self, two_sellers, settings):
        settings.STRIPE_SECRET_KEY = ""
        client = shopper()
        add(client, two_sellers[0])
        page = client.get("/checkout/").content.decode()
        assert "No account needed" in page
        assert "No real payment is taken" in page

    def test_no_test_mode_notice_with_stripe(self, two_sellers, settings):
        settings.STRIPE_SECRET_KEY = "sk_test_123"
        client = shopper()
        add(client, two_sellers[0])
        assert "No real payment" not in client.get("/checkout/").content.decode()

    @pytest.mark.parametrize("postal_code", ["1234", "750112", "75 01A", ""])
    def test_a_french_postal_code_has_five_digits(self, two_sellers, postal_code):
        client = shopper()
        add(client, two_sellers[0])
        response = client.post(
            "/checkout/", {**PARIS_DETAILS, "postal_code": postal_code}
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "form-alert" in page
        assert 'value="Camille Martin"' in page
        assert 'value="8 rue Oberkampf"' in page
        assert "checkout_details" not in client.session

    def test_a_french_postal_code_with_a_space_is_tidied(self, two_sellers):
        client = shopper()
        add(client, two_sellers[0])
        checkout_to_review(client, {**PARIS_DETAILS, "postal_code": "75 011"})
        assert client.session["checkout_details"]["postal_code"] == "75011"

    def test_required_fields_are_named_and_the_rest_kept(self, two_sellers):
        client = shopper()
        add(client, two_sellers[0])
        response = client.post("/checkout/", {**PARIS_DETAILS, "name": "", "city": ""})
        page = response.content.decode()
        assert page.count("This field is required.") == 2
        assert 'value="75011"' in page
        assert 'value="camille@example.com"' in page

    @pytest.mark.parametrize("postal_code", ["1000", "9999"])
    def test_a_belgian_postal_code_has_four_digits(self, postal_code):
        listing = listing_in("BE", seller("Gent Refurb", "BE"))
        client = shopper("BE")
        add(client, listing, market="BE")
        checkout_to_review(client, {**BRUSSELS, "postal_code": postal_code})

    @pytest.mark.parametrize("postal_code", ["10000", "100", "B-1000"])
    def test_a_belgian_postal_code_of_another_length_is_refused(self, postal_code):
        listing = listing_in("BE", seller("Gent Refurb", "BE"))
        client = shopper("BE")
        add(client, listing, market="BE")
        response = client.post("/checkout/", {**BRUSSELS, "postal_code": postal_code})
        page = response.content.decode()
        assert "4 digits" in page
        assert f'value="{postal_code}"' in page

    @pytest.mark.parametrize("zip_code", ["78701", "78701-1234"])
    def test_a_us_zip_has_five_or_five_plus_four_digits(self, zip_code):
        listing = listing_in("US", seller("Austin Refurb", "US"), price="499.00")
        client = shopper("US")
        add(client, listing, market="US")
        review = checkout_to_review(client, {**AUSTIN, "postal_code": zip_code})
        page = review.content.decode()
        assert f"{zip_code} Austin, TX" in page
        assert "United States" in page

    @pytest.mark.parametrize("zip_code", ["7870", "787011", "78701-12", "ABCDE"])
    def test_a_malformed_us_zip_is_refused(self, zip_code):
        listing = listing_in("US", seller("Austin Refurb", "US"))
        client = shopper("US")
        add(client, listing, market="US")
        response = client.post("/checkout/", {**AUSTIN, "postal_code": zip_code})
        page = response.content.decode()
        assert "ZIP code of 5 digits" in page
        assert 'value="500 Congress Ave"' in page

    def test_a_us_address_needs_its_state(self):
        listing = listing_in("US", seller("Austin Refurb", "US"))
        client = shopper("US")
        add(client, listing, market="US")
        response = client.post("/checkout/", {**AUSTIN, "state": ""})
        assert "This field is required." in response.content.decode()
        assert 'value="78701"' in response.content.decode()

    def test_a_phone_is_optional_but_must_look_like_one(self, two_sellers):
        client = shopper()
        add(client, two_sellers[0])
        response = client.post("/checkout/", {**PARIS_DETAILS, "phone": "call me"})
        assert "Enter a phone number" in response.content.decode()


@pytest.mark.django_db
class TestReview:
    def test_without_details_the_review_sends_to_the_first_step(self, two_sellers):
        client = shopper()
        add(client, two_sellers[0])
        response = client.get("/checkout/review/")
        assert response["Location"] == "/checkout/"

    def test_details_of_another_market_are_asked_again(self, two_sellers):
        client = shopper()
        add(client, two_sellers[0])
        checkout_to_review(client)
        client.cookies["market"] = "BE"
        assert client.get("/checkout/review/")["Location"] in {"/checkout/", "/cart/"}

    def test_per_seller_items_shipping_dispatch_then_the_total(self, two_sellers):
        first, second = two_sellers
        client = shopper()
        add(client, first, 2)
        add(client, second)
        page = checkout_to_review(client).content.decode()
        assert "Sold by Lyon Refurb" in page
        assert "Sold by Berlin Refurb" in page
        assert "Dispatched within 2 business days" in page
        assert "Dispatched within 1 business day<" in page
        assert "9,90\u00a0€" in page  # Lyon's shipping
        assert "1\u202f060,40\u00a0€" in page  # 800 + 9.90 + 250.50
        assert "Camille Martin" in page


@pytest.mark.django_db
class TestPay:
    def test_pay_reserves_and_sends_to_the_test_gateway(self, two_sellers, settings):
        settings.STRIPE_SECRET_KEY = ""
        first, second = two_sellers
        client = shopper()
        add(client, first, 2)
        add(client, second)
        checkout_to_review(client)
        response = pay(client)
        order = Order.objects.get()
        assert response.status_code == 302
        assert response["Location"] == (
            f"/checkout/test-payment/{order.payment_session_id}/"
        )
        assert order.payment_provider == "offline"
        assert order.status == OrderStatus.PENDING_PAYMENT
        assert order.total_amount == Decimal("1060.40")
        assert order.email == "camille@example.com"
        assert (order.ship_postal_code, order.ship_country) == ("75011", "FR")
        assert order.seller_orders.count() == 2
        first.refresh_from_db()
        assert first.stock == 3

    def test_posted_prices_quantities_offers_and_orders_change_nothing(
        self, two_sellers
    ):
        first, second = two_sellers
        stranger = shopper()
        add(stranger, second)
        checkout_to_review(stranger, {**PARIS_DETAILS, "email": "other@example.com"})
        pay(stranger)
        theirs = Order.objects.get()

        client = shopper()
        add(client, first)
        checkout_to_review(client)
        response = pay(
            client,
            price="1.00", price_amount="1.00", unit_price="1.00",
            currency="USD", quantity="9", offer_id=str(second.offers.get().pk),
            offer_ids=str(second.offers.get().pk), order_id=str(theirs.pk),
            total_amount="1.00", shipping_amount="0", email="evil@example.com",
        )  # fmt: skip
        assert response.status_code == 302
        mine = Order.objects.exclude(pk=theirs.pk).get()
        assert mine.currency == "EUR"
        assert mine.total_amount == Decimal("409.90")
        assert mine.email == "camille@example.com"
        line = mine.seller_orders.get().lines.get()
        assert (line.offer_id, line.quantity) == (first.offers.get().pk, 1)
        theirs.refresh_from_db()
        assert theirs.status == OrderStatus.PENDING_PAYMENT
        assert theirs.email == "other@example.com"
        assert theirs.seller_orders.get().lines.get().quantity == 1

    def test_a_changed_total_shows_the_review_again(self, two_sellers):
        client = shopper()
        add(client, two_sellers[0])
        checkout_to_review(client)
        response = client.post("/checkout/pay/", {"total_seen": "1.00"})
        assert response.status_code == 409
        assert "The total changed" in response.content.decode()
        assert not Order.objects.exists()

    def test_a_refused_checkout_names_the_item_and_charges_nothing(
        self, two_sellers, monkeypatch
    ):
        def refuse(**kwargs):
            raise CheckoutRefused("Apple iPhone 13 has just sold out.")

        monkeypatch.setattr("orders.views.checkout.checkout_start", refuse)
        client = shopper()
        add(client, two_sellers[0])
        checkout_to_review(client)
        response = pay(client)
        assert response.status_code == 409
        page = response.content.decode()
        assert "Apple iPhone 13 has just sold out. Nothing was charged." in page
        assert "Sold by Lyon Refurb" in page
        assert not Order.objects.exists()

    def test_the_last_unit_taken_meanwhile_is_refused_before_paying(self, two_sellers):
        first, _ = two_sellers
        Listing.objects.filter(pk=first.pk).update(stock=1)
        client, rival = shopper(), shopper()
        for person in (client, rival):
            add(person, first)
            checkout_to_review(person)
        client_review = client.get("/checkout/review/").content.decode()
        total = re.search(r'name="total_seen" value="([^"]+)"', client_review)[1]
        assert pay(rival).status_code == 302
        response = client.post("/checkout/pay/", {"total_seen": total})
        # The rival's reservation took the unit: either the cart now says so
        # (nothing left to buy) or checkout_start refuses it by name.
        assert response.status_code in {302, 409}
        assert Order.objects.count() == 1
        if response.status_code == 409:
            assert "sold out" in response.content.decode()

    def test_paying_again_at_once_gets_the_same_checkout(self, two_sellers):
        first, _ = two_sellers
        client = shopper()
        add(client, first, 2)
        checkout_to_review(client)
        went_to = pay(client)["Location"]
        assert pay(client)["Location"] == went_to
        order = Order.objects.get()
        assert order.status == OrderStatus.PENDING_PAYMENT
        first.refresh_from_db()
        assert first.stock == 3

    def test_paying_again_after_changing_the_cart_releases_the_first_checkout(
        self, two_sellers
    ):
        first, second = two_sellers
        client = shopper()
        add(client, first, 2)
        checkout_to_review(client)
        pay(client)
        add(client, second)
        pay(client)
        older, newer = Order.objects.order_by("pk")
        assert older.status == OrderStatus.PAYMENT_FAILED
        assert newer.status == OrderStatus.PENDING_PAYMENT
        assert newer.seller_orders.count() == 2
        first.refresh_from_db()
        assert first.stock == 3

    def test_coming_back_from_a_cancelled_payment_releases_it(self, two_sellers):
        first, _ = two_sellers
        client = shopper()
        add(client, first, 2)
        checkout_to_review(client)
        pay(client)
        page = client.get("/checkout/review/?cancelled=1").content.decode()
        assert "Payment cancelled: nothing was charged." in page
        assert Order.objects.get().status == OrderStatus.PAYMENT_FAILED
        first.refresh_from_db()
        assert first.stock == 5

    def test_a_payment_service_that_refuses_releases_the_order(
        self, two_sellers, monkeypatch
    ):
        first, _ = two_sellers

        class Down:
            moves_money = True

            def start_payment(self, **kwargs):
                raise PaymentProviderError("Stripe is unreachable")

        monkeypatch.setattr(
            "orders.services.checkout_session.payment_gateway", lambda: Down()
        )
        client = shopper()
        add(client, first)
        checkout_to_review(client)
        response = pay(client)
        assert response.status_code == 503
        assert "nothing was charged" in response.content.decode()
        assert Order.objects.get().status == OrderStatus.PAYMENT_FAILED
        first.refresh_from_db()
        assert first.stock == 5


def start_payment(client: Client, listings) -> Order:
    for listing in listings:
        add(client, listing)
    checkout_to_review(client)
    pay(client)
    return Order.objects.latest("pk")


@pytest.mark.django_db
class TestTestPayment:
    def test_the_page_says_test_mode_and_shows_the_amount(self, two_sellers):
        client = shopper()
        order = start_payment(client, two_sellers)
        page = client.get(f"/checkout/test-payment/{order.payment_session_id}/")
        html = page.content.decode()
        assert "Test mode: no real payment" in html
        assert "660,40\u00a0€" in html
        assert "Pay (test)" in html and "Payment fails (test)" in html

    def test_paying_marks_the_order_and_each_seller_order_paid(self, two_sellers):
        client = shopper()
        order = start_payment(client, two_sellers)
        response = client.post(
            f"/checkout/test-payment/{order.payment_session_id}/", {"outcome": "paid"}
        )
        assert response["Location"] == f"/orders/{order.reference}/confirmation/"
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID
        assert {so.status for so in order.seller_orders.all()} == {
            SellerOrderStatus.PAID
        }
        assert set(StockReservation.objects.values_list("status", flat=True)) == {
            ReservationStatus.SOLD
        }
        page = client.get(response["Location"]).content.decode()
        assert "your order is confirmed" in page
        assert not CartLine.objects.exists()  # the bought lines left the cart

    def test_a_second_press_changes_nothing(self, two_sellers):
        client = shopper()
        order = start_payment(client, two_sellers)
        url = f"/checkout/test-payment/{order.payment_session_id}/"
        client.post(url, {"outcome": "paid"})
        again = client.post(url, {"outcome": "paid"})
        assert again["Location"] == f"/orders/{order.reference}/confirmation/"
        paid = order.status_changes.filter(to_status=OrderStatus.PAID)
        assert paid.filter(seller_order=None).count() == 1
        assert paid.exclude(seller_order=None).count() == 2

    def test_a_failed_payment_releases_and_goes_back_to_the_cart(self, two_sellers):
        first, _ = two_sellers
        client = shopper()
        order = start_payment(client, two_sellers)
        response = client.post(
            f"/checkout/test-payment/{order.payment_session_id}/",
            {"outcome": "failed"},
            follow=True,
        )
        assert response.redirect_chain[-1][0] == "/cart/"
        assert (
            "Your payment did not go through; nothing was charged. Try again."
            in response.content.decode()
        )
        order.refresh_from_db()
        assert order.status == OrderStatus.PAYMENT_FAILED
        assert set(StockReservation.objects.values_list("status", flat=True)) == {
            ReservationStatus.RELEASED
        }
        first.refresh_from_db()
        assert first.stock == 5
        assert CartLine.objects.count() == 2  # the cart is kept to try again

    def test_an_unknown_session_is_a_404(self, db):
        assert shopper().get("/checkout/test-payment/cs_offline_nope/").status_code == (
            404
        )

    def test_a_closed_payment_is_a_404_for_anyone_else(self, two_sellers):
        client = shopper()
        order = start_payment(client, two_sellers)
        url = f"/checkout/test-payment/{order.payment_session_id}/"
        client.post(url, {"outcome": "paid"})
        assert shopper().get(url).status_code == 404
        assert shopper().post(url, {"outcome": "failed"}).status_code == 404
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID

    def test_another_browser_cannot_open_pay_or_fail_an_open_payment(self, two_sellers):
        client = shopper()
        order = start_payment(client, two_sellers)
        url = f"/checkout/test-payment/{order.payment_session_id}/"
        other = shopper()
        # Even holding the order's emailed link (its access grant).
        granted = shopper()
        assert granted.get(f"/orders/access/{order.access_token}/").status_code == 302

        for browser in (other, granted):
            assert browser.get(url).status_code == 404
            assert browser.post(url, {"outcome": "paid"}).status_code == 404
            assert browser.post(url, {"outcome": "failed"}).status_code == 404
        order.refresh_from_db()
        assert order.status == OrderStatus.PENDING_PAYMENT

        # The browser that started the checkout still pays.
        assert client.post(url, {"outcome": "paid"}).status_code == 302
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID

    def test_a_strange_outcome_is_refused(self, two_sellers):
        client = shopper()
        order = start_payment(client, two_sellers)
        url = f"/checkout/test-payment/{order.payment_session_id}/"
        assert client.post(url, {"outcome": "refunded"}).status_code == 400
        order.refresh_from_db()
        assert order.status == OrderStatus.PENDING_PAYMENT

    def test_no_test_page_when_stripe_is_configured(self, two_sellers, settings):
        client = shopper()
        order = start_payment(client, two_sellers)
        settings.STRIPE_SECRET_KEY = "sk_test_123"
        url = f"/checkout/test-payment/{order.payment_session_id}/"
        assert client.post(url, {"outcome": "paid"}).status_code == 404
        order.refresh_from_db()
        assert order.status == OrderStatus.PENDING_PAYMENT
