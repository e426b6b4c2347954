"""In real Chromium: a shopper rates a delivered order, the seller answers, the
shopper sees the answer under the review; all at phone width too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from quality.models import SellerReview
from tests.support.order_builders import seller_order_delivered, seller_order_paid
from tests.support.refurbisher_builders import (
    PASSWORD,
    trial_refurbisher_make,
    user_make,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/accounts/sign-in/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_shopper_rates_the_seller_answers_and_the_answer_shows(
    live_server, browser, settings
):
    settings.STRIPE_SECRET_KEY = ""  # the offline test gateway
    owner, refurbisher = trial_refurbisher_make(name="Lyon Refurb")
    shopper = user_make(email="camille@example.com")
    seller_order = seller_order_delivered(
        seller_order_paid(refurbisher=refurbisher, user=shopper)
    )
    order_url = f"{live_server.url}/orders/{seller_order.order.reference}/"

    # The shopper, on a phone: four stars and a comment from the order page.
    phone = browser.new_context(viewport={"width": 375, "height": 812})
    page = phone.new_page()
    sign_in(page, live_server.url, shopper.email)
    page.goto(order_url)
    box = page.locator(".order-review")
    expect(box.get_by_role("heading", name="Rate Lyon Refurb")).to_be_visible()
    star = box.locator("label[for$='-4']")
    assert star.bounding_box()["height"] >= 44
    star.click()
    expect(box.get_by_label("4 stars")).to_be_checked()
    box.get_by_label("Your comment").fill("Like new, well packed.")
    box.get_by_role("button", name="Publish your review").click()

    expect(page.locator(".site-flash")).to_contain_text("your review is published")
    box = page.locator(".order-review")
    expect(box).to_contain_text("Your review of Lyon Refurb")
    expect(box.get_by_role("img", name="4 out of 5 stars")).to_be_visible()
    expect(box).to_contain_text("Like new, well packed.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert SellerReview.objects.get().rating == 4

    # The seller answers from its reviews page.
    desk = browser.new_context()
    seller_page = desk.new_page()
    sign_in(seller_page, live_server.url, owner.email)
    seller_page.goto(live_server.url + "/seller/reviews/")
    card = seller_page.locator(".review-card").first
    expect(card).to_contain_text("Like new, well packed.")
    expect(card).to_contain_text("Camille M.")
    card.get_by_label("Your public answer").fill("Thank you, Camille!")
    card.get_by_role("button", name="Publish answer").click()
    expect(seller_page.locator(".review-answer")).to_contain_text("Thank you, Camille!")
    expect(seller_page.locator(".review-answer-form")).to_have_count(0)

    # The shopper sees the answer under the review.
    page.reload()
    answer = page.locator(".order-review .review-answer")
    expect(answer).to_contain_text("Answer from Lyon Refurb")
    expect(answer).to_contain_text("Thank you, Camille!")
    phone.close()
    desk.close()
