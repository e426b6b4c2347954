"""Seller API, warranty claims: list, detail and answer, through the real services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import (
    ClaimStatus,
    ClaimStatusChange,
    SellerOrder,
    Warranty,
    WarrantyClaim,
)
from orders.services.claims import claim_answer, claim_escalate, claim_file
from refurbishers.models import Membership
from tests.support.api import (
    SellerKey,
    assert_keys_guard,
    assert_list_queries_fixed,
    client_for,
    error_of,
)
from tests.support.images import image_bytes
from tests.support.order_builders import seller_order_delivered, seller_order_paid

CLAIMS = "/api/v1/seller/claims/"
DESCRIPTION = "The screen flickers and goes black after a few minutes of use."
PNG = image_bytes("PNG")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def delivered(api_key: SellerKey, *, quantity: int = 1, price: str = "400.00"):
    return seller_order_delivered(
        seller_order_paid(
            refurbisher=api_key.refurbisher,
            quantity=quantity,
            price=price,
            stock=max(quantity, 5),
        )
    )


def claims_on(seller_order: SellerOrder, **fields) -> list[WarrantyClaim]:
    """One claim filed by the shopper on each device of the seller order."""
    fields = {"problem": "screen", "description": DESCRIPTION, "photos": [], **fields}
    return [
        claim_file(warranty=warranty, actor=None, **fields)
        for warranty in Warranty.objects.filter(line__seller_order=seller_order)
    ]


@pytest.fixture
def claim(api_key) -> WarrantyClaim:
    """An open claim on a delivered 400.00 phone of the key's refurbisher."""
    [claim] = claims_on(delivered(api_key))
    return claim


def url_of(claim: WarrantyClaim, action: str = "") -> str:
    return f"{CLAIMS}{claim.pk}/" + (f"{action}/" if action else "")


class TestRead:
    def test_lists_the_refurbishers_claims_with_the_device(
        self, api_key, api_client, other_api_key, claim
    ):
        [theirs] = claims_on(delivered(other_api_key))

        response = api_client.get(CLAIMS)

        assert response.status_code == 200
        assert response.json()["count"] == 1
        [row] = response.json()["results"]
        assert row["id"] == claim.pk and row["id"] != theirs.pk
        assert row["reference"] == claim.seller_order.order.reference
        assert (row["status"], row["problem"]) == ("open", "screen")
        assert row["description"] == DESCRIPTION
        assert row["overdue"] is False
        assert row["answer_due_at"] is not None
        device = row["device"]
        warranty = claim.warranty
        assert device["serial"] == warranty.unit.serial
        assert device["title"] == warranty.line.title
        assert device["unit_price"] == "400.00"
        assert device["warranty_months"] == warranty.months
        assert (row["refund_amount"], row["currency"]) == (None, "EUR")
        assert (row["seller_remedy"], row["qa_remedy"]) == (None, None)

    def test_waiting_claims_come_first_and_status_filters(self, api_key, api_client):
        first, second = claims_on(delivered(api_key, quantity=2))
        claim_answer(
            claim=first, actor=api_key.owner, remedy="repair", message="Send it in."
        )
        WarrantyClaim.objects.filter(pk=second.pk).update(
            answer_due_at=timezone.now() - dt.timedelta(hours=1)
        )

        rows = api_client.get(CLAIMS).json()["results"]
        assert [(r["id"], r["status"], r["overdue"]) for r in rows] == [
            (second.pk, "open", True),
            (first.pk, "answered", False),
        ]
        answered = api_client.get(f"{CLAIMS}?status=answered").json()["results"]
        assert [r["id"] for r in answered] == [first.pk]
        assert answered[0]["seller_remedy"] == "repair"
        response = api_client.get(f"{CLAIMS}?status=lost")
        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == ["status"]

    def test_one_claim_with_its_photos_and_history(self, api_key, api_client):
        from django.core.files.uploadedfile import SimpleUploadedFile

        photo = SimpleUploadedFile("screen.png", PNG, content_type="image/png")
        [claim] = claims_on(delivered(api_key), photos=[photo])

        response = api_client.get(url_of(claim))

        assert response.status_code == 200
        body = response.json()
        assert body["id"] == claim.pk
        assert body["photo_count"] == 1
        assert [(h["from_status"], h["to_status"]) for h in body["history"]] == [
            ("", "open")
        ]

    def test_the_list_costs_the_same_queries_for_3_or_20_claims(
        self, api_key, api_client
    ):
        claims_on(delivered(api_key, quantity=3))

        def add(count: int) -> None:
            while count:
                batch = min(count, 10)  # at most 10 units in a line
                claims_on(delivered(api_key, quantity=batch))
                count -= batch

        assert_list_queries_fixed(api_client, CLAIMS, add)

    def test_an_unknown_claim_is_a_404(self, api_client):
        assert api_client.get(f"{CLAIMS}987654/").status_code == 404
        assert api_client.get(f"{CLAIMS}99999999999999999999/").status_code == 404
        response = api_client.get(f"{CLAIMS}abc/")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"  # JSON, not the site's page


