"""Seller API, messages: threads, one thread, and writing to the shopper."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from orders.models import Message, MessageAuthor, SellerOrder
from orders.services.messages import message_send
from tests.support.api import (
    SellerKey,
    assert_keys_guard,
    assert_list_queries_fixed,
    client_for,
    error_of,
)
from tests.support.images import image_bytes
from tests.support.order_builders import (
    fr_listing,
    order_paid_offline,
    seller_order_paid,
    start,
)

MESSAGES = "/api/v1/seller/messages/"
PNG = image_bytes("PNG")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def shopper_writes(seller_order: SellerOrder, body: str, **kwargs) -> Message:
    return message_send(
        seller_order=seller_order, author=MessageAuthor.SHOPPER, sender=None,
        body=body, **kwargs,
    )  # fmt: skip


def seller_writes(api_key: SellerKey, seller_order: SellerOrder, body: str):
    return message_send(
        seller_order=seller_order, author=MessageAuthor.SELLER,
        sender=api_key.owner, body=body,
    )  # fmt: skip


def url_of(seller_order: SellerOrder) -> str:
    return f"{MESSAGES}{seller_order.order.reference}/"


@pytest.fixture
def thread(api_key) -> SellerOrder:
    """A paid seller order the shopper asked about."""
    seller_order = seller_order_paid(refurbisher=api_key.refurbisher)
    shopper_writes(seller_order, "Hello, is the battery new?")
    return seller_order


class TestThreads:
    def test_threads_waiting_for_an_answer_come_first_with_their_last_message(
        self, api_key, api_client, other_api_key, thread
    ):
        answered = seller_order_paid(refurbisher=api_key.refurbisher)
        shopper_writes(answered, "Can you ship on Saturday?")
        seller_writes(api_key, answered, "Yes, it leaves on Saturday.")
        seller_order_paid(refurbisher=api_key.refurbisher)  # no messages
        theirs = seller_order_paid(refurbisher=other_api_key.refurbisher)
        shopper_writes(theirs, "A question for another seller.")

        response = api_client.get(MESSAGES)

        assert response.status_code == 200
        rows = response.json()["results"]
        assert [row["reference"] for row in rows] == [
            thread.order.reference,
            answered.order.reference,
        ]
        waiting, done = rows
        assert (waiting["waiting"], waiting["waiting_count"]) == (True, 1)
        assert waiting["waiting_since"] is not None
        assert waiting["message_count"] == 1
        assert waiting["last_message"]["author"] == "shopper"
        assert waiting["last_message"]["body"] == "Hello, is the battery new?"
        assert (done["waiting"], done["waiting_count"]) == (False, 0)
        assert done["waiting_since"] is None
        assert done["message_count"] == 2
        assert done["last_message"] == {
            "author": "seller",
            "body": "Yes, it leaves on Saturday.",
            "at": done["last_message"]["at"],
        }
        assert "another seller" not in response.content.decode()

    def test_the_list_costs_the_same_queries_for_3_or_20_threads(
        self, api_key, api_client
    ):
        listing = fr_listing(api_key.refurbisher, stock=30)

        def add(count: int) -> None:
            for number in range(count):
                seller_order = order_paid_offline((listing, 1)).seller_orders.get()
                shopper_writes(seller_order, f"Question {number}")
                if number % 2:
                    seller_writes(api_key, seller_order, "An answer.")

        add(3)
        assert_list_queries_fixed(api_client, MESSAGES, add)


class TestThread:
    def test_a_threads_messages_oldest_first(self, api_key, api_client, thread):
        photo = SimpleUploadedFile("box.png", PNG, content_type="image/png")
        shopper_writes(thread, "Here is the box.", image=photo)
        seller_writes(api_key, thread, "Thanks, all good.")

        response = api_client.get(url_of(thread))

        assert response.status_code == 200
        body = response.json()
        assert (body["reference"], body["status"]) == (thread.order.reference, "paid")
        assert [(m["author"], m["body"], m["has_image"]) for m in body["messages"]] == [
            ("shopper", "Hello, is the battery new?", False),
            ("shopper", "Here is the box.", True),
            ("seller", "Thanks, all good.", False),
        ]
        assert body["messages"][0]["answered_at"] is not None

    def test_an_order_without_messages_has_an_empty_thread(self, api_key, api_client):
        seller_order = seller_order_paid(refurbisher=api_key.refurbisher)
        response = api_client.get(url_of(seller_order))
        assert response.status_code == 200
        assert response.json()["messages"] == []

    def test_an_unpaid_checkout_has_no_thread(self, api_key, api_client):
        order = start((fr_listing(api_key.refurbisher), 1))
        response = api_client.get(f"{MESSAGES}{order.reference}/")
        assert response.status_code == 404


class TestSend:
    def test_writing_answers_the_shopper_and_emails_them(
        self, api_key, api_client, thread, django_capture_on_commit_callbacks,
        mailoutbox,
    ):  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(
                url_of(thread), {"body": "  Yes, a new battery.  "}, format="json"
            )

        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["author"], body["body"]) == ("seller", "Yes, a new battery.")
        message = Message.objects.get(pk=body["id"])
        assert (message.sender, message.seller_order) == (api_key.owner, thread)
        question = Message.objects.get(author=MessageAuthor.SHOPPER)
        assert question.answered_at == message.created_at
        [email] = [m for m in mailoutbox if m.to == [thread.order.email]]
        assert "answered" in email.subject
        rows = api_client.get(MESSAGES).json()["results"]
        assert rows[0]["waiting"] is False

    @pytest.mark.parametrize(
        "body, words",
        [
            ({}, "required"),
            ({"body": "   "}, "Write a message"),
            ({"body": "x" * 5001}, "5000 characters at most"),
            ({"body": None}, "null"),
        ],
    )
    def test_an_empty_or_too_long_message_is_a_400(
        self, api_client, thread, body, words
    ):
        response = api_client.post(url_of(thread), body, format="json")
        assert response.status_code == 400, response.content
        error = error_of(response)
        assert list(error["fields"]) == ["body"]
        assert words in error["fields"]["body"][0]
        assert Message.objects.count() == 1

    def test_a_key_whose_maker_left_the_team_cannot_write(
        self, api_key, api_client, thread
    ):
        from refurbishers.models import Membership

        Membership.objects.filter(user=api_key.owner).delete()
        response = api_client.post(url_of(thread), {"body": "Hi"}, format="json")
        # Refused at the door now: the key stopped with its maker's membership.
        assert response.status_code == 401
        assert "no longer works for" in error_of(response)["message"]
        assert Message.objects.count() == 1


class TestAuthorization:
    def test_the_list_needs_a_live_key(self, api_key, thread):
        assert_keys_guard("get", MESSAGES, api_key=api_key)

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_a_thread_needs_a_live_key(self, api_key, thread, method):
        assert_keys_guard(method, url_of(thread), api_key=api_key, body={"body": "Hi"})
        assert Message.objects.count() == 1

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_another_refurbishers_thread_is_a_404(self, api_key, other_api_key, method):
        theirs = seller_order_paid(refurbisher=other_api_key.refurbisher)
        shopper_writes(theirs, "A private question.")
        client = client_for(api_key.key)
        if method == "get":
            response = client.get(url_of(theirs))
        else:
            response = client.post(url_of(theirs), {"body": "Hi"}, format="json")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
        assert "private" not in response.content.decode()
        assert Message.objects.count() == 1
