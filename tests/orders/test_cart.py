"""The cart: adding, changing and removing lines, refused input, notices, merge."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from listings.models import Offer
from listings.services import MarketPrice, listing_stock_set
from marketplace.markets import MARKETS
from orders.models import Cart, CartLine
from orders.selectors import cart_view
from orders.services import cart_line_add, cart_merge
from refurbishers.services import (
    refurbisher_suspend,
    sale_slot_confirm,
    sale_slot_reserve,
)
from refurbishers.services.sales import local_date
from tests.support.factories import RefurbisherFactory, VariantFactory, make_listing
from tests.support.refurbisher_builders import (
    PASSWORD,
    qa_user_make,
    trial_refurbisher_make,
    user_make,
)

pytestmark = pytest.mark.django_db

FR = MARKETS["FR"]
ADD = "/cart/add/"


@pytest.fixture
def shop_with_two_listings(client):
    """Two sellers in France, one offer each; the client shops in France."""
    client.cookies["market"] = "FR"
    lyon = RefurbisherFactory(name="Lyon Refurb", country="FR")
    berlin = RefurbisherFactory(name="Berlin Refurb", country="DE")
    phone = make_listing(
        refurbisher=lyon,
        variant=VariantFactory(),
        stock=4,
        prices={"FR": MarketPrice(Decimal("549.00"), Decimal("4.90"))},
    )
    tablet = make_listing(
        refurbisher=berlin,
        variant=VariantFactory(),
        stock=12,
        prices={
            "FR": MarketPrice(Decimal("329.00"), Decimal("9.90")),
            "DE": MarketPrice(Decimal("319.00"), Decimal("9.90")),
        },
    )
    return {
        "lyon": lyon,
        "berlin": berlin,
        "phone": phone,
        "tablet": tablet,
        "phone_fr": phone.offers.get(market="FR"),
        "tablet_fr": tablet.offers.get(market="FR"),
        "tablet_de": tablet.offers.get(market="DE"),
    }


def add(client, offer_id, quantity=1, **extra):
    return client.post(ADD, {"offer_id": offer_id, "quantity": quantity, **extra})


def guest_cart(client) -> Cart:
    return Cart.objects.get(session_key=client.session.session_key)


def lines(client) -> list[tuple[int, int, Decimal]]:
    return list(
        CartLine.objects.filter(cart=guest_cart(client))
        .order_by("pk")
        .values_list("offer_id", "quantity", "price_seen")
    )


def test_a_guest_adds_offers_and_the_header_counts_the_items(
    client, shop_with_two_listings
):
    response = add(client, shop_with_two_listings["phone_fr"].pk, 2)
    assert response.status_code == 302
    assert response["Location"] == reverse("cart")
    add(client, shop_with_two_listings["tablet_fr"].pk)
    assert lines(client) == [
        (shop_with_two_listings["phone_fr"].pk, 2, Decimal("549.00")),
        (shop_with_two_listings["tablet_fr"].pk, 1, Decimal("329.00")),
    ]
    line = CartLine.objects.get(offer=shop_with_two_listings["phone_fr"])
    assert (line.currency, line.market) == ("EUR", "FR")
    page = client.get("/").content.decode()
    assert 'aria-label="Cart: 3 items"' in page


def test_adding_an_offer_already_in_the_cart_adds_to_its_quantity(
    client, shop_with_two_listings
):
    add(client, shop_with_two_listings["phone_fr"].pk, 1)
    add(client, shop_with_two_listings["phone_fr"].pk, 2)
    assert lines(client) == [
        (shop_with_two_listings["phone_fr"].pk, 3, Decimal("549.00"))
    ]


def test_adding_goes_back_to_the_page_it_came_from_with_a_message(
    client, shop_with_two_listings
):
    slug = shop_with_two_listings["phone"].variant.device_model.slug
    device = f"/d/{slug}/?grade=A"
    response = add(client, shop_with_two_listings["phone_fr"].pk, next=device)
    assert response["Location"] == device
    page = client.get(device).content.decode()
    assert "Added to your cart" in page
    # A next pointing elsewhere is ignored: the cart it is.
    response = add(
        client, shop_with_two_listings["tablet_fr"].pk, next="https://evil.example/"
    )
    assert response["Location"] == reverse("cart")


def test_the_device_page_posts_real_add_to_cart_forms(client, shop_with_two_listings):
    slug = shop_with_two_listings["phone"].variant.device_model.slug
    page = client.get(f"/d/{slug}/").content.decode()
    assert 'action="/cart/add/"' in page
    assert f'name="offer_id" value="{shop_with_two_listings["phone_fr"].pk}"' in page
    assert "Cart opens in the next release" not in page


def test_a_shopper_changes_a_quantity_and_removes_a_line(
    client, shop_with_two_listings
):
    add(client, shop_with_two_listings["phone_fr"].pk)
    add(client, shop_with_two_listings["tablet_fr"].pk)
    line = CartLine.objects.get(offer=shop_with_two_listings["phone_fr"])
    response = client.post(f"/cart/lines/{line.pk}/quantity/", {"quantity": 4})
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.quantity == 4
    response = client.post(f"/cart/lines/{line.pk}/remove/")
    assert response.status_code == 302
    assert lines(client) == [
        (shop_with_two_listings["tablet_fr"].pk, 1, Decimal("329.00"))
    ]
    assert client.session["cart_count"] == 1


@pytest.mark.parametrize(
    ("offer", "quantity", "message"),
    [
        ("unknown", 1, "That offer does not exist"),
        ("tablet_de", 1, "That offer is not sold in France"),
        ("phone_fr", 0, "at least 1"),
        ("phone_fr", 11, "at most 10"),
        ("phone_fr", -1, "at least 1"),
        ("phone_fr", "abc", "whole number"),
        ("phone_fr", "", "whole number"),
        ("phone_fr", 5, "Only 4 left"),
        ("text", 1, "Choose an offer"),
        ("huge", 1, "Choose an offer"),
    ],
)
def test_refused_additions_say_why_and_change_nothing(
    client, shop_with_two_listings, offer, quantity, message
):
    add(client, shop_with_two_listings["tablet_fr"].pk, 2)
    before = lines(client)
    offer_id = {"unknown": 987654321, "text": "abc", "huge": "9" * 30}.get(offer)
    if offer_id is None:
        offer_id = shop_with_two_listings[offer].pk
    response = add(client, offer_id, quantity)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert lines(client) == before


def test_adding_past_the_stock_counts_what_is_already_in_the_cart(
    client, shop_with_two_listings
):
    add(client, shop_with_two_listings["phone_fr"].pk, 3)
    response = add(client, shop_with_two_listings["phone_fr"].pk, 2)
    assert response.status_code == 400
    assert "Only 4 left: you already have 3 in your cart." in response.content.decode()
    assert lines(client) == [
        (shop_with_two_listings["phone_fr"].pk, 3, Decimal("549.00"))
    ]


def test_a_posted_price_is_ignored(client, shop_with_two_listings):
    add(
        client,
        shop_with_two_listings["phone_fr"].pk,
        1,
        price_seen="1.00",
        price="1.00",
        currency="USD",
        market="US",
    )
    assert lines(client) == [
        (shop_with_two_listings["phone_fr"].pk, 1, Decimal("549.00"))
    ]
    line = CartLine.objects.get()
    assert (line.currency, line.market) == ("EUR", "FR")


@pytest.mark.parametrize("quantity", [0, 11, -1, "abc", 5])
def test_refused_quantities_say_why_and_change_nothing(
    client, shop_with_two_listings, quantity
):
    add(client, shop_with_two_listings["phone_fr"].pk, 2)
    line = CartLine.objects.get()
    response = client.post(f"/cart/lines/{line.pk}/quantity/", {"quantity": quantity})
    assert response.status_code == 400
    assert 'class="site-flash site-flash-error"' in response.content.decode()
    line.refresh_from_db()
    assert line.quantity == 2


def test_another_carts_line_is_a_404_and_stays_as_it_was(
    client, shop_with_two_listings
):
    from django.test import Client

    other = Client()
    other.cookies["market"] = "FR"
    add(other, shop_with_two_listings["phone_fr"].pk, 2)
    theirs = CartLine.objects.get()
    add(client, shop_with_two_listings["tablet_fr"].pk)
    for action, data in [("quantity", {"quantity": 1}), ("remove", {})]:
        response = client.post(f"/cart/lines/{theirs.pk}/{action}/", data)
        assert response.status_code == 404
    # A shopper with no cart at all, and a line id past any integer.
    assert Client().post(f"/cart/lines/{theirs.pk}/remove/").status_code == 404
    response = client.post(f"/cart/lines/{'9' * 30}/remove/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.quantity == 2


def test_the_cart_groups_lines_by_seller_with_each_sellers_shipping(
    client, shop_with_two_listings
):
    add(client, shop_with_two_listings["phone_fr"].pk, 2)
    add(client, shop_with_two_listings["tablet_fr"].pk)
    second_tablet = make_listing(
        refurbisher=shop_with_two_listings["berlin"],
        variant=VariantFactory(),
        prices={"FR": MarketPrice(Decimal("100.00"), Decimal("5.00"))},
    ).offers.get()
    add(client, second_tablet.pk)
    view = cart_view(cart=guest_cart(client), market=FR)
    assert [(g.name, len(g.lines)) for g in view.sellers] == [
        ("Lyon Refurb", 1),
        ("Berlin Refurb", 2),
    ]
    lyon, berlin = view.sellers
    assert (lyon.subtotal, lyon.shipping) == (Decimal("1098.00"), Decimal("4.90"))
    # One parcel per seller: the dearest line's shipping, once.
    assert (berlin.subtotal, berlin.shipping) == (Decimal("429.00"), Decimal("9.90"))
    assert view.total == Decimal("1098.00") + Decimal("4.90") + Decimal("429.00") + (
        Decimal("9.90")
    )
    assert view.can_checkout

    page = client.get("/cart/").content.decode()
    assert "Sold by Lyon Refurb" in page and "Sold by Berlin Refurb" in page
    assert "1\u202f541,80\xa0€" in page


def notices(client) -> dict[int, list[str]]:
    view = cart_view(cart=guest_cart(client), market=FR)
    return {line.offer.pk: line.notices for line in view.all_lines}


def test_a_changed_price_is_said_once_and_the_line_shows_the_new_price(
    client, shop_with_two_listings
):
    add(client, shop_with_two_listings["phone_fr"].pk)
    # No price-editing service exists yet (the seller's listing pages come
    # later), so the seller's new price is written as that service would.
    Offer.objects.filter(pk=shop_with_two_listings["phone_fr"].pk).update(
        price_amount="529.00"
    )
    view = cart_view(cart=guest_cart(client), market=FR)
    (line,) = view.all_lines
    assert line.notices == [
        "Price changed since you added it: 549,00\xa0€ → 529,00\xa0€."
    ]
    assert line.price == Decimal("529.00") and line.buyable
    assert view.subtotal == Decimal("529.00")
    page = client.get("/cart/").content.decode()
    assert "549,00\xa0€ → 529,00\xa0€" in page
    # Seen once: the next view starts from the new price.
    assert notices(client) == {shop_with_two_listings["phone_fr"].pk: []}
    assert "Price changed" not in client.get("/cart/").content.decode()


def test_less_stock_lowers_the_quantity_to_what_is_left(client, shop_with_two_listings):
    add(client, shop_with_two_listings["phone_fr"].pk, 4)
    listing_stock_set(listing=shop_with_two_listings["phone"], stock=2)
    view = cart_view(cart=guest_cart(client), market=FR)
    (line,) = view.all_lines
    assert line.notices == ["Only 2 left: we lowered the quantity from 4 to 2."]
    assert (line.quantity, line.buyable) == (2, True)
    assert view.subtotal == Decimal("1098.00")
    client.get("/cart/")
    assert lines(client) == [
        (shop_with_two_listings["phone_fr"].pk, 2, Decimal("549.00"))
    ]
    assert client.session["cart_count"] == 2


def test_a_sold_out_line_stays_but_is_not_counted(client, shop_with_two_listings):
    add(client, shop_with_two_listings["phone_fr"].pk, 2)
    add(client, shop_with_two_listings["tablet_fr"].pk)
    listing_stock_set(listing=shop_with_two_listings["phone"], stock=0)
    view = cart_view(cart=guest_cart(client), market=FR)
    assert notices(client)[shop_with_two_listings["phone_fr"].pk] == [
        "Sold out: Lyon Refurb has none left."
    ]
    assert view.subtotal == Decimal("329.00")
    assert view.total == Decimal("338.90")
    assert view.can_checkout
    listing_stock_set(listing=shop_with_two_listings["tablet"], stock=0)
    assert not cart_view(cart=guest_cart(client), market=FR).can_checkout
    page = client.get("/cart/").content.decode()
    assert "Nothing in your cart can be bought right now." in page


def test_a_suspended_seller_is_said_and_its_lines_not_counted(
    client, shop_with_two_listings
):
    add(client, shop_with_two_listings["phone_fr"].pk)
    add(client, shop_with_two_listings["tablet_fr"].pk)
    refurbisher_suspend(
        refurbisher=shop_with_two_listings["lyon"], actor=qa_user_make(), reason="QA"
    )
    view = cart_view(cart=guest_cart(client), market=FR)
    assert notices(client)[shop_with_two_listings["phone_fr"].pk] == [
        "Lyon Refurb is not selling on ReMarket at the moment."
    ]
    assert view.subtotal == Decimal("329.00")


@pytest.fixture
def trial_offer(client):
    client.cookies["market"] = "FR"
    _, seller = trial_refurbisher_make(daily_sales_cap=2)
    listing = make_listing(refurbisher=seller, prices={"FR": "199.00"}, stock=9)
    return seller, listing.offers.get()


def test_a_trial_seller_at_todays_cap_is_said(client, trial_offer):
    seller, offer = trial_offer
    add(client, offer.pk)
    sale_slot_reserve(refurbisher=seller, reference="checkout:1")
    assert notices(client) == {offer.pk: []}
    # Held by other checkouts (reserved + confirmed reach the cap).
    sale_slot_reserve(refurbisher=seller, reference="checkout:2")
    cap_notice = (
        f"{seller.name} is a new seller on ReMarket and has reached today's "
        "limit of 2 sales. Choose another offer, or come back tomorrow."
    )
    assert notices(client) == {offer.pk: [cap_notice]}
    # Paid: the offer leaves the shop and the cart still says why.
    sale_slot_confirm(reference="checkout:1")
    sale_slot_confirm(reference="checkout:2")
    offer.refresh_from_db()
    assert not offer.is_purchasable
    assert notices(client) == {offer.pk: [cap_notice]}
    assert not cart_view(cart=guest_cart(client), market=FR).can_checkout


def test_a_full_day_of_yesterday_does_not_block_today(client, trial_offer):
    seller, offer = trial_offer
    add(client, offer.pk)
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    assert local_date(seller, yesterday) != local_date(seller)
    for n in range(2):
        sale_slot_reserve(refurbisher=seller, reference=f"old:{n}", at=yesterday)
    assert notices(client) == {offer.pk: []}


def test_a_line_of_another_market_offers_the_same_item_here(
    client, shop_with_two_listings
):
    client.cookies["market"] = "DE"
    add(client, shop_with_two_listings["tablet_de"].pk, 2)
    client.cookies["market"] = "FR"
    view = cart_view(cart=guest_cart(client), market=FR)
    (line,) = view.all_lines
    assert line.notices == [
        "Not sold in France at this price (you added it in Germany). "
        "The same item is sold in France at 329,00\xa0€."
    ]
    assert not line.buyable and line.alternative == shop_with_two_listings["tablet_fr"]
    assert not view.can_checkout
    page = client.get("/cart/").content.decode()
    assert "Switch to the France offer" in page

    response = client.post(
        f"/cart/lines/{line.line_id}/swap/",
        {"offer_id": shop_with_two_listings["tablet_fr"].pk},
    )
    assert response.status_code == 302
    assert lines(client) == [
        (shop_with_two_listings["tablet_fr"].pk, 2, Decimal("329.00"))
    ]
    assert cart_view(cart=guest_cart(client), market=FR).can_checkout


def test_a_line_of_a_market_with_no_offer_here_says_so(client, shop_with_two_listings):
    add(client, shop_with_two_listings["phone_fr"].pk)
    view = cart_view(cart=guest_cart(client), market=MARKETS["DE"])
    assert view.all_lines[0].notices == [
        "Not sold in Germany (you added it in France): remove it, or switch back "
        "to that market to buy it."
    ]
    assert view.total == 0


def test_signing_in_merges_the_guest_cart_into_the_persons_cart(
    client, shop_with_two_listings
):
    person = user_make()
    theirs = Cart.objects.create(user=person)
    cart_line_add(
        cart=theirs,
        offer_id=shop_with_two_listings["phone_fr"].pk,
        quantity=3,
        market=FR,
    )
    add(client, shop_with_two_listings["phone_fr"].pk, 3)
    add(client, shop_with_two_listings["tablet_fr"].pk, 2)
    guest = guest_cart(client)

    response = client.post(
        reverse("accounts:login"), {"username": person.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert not Cart.objects.filter(pk=guest.pk).exists()
    merged = dict(
        CartLine.objects.filter(cart=theirs).values_list("offer_id", "quantity")
    )
    # 3 + 3 capped by the 4 in stock.
    assert merged == {
        shop_with_two_listings["phone_fr"].pk: 4,
        shop_with_two_listings["tablet_fr"].pk: 2,
    }
    assert client.session["cart_count"] == 6
    assert 'aria-label="Cart: 6 items"' in client.get("/cart/").content.decode()


def test_signing_in_without_a_guest_cart_shows_the_persons_count(
    client, shop_with_two_listings
):
    person = user_make()
    theirs = Cart.objects.create(user=person)
    cart_line_add(
        cart=theirs,
        offer_id=shop_with_two_listings["phone_fr"].pk,
        quantity=2,
        market=FR,
    )
    client.force_login(person)
    assert client.session["cart_count"] == 2
    add(client, shop_with_two_listings["tablet_fr"].pk)
    assert CartLine.objects.filter(cart=theirs).count() == 2


def test_merge_caps_quantities_at_ten(shop_with_two_listings):
    listing_stock_set(listing=shop_with_two_listings["tablet"], stock=50)
    guest = Cart.objects.create(session_key="guest")
    mine = Cart.objects.create(user=user_make())
    for cart in (guest, mine):
        cart_line_add(
            cart=cart,
            offer_id=shop_with_two_listings["tablet_fr"].pk,
            quantity=7,
            market=FR,
        )
    cart_merge(guest_cart=guest, user_cart=mine)
    assert mine.lines.get().quantity == 10


# The cart, its lines with offers and sellers, today's sale days of trial
# sellers, other-market offers, and one UPDATE when changes were shown.
QUERIES = 5


def test_the_cart_page_costs_a_fixed_number_of_queries(
    client, shop_with_two_listings, django_assert_max_num_queries
):
    add(client, shop_with_two_listings["phone_fr"].pk)
    client.cookies["market"] = "DE"
    add(client, shop_with_two_listings["tablet_de"].pk)
    client.cookies["market"] = "FR"
    _, seller = trial_refurbisher_make()
    add(
        client, make_listing(refurbisher=seller, prices={"FR": "99.00"}).offers.get().pk
    )
    with django_assert_max_num_queries(QUERIES):
        assert client.get("/cart/").status_code == 200
    for _ in range(6):
        seller = RefurbisherFactory()
        offer = make_listing(refurbisher=seller, prices={"FR": "99.00"}).offers.get()
        add(client, offer.pk)
        _, trial = trial_refurbisher_make()
        add(
            client,
            make_listing(refurbisher=trial, prices={"FR": "9.00"}).offers.get().pk,
        )
        Offer.objects.filter(pk=offer.pk).update(price_amount="98.00")
    with django_assert_max_num_queries(QUERIES):
        assert client.get("/cart/").status_code == 200


def _without_checkout():
    from marketplace import urls

    def has_checkout(pattern) -> bool:
        inner = getattr(pattern, "url_patterns", [])
        return any(getattr(p, "name", None) == "checkout" for p in inner)

    return [p for p in urls.urlpatterns if not has_checkout(p)]


# This module doubles as a URLconf of the site without a checkout.
urlpatterns = _without_checkout()


def test_the_checkout_button_waits_for_the_checkout(
    client, shop_with_two_listings, settings
):
    add(client, shop_with_two_listings["phone_fr"].pk)
    settings.ROOT_URLCONF = __name__
    page = client.get("/cart/").content.decode()
    assert "Checkout opens in the next release." in page
    assert 'href="/checkout/"' not in page


def test_the_checkout_button_links_to_the_checkout_once_it_exists(
    client, shop_with_two_listings, settings
):
    from django.urls import path

    add(client, shop_with_two_listings["phone_fr"].pk)

    class SiteWithCheckout:
        urlpatterns = [
            *_without_checkout(),
            path("checkout/", lambda request: None, name="checkout"),
        ]

    settings.ROOT_URLCONF = SiteWithCheckout
    page = client.get("/cart/").content.decode()
    assert 'href="/checkout/"' in page
    assert "Checkout opens in the next release." not in page