class TestAnswer:
    def test_a_refund_offer_through_the_service(
        self, api_key, api_client, claim, django_capture_on_commit_callbacks,
        mailoutbox,
    ):  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(
                url_of(claim, "answer"),
                {"remedy": "refund", "refund_amount": "150.00",
                 "message": "Sorry about that."},
                format="json",
            )  # fmt: skip

        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["status"], body["seller_remedy"]) == ("answered", "refund")
        assert body["refund_amount"] == "150.00"
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.ANSWERED
        assert claim.refund_amount == Decimal("150.00")
        assert claim.seller_message == "Sorry about that."
        change = ClaimStatusChange.objects.filter(claim=claim).order_by("-pk").first()
        assert (change.to_status, change.actor) == ("answered", api_key.owner)
        assert [m for m in mailoutbox if m.to == [claim.seller_order.order.email]]

    def test_declining_needs_a_reason(self, api_client, claim):
        response = api_client.post(
            url_of(claim, "answer"), {"remedy": "decline"}, format="json"
        )
        assert response.status_code == 400
        error = error_of(response)
        assert list(error["fields"]) == ["message"]
        assert "why you decline" in error["message"]

        response = api_client.post(
            url_of(claim, "answer"),
            {"remedy": "decline", "message": "Water damage inside."},
            format="json",
        )
        assert response.status_code == 200
        assert response.json()["seller_remedy"] == "decline"

    @pytest.mark.parametrize(
        "body, field, words",
        [
            ({}, "remedy", "required"),
            ({"remedy": "apology"}, "remedy", "not a valid choice"),
            ({"remedy": "refund"}, "refund_amount", "Please give the amount"),
            ({"remedy": "refund", "refund_amount": "0"}, "refund_amount",
             "more than zero"),
            ({"remedy": "refund", "refund_amount": "400.01"}, "refund_amount",
             "at most the device's price"),
            ({"remedy": "refund", "refund_amount": "12.345"}, "refund_amount",
             "decimal places"),
            ({"remedy": "refund", "refund_amount": "lots"}, "refund_amount",
             "valid number"),
            ({"remedy": "repair", "message": "x" * 4001}, "message", "4000"),
        ],
    )  # fmt: skip
    def test_bad_answers_are_a_400_naming_the_field(
        self, api_client, claim, body, field, words
    ):
        response = api_client.post(url_of(claim, "answer"), body, format="json")
        assert response.status_code == 400, response.content
        error = error_of(response)
        assert list(error["fields"]) == [field]
        assert words in error["fields"][field][0]
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.OPEN
        assert claim.answered_at is None

    def test_answering_twice_or_once_escalated_is_a_409(self, api_key, api_client):
        first, second = claims_on(delivered(api_key, quantity=2))
        repair = {"remedy": "repair"}
        response = api_client.post(url_of(first, "answer"), repair, format="json")
        assert response.status_code == 200

        response = api_client.post(url_of(first, "answer"), repair, format="json")
        assert response.status_code == 409
        assert "answered already" in error_of(response)["message"]

        # Past its due time, as the periodic job escalates it.
        claim_escalate(
            claim=second, actor=None, reason="No answer from the seller.",
            at=second.answer_due_at + dt.timedelta(minutes=1),
        )  # fmt: skip
        response = api_client.post(url_of(second, "answer"), repair, format="json")
        assert response.status_code == 409
        assert "with ReMarket" in error_of(response)["message"]

    def test_a_key_whose_maker_left_the_team_cannot_answer(
        self, api_key, api_client, claim
    ):
        Membership.objects.filter(user=api_key.owner).delete()
        response = api_client.post(
            url_of(claim, "answer"), {"remedy": "repair"}, format="json"
        )
        # Refused at the door now: the key stopped with its maker's membership.
        assert response.status_code == 401
        assert "no longer works for" in error_of(response)["message"]
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.OPEN


class TestAuthorization:
    def test_the_list_needs_a_live_key(self, api_key, claim):
        assert_keys_guard("get", CLAIMS, api_key=api_key)

    @pytest.mark.parametrize("method, action", [("get", ""), ("post", "answer")])
    def test_each_claim_endpoint_needs_a_live_key(self, api_key, claim, method, action):
        assert_keys_guard(
            method, url_of(claim, action), api_key=api_key, body={"remedy": "repair"}
        )
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.OPEN

    @pytest.mark.parametrize("method, action", [("get", ""), ("post", "answer")])
    def test_another_refurbishers_claim_is_a_404(
        self, api_key, other_api_key, method, action
    ):
        [theirs] = claims_on(delivered(other_api_key))
        client = client_for(api_key.key)
        url = url_of(theirs, action)
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, {"remedy": "repair"}, format="json")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
        theirs.refresh_from_db()
        assert theirs.status == ClaimStatus.OPEN
