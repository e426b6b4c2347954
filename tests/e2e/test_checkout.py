"""A guest buys from two refurbishers in one payment, in real Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from orders.models import Order, OrderStatus, SellerOrderStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_guest_checks_out_two_sellers_with_the_test_gateway(shop_url, page):
    page.context.add_cookies([{"name": "market", "value": "FR", "url": shop_url}])

    # Two items from two refurbishers: Berlin's iPhone 13, Lyon's MacBook Air.
    page.goto(shop_url + "/d/iphone-13/?grade=A")
    panel = page.locator(".offer-panel").first
    expect(panel).to_contain_text("Berlin Refurb")
    panel.get_by_role("button", name=re.compile("Add to cart")).click()
    page.goto(shop_url + "/d/macbook-air-m1/")
    panel = page.locator(".offer-panel").first
    expect(panel).to_contain_text("Lyon Refurb")
    panel.get_by_role("button", name=re.compile("Add to cart")).click()

    page.goto(shop_url + "/cart/")
    expect(page.locator(".cart-seller")).to_have_count(2)
    page.get_by_role("link", name="Checkout").click()

    # Contact and address, with one mistake first: the typed values stay.
    expect(page.locator(".test-mode-notice")).to_contain_text("No real payment")
    page.get_by_label("Email").fill("camille@example.com")
    page.get_by_label("Full name").fill("Camille Martin")
    page.get_by_label("Address", exact=True).fill("8 rue Oberkampf")
    page.get_by_label("Postal code").fill("7501")
    page.get_by_label("City").fill("Paris")
    page.get_by_role("button", name="Continue to review").click()
    expect(page.locator(".field-errors")).to_contain_text("5 digits")
    expect(page.get_by_label("Full name")).to_have_value("Camille Martin")
    page.get_by_label("Postal code").fill("75011")
    page.get_by_role("button", name="Continue to review").click()

    # Review: per seller, then the total; pay it.
    expect(page.locator(".checkout-seller")).to_have_count(2)
    expect(page.locator(".checkout-pay")).to_contain_text("1\u202f228,00")
    page.get_by_role("button", name=re.compile("^Pay ")).click()

    # The offline gateway's page says no money moves.
    expect(page).to_have_url(re.compile(r"/checkout/test-payment/cs_offline_"))
    expect(page.locator(".test-mode-banner")).to_contain_text(
        "Test mode: no real payment"
    )
    page.get_by_role("button", name="Pay (test)").click()

    expect(page).to_have_url(re.compile(r"/orders/RM-[A-Z0-9]+/confirmation/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "your order is confirmed"
    )
    expect(page.locator(".cart-count")).to_have_text("0")

    page.get_by_role("link", name="View your order").click()
    expect(page).to_have_url(re.compile(r"/orders/RM-[A-Z0-9]+/$"))
    sellers = page.locator(".order-seller")
    expect(sellers).to_have_count(2)
    expect(sellers.filter(has_text="Berlin Refurb")).to_contain_text("Paid")
    expect(sellers.filter(has_text="Lyon Refurb")).to_contain_text("Paid")

    order = Order.objects.get()
    assert order.status == OrderStatus.PAID
    assert order.email == "camille@example.com"
    assert [so.status for so in order.seller_orders.all()] == [
        SellerOrderStatus.PAID,
        SellerOrderStatus.PAID,
    ]
