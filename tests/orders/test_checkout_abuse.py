"""Abuse of checkout: presses of "Pay" at once make one order, and unpaid
reservations are limited per browser session and per client address.

Concurrency is real: threads, each with its own database connection, send
real requests (the Django test client) in transactional tests.
"""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection
from django.test import Client, RequestFactory

from listings.models import Listing
from marketplace.client_address import client_address
from orders.exceptions import CheckoutRefused
from orders.models import Order, OrderStatus, StockReservation
from orders.services.checkout import CheckoutLine, checkout_start
from orders.services.checkout_limits import checkout_holder
from orders.services.payment import order_payment_failed
from refurbishers.models import SaleDay
from tests.support.order_builders import PARIS, fr_listing
from tests.support.refurbisher_builders import trial_refurbisher_make
from tests.support.shopping import add, checkout_to_review, pay, shopper


def _copy(client: Client, **request_defaults) -> Client:
    """Another client of the same browser (its cookies), for another thread."""
    other = Client(**request_defaults)
    for name, morsel in client.cookies.items():
        other.cookies[name] = morsel.value
    return other


def _at_once(calls) -> list:
    """Run each call in its own thread (own connection), all released together."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = calls[index]()
        except Exception as error:  # recorded, asserted by the caller
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    return results


def _review_total(client: Client) -> str:
    page = client.get("/checkout/review/").content.decode()
    return re.search(r'name="total_seen" value="([^"]+)"', page)[1]


# --- One cart, many presses ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_presses_of_pay_at_once_from_one_cart_make_one_order():
    listing = fr_listing(price="400.00", stock=5)
    browser = shopper()
    add(browser, listing, 2)
    checkout_to_review(browser)
    total = _review_total(browser)
    presses = [_copy(browser) for _ in range(6)]

    responses = _at_once(
        [lambda c=c: c.post("/checkout/pay/", {"total_seen": total}) for c in presses]
    )

    assert [getattr(r, "status_code", r) for r in responses] == [302] * 6
    assert len({r["Location"] for r in responses}) == 1  # the same payment page
    order = Order.objects.get()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert StockReservation.objects.count() == 1
    listing.refresh_from_db()
    assert listing.stock == 3


@pytest.mark.django_db
def test_a_repeated_press_with_stripe_opens_one_checkout_session(fake_stripe):
    """The second press sends the first one's key and parameters: Stripe
    replays its answer instead of opening a second payment page (or refusing
    the key)."""
    listing = fr_listing(price="400.00", stock=5)
    browser = shopper()
    add(browser, listing, 2)
    checkout_to_review(browser)

    first, second = pay(browser), pay(browser)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert len(fake_stripe.sessions) == 1
    sent = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert len(sent) == 2 and sent[0].raw_body == sent[1].raw_body
    assert {r.idempotency_key for r in sent} == {
        Order.objects.get().payment_idempotency_key
    }


# --- Limits per browser session and per client address ------------------------------


@pytest.mark.django_db
def test_a_checkout_of_more_units_than_a_browser_may_hold_is_refused_with_why():
    first, second = fr_listing(stock=10), fr_listing(stock=10)
    browser = shopper()
    add(browser, first, 6)
    add(browser, second, 5)
    checkout_to_review(browser)

    response = pay(browser)

    assert response.status_code == 409
    page = response.content.decode()
    assert "would keep 11 items reserved without payment" in page
    assert "at most 10" in page and "Nothing was charged." in page
    assert not Order.objects.exists()
    assert sorted(Listing.objects.values_list("stock", flat=True)) == [10, 10]


@pytest.mark.django_db
def test_one_session_holds_at_most_three_unpaid_checkouts():
    """Checkouts of one browser session whatever their carts (here started as
    the service is, with the session's holder and no cart)."""
    holder = checkout_holder(session_key="a-session-key", address="")
    listings = [fr_listing(stock=5) for _ in range(4)]

    def start(listing):
        return checkout_start(
            lines=[CheckoutLine(listing.offers.get(market="FR").pk, 1)],
            email="bot@example.com", address=PARIS, market="FR", holder=holder,
        )  # fmt: skip

    held = [start(listing) for listing in listings[:3]]
    with pytest.raises(CheckoutRefused, match="You already have 3 checkouts"):
        start(listings[3])
    assert Order.objects.count() == 3
    listings[3].refresh_from_db()
    assert listings[3].stock == 5
    # Once one ends (paid, failed or expired), the session may start another.
    order_payment_failed(order_id=held[0].pk)
    assert start(listings[3]).status == OrderStatus.PENDING_PAYMENT


@pytest.mark.django_db
def test_one_address_holds_at_most_three_unpaid_checkouts_whatever_it_forwards():
    listing = fr_listing(stock=9)
    address = {"REMOTE_ADDR": "203.0.113.7"}
    for _ in range(3):
        browser = Client(**address)
        browser.cookies["market"] = "FR"
        add(browser, listing)
        checkout_to_review(browser)
        assert pay(browser).status_code == 302

    # A fourth browser (a fresh session), claiming another address.
    script = Client(**address, HTTP_X_FORWARDED_FOR="198.51.100.99")
    script.cookies["market"] = "FR"
    add(script, listing)
    checkout_to_review(script)
    response = pay(script)

    assert response.status_code == 409
    assert "3 checkouts from your network are already waiting" in (
        response.content.decode()
    )
    assert Order.objects.count() == 3
    # Someone elsewhere still buys.
    elsewhere = Client(REMOTE_ADDR="192.0.2.44")
    elsewhere.cookies["market"] = "FR"
    add(elsewhere, listing)
    checkout_to_review(elsewhere)
    assert pay(elsewhere).status_code == 302
    assert set(Order.objects.values_list("checkout_address", flat=True)) == {
        "203.0.113.7", "192.0.2.44",
    }  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_scripts_from_one_address_at_once_cannot_hold_a_trial_sellers_day():
    """Eight fresh sessions from one address try to reserve a trial seller's
    five daily sale slots at once: three get one, the rest are told why, and
    a real shopper elsewhere can still buy."""
    _, refurbisher = trial_refurbisher_make(daily_sales_cap=5)
    listing = fr_listing(refurbisher, stock=20)
    scripts = []
    for _ in range(8):
        script = Client(REMOTE_ADDR="203.0.113.9")
        script.cookies["market"] = "FR"
        add(script, listing)
        checkout_to_review(script)
        scripts.append((script, _review_total(script)))

    responses = _at_once(
        [
            lambda s=s, t=t: s.post("/checkout/pay/", {"total_seen": t})
            for s, t in scripts
        ]
    )

    codes = sorted(getattr(r, "status_code", r) for r in responses)
    assert codes == [302] * 3 + [409] * 5
    refused = [r for r in responses if r.status_code == 409]
    assert all(b"from your network" in r.content for r in refused)
    day = SaleDay.objects.get(refurbisher=refurbisher)
    assert (day.reserved, day.confirmed) == (3, 0)
    shopper_elsewhere = Client(REMOTE_ADDR="192.0.2.10")
    shopper_elsewhere.cookies["market"] = "FR"
    add(shopper_elsewhere, listing)
    checkout_to_review(shopper_elsewhere)
    assert pay(shopper_elsewhere).status_code == 302


# --- The client's address -------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "", "198.51.100.4"),
        (0, "10.0.0.1", "198.51.100.4"),  # forged: no proxy is trusted
        (1, "10.0.0.1", "10.0.0.1"),  # what our one proxy saw
        (1, "6.6.6.6, 10.0.0.1", "10.0.0.1"),  # the left part is the client's
        (2, "6.6.6.6, 10.0.0.1, 172.16.0.2", "10.0.0.1"),
        (3, "10.0.0.1", "10.0.0.1"),  # fewer entries than proxies
        (1, "not-an-address", "198.51.100.4"),
        (1, " , ", "198.51.100.4"),
    ],
)
def test_the_client_address_trusts_forwarded_only_through_trusted_proxies(
    settings, proxies, forwarded, expected
):
    settings.API_TRUSTED_PROXIES = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.4", **headers)
    assert client_address(request) == expected


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_client_counts_on_its_own(settings):
    settings.API_TRUSTED_PROXIES = 1
    listing = fr_listing(stock=9)
    for n in range(4):
        # One proxy address; each client as the proxy saw it.
        browser = Client(REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        browser.cookies["market"] = "FR"
        add(browser, listing)
        checkout_to_review(browser)
        assert pay(browser).status_code == 302
    assert Order.objects.count() == 4
