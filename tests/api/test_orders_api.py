"""Seller API, orders: list, detail, accept, ship, cancel, through the real services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.utils import timezone

from listings.models import Listing
from orders.models import (
    OrderStatusChange,
    Refund,
    RefundReason,
    SellerOrder,
    SellerOrderStatus,
    ShippedUnit,
)
from orders.services.cancellation import seller_order_cancel_by_shopper
from orders.services.fulfilment import seller_order_accept, seller_orders_flag_late
from tests.support.api import (
    LIST_QUERIES_MAX,
    SellerKey,
    assert_keys_guard,
    assert_list_queries_fixed,
    call,
    client_for,
    error_of,
)
from tests.support.order_builders import (
    IMEI,
    fr_listing,
    order_paid_offline,
    seller_order_paid,
    seller_order_shipped,
)

Status = SellerOrderStatus
ORDERS = "/api/v1/seller/orders/"


# --- Fixtures -----------------------------------------------------------------------


def paid(api_key: SellerKey, **listing) -> SellerOrder:
    return seller_order_paid(refurbisher=api_key.refurbisher, **listing)


def ship_body(seller_order: SellerOrder, **changes) -> dict:
    """A valid shipment: Colissimo, its format, one distinct serial per unit."""
    lines = [
        {
            "line_id": line.pk,
            "serials": [
                IMEI if (i, unit) == (0, 0) else f"SN{line.pk:05d}{unit:03d}"
                for unit in range(line.quantity)
            ],
        }
        for i, line in enumerate(seller_order.lines.order_by("pk"))
    ]
    body = {"carrier": "colissimo", "tracking_number": "6a 1234 5678 901"}
    body["lines"] = lines
    body.update(changes)
    return body


def url_of(seller_order: SellerOrder, action: str = "") -> str:
    return f"{ORDERS}{seller_order.order.reference}/" + (f"{action}/" if action else "")


# --- Reading ------------------------------------------------------------------------


class TestList:
    def test_lists_the_refurbishers_paid_orders_with_what_shipping_needs(
        self, api_key, api_client, other_api_key
    ):
        seller_order = paid(api_key, price="459.00", shipping="9.90", quantity=2)
        theirs = seller_order_paid(refurbisher=other_api_key.refurbisher)

        response = api_client.get(ORDERS)

        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 1
        [row] = body["results"]
        assert row["reference"] == seller_order.order.reference
        assert theirs.order.reference not in response.content.decode()
        assert row["status"] == "paid"
        assert row["market"] == "FR" and row["currency"] == "EUR"
        assert row["late"] is False
        assert row["ship_by"] == seller_order.ship_by.isoformat().replace("+00:00", "Z")
        assert (row["items_amount"], row["shipping_amount"], row["total_amount"]) == (
            "918.00",
            "9.90",
            "927.90",
        )
        assert row["actions"] == ["accept", "cancel"]
        assert (row["carrier"], row["tracking_number"]) == (None, "")
        assert row["ship_to"] == {
            "name": "Camille Martin", "line1": "8 rue Oberkampf", "line2": "",
            "postal_code": "75011", "city": "Paris", "country": "FR", "phone": "",
        }  # fmt: skip
        [line] = row["lines"]
        sold = seller_order.lines.get()
        assert line["id"] == sold.pk
        assert line["sku"] == sold.listing.sku
        assert (line["title"], line["grade"], line["quantity"]) == (
            sold.title,
            sold.grade,
            2,
        )
        assert (line["unit_price"], line["line_amount"]) == ("459.00", "918.00")
        assert line["serials"] == []
        assert "email" not in row  # the shopper's contact stays with ReMarket

    def test_serials_show_once_shipped(self, api_key, api_client):
        seller_order = seller_order_shipped(paid(api_key))
        [row] = api_client.get(ORDERS).json()["results"]
        assert row["status"] == "shipped"
        assert row["lines"][0]["serials"] == [IMEI]
        assert row["carrier"] == "colissimo"
        assert row["tracking_number"] == seller_order.tracking_number
        assert row["tracking_url"].startswith("https://www.laposte.fr/")
        assert row["actions"] == []

    def test_an_unpaid_checkout_is_not_the_sellers_business(self, api_key, api_client):
        from tests.support.order_builders import start

        start((fr_listing(api_key.refurbisher), 1))  # waiting for payment
        assert api_client.get(ORDERS).json()["count"] == 0

    def test_filters_by_status_late_and_paid_since(self, api_key, api_client):
        first = paid(api_key)
        seller_order_accept(seller_order=first, actor=api_key.owner)
        second = paid(api_key)
        # Their ship-by passed: the periodic job's service flags them.
        SellerOrder.objects.filter(pk__in=[first.pk, second.pk]).update(
            ship_by=timezone.now() - dt.timedelta(hours=1)
        )
        assert seller_orders_flag_late() == 2
        since = timezone.now()
        third = paid(api_key)

        def refs(query: str) -> set[str]:
            response = api_client.get(f"{ORDERS}?{query}")
            assert response.status_code == 200, response.content
            return {row["reference"] for row in response.json()["results"]}

        ref = {so.pk: so.order.reference for so in (first, second, third)}
        assert refs("status=accepted") == {ref[first.pk]}
        assert refs("status=paid") == {ref[second.pk], ref[third.pk]}
        assert refs("late=true") == {ref[first.pk], ref[second.pk]}
        assert refs("late=false") == {ref[third.pk]}
        assert refs(f"paid_since={since.isoformat().replace('+00:00', 'Z')}") == {
            ref[third.pk]
        }
        # An offset Python reads but PostgreSQL would refuse: the same moment.
        far_east = since.astimezone(dt.timezone(dt.timedelta(hours=23, minutes=30)))
        assert refs(f"paid_since={quote(far_east.isoformat())}") == {ref[third.pk]}

    def test_ordering_and_paging(self, api_key, api_client):
        cheap = paid(api_key, price="120.00")
        dear = paid(api_key, price="800.00")
        middle = paid(api_key, price="300.00")

        def order(query: str) -> list[str]:
            return [
                row["reference"]
                for row in api_client.get(f"{ORDERS}?{query}").json()["results"]
            ]

        refs = [so.order.reference for so in (cheap, middle, dear)]
        # Newest paid first by default.
        assert order("") == [
            middle.order.reference,
            dear.order.reference,
            cheap.order.reference,
        ]
        assert order("ordering=total_amount") == refs
        assert order("ordering=-total_amount") == refs[::-1]
        page = api_client.get(f"{ORDERS}?ordering=total_amount&page=2&page_size=2")
        assert [row["reference"] for row in page.json()["results"]] == refs[2:]

    @pytest.mark.parametrize(
        "query, field",
        [
            ("status=pending_payment", "status"),
            ("status=shipped-ish", "status"),
            ("late=perhaps", "late"),
            ("paid_since=yesterday", "paid_since"),
            ("ordering=shopper_email", "ordering"),
        ],
    )
    def test_a_bad_filter_is_a_400_naming_it(self, api_key, api_client, query, field):
        response = api_client.get(f"{ORDERS}?{query}")
        assert response.status_code == 400
        error = error_of(response)
        assert error["code"] == "validation_error"
        assert list(error["fields"]) == [field]

    def test_the_list_costs_the_same_queries_for_3_or_20_orders(
        self, api_key, api_client
    ):
        listing = fr_listing(api_key.refurbisher, stock=40)
        shipped = seller_order_shipped(paid(api_key))
        two_lines = order_paid_offline(
            (listing, 2), (fr_listing(api_key.refurbisher), 1)
        ).seller_orders.get()
        seller_order_shipped(two_lines)
        paid(api_key)
        assert shipped.status == Status.SHIPPED

        def add(count: int) -> None:
            for _ in range(count):
                order_paid_offline((listing, 1))

        assert_list_queries_fixed(api_client, ORDERS, add)


class TestDetail:
    def test_one_order_with_its_history(self, api_key, api_client):
        seller_order = paid(api_key)
        seller_order_accept(seller_order=seller_order, actor=api_key.owner)

        response = api_client.get(url_of(seller_order))

        assert response.status_code == 200
        body = response.json()
        assert body["reference"] == seller_order.order.reference
        assert body["status"] == "accepted"
        assert body["actions"] == ["ship", "cancel"]
        assert [(h["from_status"], h["to_status"]) for h in body["history"]] == [
            ("pending_payment", "paid"),
            ("paid", "accepted"),
        ]

    def test_detail_costs_a_fixed_number_of_queries(
        self, api_key, api_client, django_assert_max_num_queries
    ):
        seller_order = seller_order_shipped(paid(api_key, quantity=3))
        api_client.get(url_of(seller_order))
        with django_assert_max_num_queries(LIST_QUERIES_MAX):
            assert api_client.get(url_of(seller_order)).status_code == 200

    def test_an_unknown_reference_is_a_404(self, api_key, api_client):
        response = api_client.get(f"{ORDERS}NOPE-123/")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"


# --- Accepting ----------------------------------------------------------------------


class TestAccept:
    def test_accepting_records_who_through_the_service(self, api_key, api_client):
        seller_order = paid(api_key)

        response = api_client.post(url_of(seller_order, "accept"))

        assert response.status_code == 200, response.content
        assert response.json()["status"] == "accepted"
        seller_order.refresh_from_db()
        assert seller_order.status == Status.ACCEPTED
        assert seller_order.accepted_at is not None
        change = OrderStatusChange.objects.filter(seller_order=seller_order).first()
        assert (change.to_status, change.actor) == ("accepted", api_key.owner)

    def test_accepting_twice_is_a_409(self, api_key, api_client):
        seller_order = paid(api_key)
        assert api_client.post(url_of(seller_order, "accept")).status_code == 200

        response = api_client.post(url_of(seller_order, "accept"))

        assert response.status_code == 409
        error = error_of(response)
        assert error["code"] == "conflict"
        assert "accepted" in error["message"]
        assert OrderStatusChange.objects.filter(to_status="accepted").count() == 1


# --- Shipping -----------------------------------------------------------------------


@pytest.fixture
def accepted(api_key) -> SellerOrder:
    """An accepted order: one line of two units and one line of one unit."""
    refurbisher = api_key.refurbisher
    order = order_paid_offline(
        (fr_listing(refurbisher), 2), (fr_listing(refurbisher), 1)
    )
    seller_order = order.seller_orders.get()
    seller_order_accept(seller_order=seller_order, actor=api_key.owner)
    return seller_order


def nothing_shipped(seller_order: SellerOrder) -> None:
    seller_order.refresh_from_db()
    assert seller_order.status == Status.ACCEPTED
    assert seller_order.tracking_number == ""
    assert not ShippedUnit.objects.filter(line__seller_order=seller_order).exists()


class TestShip:
    def test_shipping_keeps_each_units_serial_and_tells_the_shopper(
        self, api_key, api_client, accepted, django_capture_on_commit_callbacks,
        mailoutbox,
    ):  # fmt: skip
        body = ship_body(accepted)

        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(url_of(accepted, "ship"), body, format="json")

        assert response.status_code == 200, response.content
        shown = response.json()
        assert shown["status"] == "shipped"
        assert shown["tracking_number"] == "6A12345678901"  # as the carrier writes it
        assert [line["serials"] for line in shown["lines"]] == [
            line["serials"] for line in body["lines"]
        ]
        accepted.refresh_from_db()
        assert (accepted.status, accepted.carrier) == (Status.SHIPPED, "colissimo")
        assert ShippedUnit.objects.filter(line__seller_order=accepted).count() == 3
        change = OrderStatusChange.objects.filter(seller_order=accepted).first()
        assert (change.to_status, change.actor) == ("shipped", api_key.owner)
        [email] = [m for m in mailoutbox if "has shipped" in m.subject]
        assert email.to == [accepted.order.email]
        assert "6A12345678901" in email.body

    def test_another_carrier_needs_its_name(self, api_client, accepted):
        body = ship_body(accepted, carrier="other", tracking_number="PK123456")
        response = api_client.post(url_of(accepted, "ship"), body, format="json")
        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == ["carrier_name"]
        nothing_shipped(accepted)

        body["carrier_name"] = "Packlink"
        response = api_client.post(url_of(accepted, "ship"), body, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["carrier_name"] == "Packlink"

    @pytest.mark.parametrize(
        "change, field, words",
        [
            ({"tracking_number": "1Z999AA10123456784"}, "tracking_number",
             "not a Colissimo tracking number"),
            ({"tracking_number": ""}, "tracking_number", "Please give"),
            ({"carrier": "pigeon"}, "carrier", "not a valid choice"),
            ({"carrier": None}, "carrier", ""),
            ({"lines": "all of them"}, "lines", "Expected a list"),
        ],
    )  # fmt: skip
    def test_bad_shipment_details_are_a_400_naming_the_field(
        self, api_client, accepted, change, field, words
    ):
        body = ship_body(accepted, **change)
        response = api_client.post(url_of(accepted, "ship"), body, format="json")
        assert response.status_code == 400, response.content
        error = error_of(response)
        assert list(error["fields"]) == [field]
        assert words in error["fields"][field][0]
        nothing_shipped(accepted)

    def test_a_missing_serial_names_the_unit(self, api_client, accepted):
        body = ship_body(accepted)
        body["lines"][0]["serials"][1] = " "
        response = api_client.post(url_of(accepted, "ship"), body, format="json")
        assert response.status_code == 400
        error = error_of(response)
        assert list(error["fields"]) == ["lines.0.serials.1"]
        assert "unit 2" in error["message"]
        nothing_shipped(accepted)

    def test_too_few_serials_for_a_line_names_the_next_unit(self, api_client, accepted):
        body = ship_body(accepted)
        body["lines"][0]["serials"] = body["lines"][0]["serials"][:1]
        response = api_client.post(url_of(accepted, "ship"), body, format="json")
        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == ["lines.0.serials.1"]
        nothing_shipped(accepted)

    def test_a_mistyped_imei_and_a_repeated_serial_are_refused(
        self, api_client, accepted
    ):
        body = ship_body(accepted)
        body["lines"][1]["serials"] = [IMEI[:-1] + "9"]  # Luhn digit off
        response = api_client.post(url_of(accepted, "ship"), body, format="json")
        assert response.status_code == 400
        error = error_of(response)
        assert error["fields"] == {"lines.1.serials.0": [error["message"]]}
        assert "not a valid IMEI" in error["message"]

        body["lines"][1]["serials"] = [body["lines"][0]["serials"][1]]
        response = api_client.post(url_of(accepted, "ship"), body, format="json")
        assert response.status_code == 400
        assert "given twice" in error_of(response)["fields"]["lines.1.serials.0"][0]
        nothing_shipped(accepted)

    def test_a_line_left_out_or_not_in_the_order_is_a_400(
        self, api_key, api_client, accepted
    ):
        body = ship_body(accepted)
        left_out = {**body, "lines": body["lines"][:1]}
        response = api_client.post(url_of(accepted, "ship"), left_out, format="json")
        assert response.status_code == 400
        error = error_of(response)
        assert list(error["fields"]) == ["lines"]
        assert "(0 given)" in error["message"]

        stranger = seller_order_paid(refurbisher=api_key.refurbisher).lines.get()
        body["lines"].append({"line_id": stranger.pk, "serials": ["SN9999999"]})
        response = api_client.post(url_of(accepted, "ship"), body, format="json")
        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == ["lines.2.line_id"]

        twice = {**ship_body(accepted)}
        twice["lines"] = [*twice["lines"], twice["lines"][0]]
        response = api_client.post(url_of(accepted, "ship"), twice, format="json")
        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == ["lines.2.line_id"]
        nothing_shipped(accepted)

    def test_shipping_a_cancelled_order_is_a_409(self, api_key, api_client):
        seller_order = paid(api_key)
        seller_order_cancel_by_shopper(seller_order=seller_order, actor=None)

        response = api_client.post(
            url_of(seller_order, "ship"), ship_body(seller_order), format="json"
        )

        assert response.status_code == 409
        error = error_of(response)
        assert error["code"] == "conflict"
        assert "cancelled" in error["message"]
        assert not ShippedUnit.objects.exists()

    def test_shipping_before_accepting_is_a_409(self, api_key, api_client):
        seller_order = paid(api_key)
        response = api_client.post(
            url_of(seller_order, "ship"), ship_body(seller_order), format="json"
        )
        assert response.status_code == 409
        seller_order.refresh_from_db()
        assert seller_order.status == Status.PAID

    def test_a_body_that_is_not_json_is_refused(self, api_client, accepted):
        response = api_client.post(
            url_of(accepted, "ship"), "carrier=ups", content_type="text/plain"
        )
        assert response.status_code == 415
        response = api_client.post(
            url_of(accepted, "ship"), "{not json", content_type="application/json"
        )
        assert response.status_code == 400
        assert error_of(response)["code"] == "parse_error"
        nothing_shipped(accepted)


# --- Cancelling ---------------------------------------------------------------------


class TestCancel:
    def test_a_stock_error_cancels_refunds_and_counts_against_the_seller(
        self, api_key, api_client
    ):
        seller_order = paid(api_key, price="459.00")
        listing = Listing.objects.get(order_lines__seller_order=seller_order)
        stock = listing.stock

        response = api_client.post(
            url_of(seller_order, "cancel"),
            {"reason_code": "stock_error", "note": "Sold in our shop this morning."},
            format="json",
        )

        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["status"], body["cancel_reason_code"]) == (
            "cancelled",
            "stock_error",
        )
        assert "Sold in our shop" in body["cancel_reason"]
        seller_order.refresh_from_db()
        assert seller_order.cancelled_by_seller is True
        refund = Refund.objects.get(seller_order=seller_order)
        assert (refund.amount, refund.reason) == (
            Decimal("459.00"),
            RefundReason.SELLER_CANCELLED,
        )
        listing.refresh_from_db()
        assert listing.stock == stock  # a wrong stock count is not restocked
        change = OrderStatusChange.objects.get(
            seller_order=seller_order, to_status="cancelled"
        )
        assert change.actor == api_key.owner

    def test_the_shoppers_wish_restocks_and_does_not_count(self, api_key, api_client):
        seller_order = paid(api_key)
        listing = Listing.objects.get(order_lines__seller_order=seller_order)
        stock = listing.stock
        response = api_client.post(
            url_of(seller_order, "cancel"),
            {"reason_code": "shopper_asked"},
            format="json",
        )
        assert response.status_code == 200
        seller_order.refresh_from_db()
        assert seller_order.cancelled_by_seller is False
        listing.refresh_from_db()
        assert listing.stock == stock + 1

    @pytest.mark.parametrize(
        "body, field",
        [
            ({}, "reason_code"),
            ({"reason_code": "bored"}, "reason_code"),
            ({"reason_code": "other"}, "note"),
            ({"reason_code": "other", "note": "   "}, "note"),
            ({"reason_code": "stock_error", "note": "x" * 501}, "note"),
        ],
    )
    def test_a_missing_or_bad_reason_is_a_400(self, api_key, api_client, body, field):
        seller_order = paid(api_key)
        response = api_client.post(url_of(seller_order, "cancel"), body, format="json")
        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == [field]
        seller_order.refresh_from_db()
        assert seller_order.status == Status.PAID
        assert not Refund.objects.exists()

    def test_a_shipped_order_cannot_be_cancelled(self, api_key, api_client):
        seller_order = seller_order_shipped(paid(api_key))
        response = api_client.post(
            url_of(seller_order, "cancel"),
            {"reason_code": "stock_error"},
            format="json",
        )
        assert response.status_code == 409
        assert "shipped already" in error_of(response)["message"]
        seller_order.refresh_from_db()
        assert seller_order.status == Status.SHIPPED


# --- Who may call -------------------------------------------------------------------


ENDPOINTS = [
    ("get", ""),
    ("post", "accept"),
    ("post", "ship"),
    ("post", "cancel"),
]


class TestAuthorization:
    def test_the_list_needs_a_live_key(self, api_key):
        paid(api_key)
        assert_keys_guard("get", ORDERS, api_key=api_key)

    @pytest.mark.parametrize("method, action", ENDPOINTS)
    def test_each_order_endpoint_needs_a_live_key(self, api_key, method, action):
        seller_order = paid(api_key)
        assert_keys_guard(
            method, url_of(seller_order, action), api_key=api_key,
            body={"reason_code": "shopper_asked"},
        )  # fmt: skip
        seller_order.refresh_from_db()
        assert seller_order.status == Status.PAID

    @pytest.mark.parametrize("method, action", ENDPOINTS)
    def test_another_refurbishers_order_is_a_404(
        self, api_key, other_api_key, method, action
    ):
        theirs = seller_order_paid(refurbisher=other_api_key.refurbisher)
        seller_order_accept(seller_order=theirs, actor=other_api_key.owner)
        body = {**ship_body(theirs), "reason_code": "shopper_asked"}

        response = call(client_for(api_key.key), method, url_of(theirs, action), body)

        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
        theirs.refresh_from_db()
        assert theirs.status == Status.ACCEPTED
        # The owner's own key reaches it (the 404 is about whose it is).
        own = call(client_for(other_api_key.key), "get", url_of(theirs))
        assert own.status_code == 200
