"""A shopper's browser through the cart and checkout pages (Django's test client)."""

from __future__ import annotations

import re

from django.test import Client

from listings.models import Listing

# The details form of the checkout page, filled for a shopper in Paris.
PARIS_DETAILS = {
    "email": "camille@example.com", "name": "Camille Martin",
    "line1": "8 rue Oberkampf", "line2": "", "postal_code": "75011",
    "city": "Paris", "phone": "",
}  # fmt: skip


def shopper(market: str = "FR", user=None) -> Client:
    client = Client()
    client.cookies["market"] = market
    if user is not None:
        client.force_login(user)
    return client


def add(client: Client, listing: Listing, quantity: int = 1, market: str = "FR"):
    offer = listing.offers.get(market=market)
    response = client.post("/cart/add/", {"offer_id": offer.pk, "quantity": quantity})
    assert response.status_code == 302, response.content.decode()[:500]
    return offer


def checkout_to_review(client: Client, details=PARIS_DETAILS):
    response = client.post("/checkout/", details)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/checkout/review/"
    return client.get("/checkout/review/")


def pay(client: Client, **extra):
    review = client.get("/checkout/review/")
    total = re.search(r'name="total_seen" value="([^"]+)"', review.content.decode())
    assert total, review.content.decode()[:2000]
    return client.post("/checkout/pay/", {"total_seen": total.group(1), **extra})
