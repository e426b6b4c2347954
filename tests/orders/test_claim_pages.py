"""Warranty claim pages: the shopper files and follows a claim, the seller answers.

Who may see what (invariant 5): the order's shopper (signed in, or a guest
with the order's link), the seller's team, QA; everyone else gets a 404.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format

from orders.models import (
    ClaimPhoto,
    ClaimStatus,
    Refund,
    RefundReason,
    Warranty,
    WarrantyClaim,
)
from orders.services.claims import claim_answer, claim_escalate
from refurbishers.models import MemberRole, Membership
from tests.support.claim_builders import (
    DESCRIPTION,
    delivered,
    file,
    photo,
    qa_make,
    seller_make,
    warranty_of,
)
from tests.support.refurbisher_builders import user_make
from tests.support.shopping import shopper

pytestmark = pytest.mark.django_db
Status = ClaimStatus


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


class Shop:
    """A seller (owner), a guest's delivered order from it, and its warranty."""

    def __init__(self):
        self.owner, self.refurbisher = seller_make()
        self.seller_order = delivered(self.refurbisher)
        self.order = self.seller_order.order
        self.warranty = warranty_of(self.seller_order)

    def guest(self):
        """The guest's browser, granted the order by the email link."""
        client = shopper()
        client.get(f"/orders/access/{self.order.access_token}/")
        return client

    def seller(self, user=None):
        client = shopper()
        client.force_login(user or self.owner)
        return client

    @property
    def new_url(self) -> str:
        return f"/orders/{self.order.reference}/warranties/{self.warranty.pk}/claim/"

    def claim_url(self, claim, action: str = "") -> str:
        base = f"/orders/{self.order.reference}/claims/{claim.pk}/"
        return f"{base}{action}/" if action else base


@pytest.fixture
def shop_with_guest_warranty():
    return Shop()


def seller_url(claim, action: str = "") -> str:
    base = f"/seller/claims/{claim.pk}/"
    return f"{base}{action}/" if action else base


# --- The shopper ----------------------------------------------------------------


class TestShopperFiles:
    def test_the_order_page_offers_report_a_problem_while_the_warranty_runs(
        self, shop_with_guest_warranty
    ):
        client = shop_with_guest_warranty.guest()
        page = client.get(
            f"/orders/{shop_with_guest_warranty.order.reference}/"
        ).content.decode()
        assert f'href="{shop_with_guest_warranty.new_url}"' in page
        assert "Report a problem" in page
        form = client.get(shop_with_guest_warranty.new_url).content.decode()
        assert 'name="problem" value="screen"' in form and "Screen or touch" in form
        assert 'type="file"' in form and 'name="photos" multiple' in form
        assert shop_with_guest_warranty.warranty.unit.serial in form

    def test_filing_with_a_photo_opens_the_claims_page(
        self, shop_with_guest_warranty, mailoutbox, django_capture_on_commit_callbacks
    ):
        client = shop_with_guest_warranty.guest()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                shop_with_guest_warranty.new_url,
                {"problem": "battery", "description": DESCRIPTION, "photos": photo()},
            )
        claim = WarrantyClaim.objects.get()
        assert response.status_code == 302
        assert response["Location"] == shop_with_guest_warranty.claim_url(claim)
        assert claim.filed_by is None and claim.problem == "battery"
        assert [m.to for m in mailoutbox] == [[shop_with_guest_warranty.owner.email]]

        page = client.get(shop_with_guest_warranty.claim_url(claim)).content.decode()
        assert "Waiting for the seller" in page
        assert "Filed" in page and "Seller&#x27;s answer due" in page
        due = claim.answer_due_at.astimezone(ZoneInfo("Europe/Paris"))
        assert f"by {date_format(due, 'l j F Y, H:i')}" in page
        assert "flickers" in page
        photo_url = f"/claims/photos/{claim.photos.get().pk}/"
        assert f'src="{photo_url}"' in page and "/media/" not in page
        served = client.get(photo_url)
        assert served.status_code == 200
        assert served["Content-Type"] == "image/png"
        assert served["X-Content-Type-Options"] == "nosniff"
        with claim.photos.get().image.open("rb") as stored:
            assert b"".join(served.streaming_content) == stored.read()

        order_page = client.get(
            f"/orders/{shop_with_guest_warranty.order.reference}/"
        ).content.decode()
        assert f'href="{shop_with_guest_warranty.claim_url(claim)}"' in order_page
        assert "Report a problem" not in order_page

    def test_a_refused_photo_keeps_what_was_typed_and_asks_for_the_photos_again(
        self, shop_with_guest_warranty
    ):
        fake = SimpleUploadedFile("screen.jpg", b"not an image", "image/jpeg")
        response = shop_with_guest_warranty.guest().post(
            shop_with_guest_warranty.new_url,
            {"problem": "camera", "description": DESCRIPTION, "photos": [fake]},
        )
        page = response.content.decode()
        assert response.status_code == 400
        assert "not an image we can read" in page
        assert 'id="claim-photos-error"' in page
        assert f">{DESCRIPTION}</textarea>" in page
        assert 'value="camera" checked' in page
        assert "please choose your photos again" in page
        assert not WarrantyClaim.objects.exists()
        assert not ClaimPhoto.objects.exists()

    def test_a_short_description_is_a_form_error_beside_the_field(
        self, shop_with_guest_warranty
    ):
        response = shop_with_guest_warranty.guest().post(
            shop_with_guest_warranty.new_url,
            {"problem": "screen", "description": "Broken."},
        )
        page = response.content.decode()
        assert response.status_code == 400
        assert 'id="claim-description-error"' in page and ">Broken.</textarea>" in page
        assert "choose them again" in page

    def test_after_the_warranty_the_page_says_so_and_filing_is_refused(
        self, shop_with_guest_warranty
    ):
        Warranty.objects.filter(pk=shop_with_guest_warranty.warranty.pk).update(
            starts_at=timezone.now() - dt.timedelta(days=400),
            ends_at=timezone.now() - dt.timedelta(days=1),
        )
        client = shop_with_guest_warranty.guest()
        order_page = client.get(
            f"/orders/{shop_with_guest_warranty.order.reference}/"
        ).content.decode()
        assert "Report a problem" not in order_page
        assert (
            "so a claim can no longer be filed"
            in client.get(shop_with_guest_warranty.new_url).content.decode()
        )
        response = client.post(
            shop_with_guest_warranty.new_url,
            {"problem": "screen", "description": DESCRIPTION},
        )
        assert response.status_code == 400
        assert "This warranty ended on" in response.content.decode()
        assert not WarrantyClaim.objects.exists()

    def test_a_signed_in_owner_files_as_themselves(self):
        buyer = user_make(email="ana@example.com")
        _, refurbisher = seller_make()
        seller_order = delivered(refurbisher, user=buyer)
        warranty = warranty_of(seller_order)
        reference = seller_order.order.reference
        client = shopper(user=buyer)
        response = client.post(
            f"/orders/{reference}/warranties/{warranty.pk}/claim/",
            {"problem": "screen", "description": DESCRIPTION},
        )
        assert response.status_code == 302
        assert WarrantyClaim.objects.get().filed_by == buyer


class TestShopperFollows:
    def test_the_shopper_accepts_a_refund_and_sees_it(self, shop_with_guest_warranty):
        claim = file(shop_with_guest_warranty.warranty)
        claim_answer(
            claim=claim, actor=shop_with_guest_warranty.owner, remedy="refund",
            message="We have no spare screens.", refund_amount="120.00",
        )  # fmt: skip
        client = shop_with_guest_warranty.guest()
        page = client.get(shop_with_guest_warranty.claim_url(claim)).content.decode()
        assert "We have no spare screens." in page
        assert "Accept the refund of 120,00" in page
        assert "Ask ReMarket to decide" in page
        response = client.post(shop_with_guest_warranty.claim_url(claim, "accept"))
        assert response.status_code == 302
        refund = Refund.objects.get(reason=RefundReason.WARRANTY_CLAIM)
        assert refund.amount == Decimal("120.00")
        page = client.get(shop_with_guest_warranty.claim_url(claim)).content.decode()
        assert "Solution accepted" in page and "Refund of" in page
        again = client.post(shop_with_guest_warranty.claim_url(claim, "accept"))
        assert again.status_code == 409
        assert "accepted this already" in again.content.decode()
        assert Refund.objects.filter(reason=RefundReason.WARRANTY_CLAIM).count() == 1

    def test_the_shopper_asks_remarket_with_a_reason_kept_on_error(
        self, shop_with_guest_warranty
    ):
        claim = file(shop_with_guest_warranty.warranty)
        claim_answer(
            claim=claim,
            actor=shop_with_guest_warranty.owner,
            remedy="decline",
            message="Not covered.",
        )
        client = shop_with_guest_warranty.guest()
        response = client.post(
            shop_with_guest_warranty.claim_url(claim, "escalate"), {"reason": "  "}
        )
        assert response.status_code == 400
        assert 'id="claim-reason-error"' in response.content.decode()
        response = client.post(
            shop_with_guest_warranty.claim_url(claim, "escalate"),
            {"reason": "It is a factory fault."},
        )
        assert response.status_code == 302
        claim.refresh_from_db()
        assert claim.status == Status.ESCALATED
        page = client.get(shop_with_guest_warranty.claim_url(claim)).content.decode()
        assert "With ReMarket" in page and "It is a factory fault." in page
        assert "Our quality team is looking at it" in page

    def test_an_open_claim_cannot_be_escalated_before_its_answer_time(
        self, shop_with_guest_warranty
    ):
        claim = file(shop_with_guest_warranty.warranty)
        client = shop_with_guest_warranty.guest()
        assert (
            "No answer yet"
            not in client.get(
                shop_with_guest_warranty.claim_url(claim)
            ).content.decode()
        )
        response = client.post(
            shop_with_guest_warranty.claim_url(claim, "escalate"), {"reason": "Slow."}
        )
        assert response.status_code == 409
        assert "The seller has until" in response.content.decode()
        WarrantyClaim.objects.filter(pk=claim.pk).update(
            answer_due_at=timezone.now() - dt.timedelta(minutes=5)
        )
        page = client.get(shop_with_guest_warranty.claim_url(claim)).content.decode()
        assert "No answer yet" in page
        response = client.post(
            shop_with_guest_warranty.claim_url(claim, "escalate"), {"reason": "Slow."}
        )
        assert response.status_code == 302

    def test_the_email_link_with_the_token_opens_the_claim_for_a_guest(
        self, shop_with_guest_warranty
    ):
        claim = file(shop_with_guest_warranty.warranty)
        client = shopper()
        assert client.get(shop_with_guest_warranty.claim_url(claim)).status_code == 404
        token = shop_with_guest_warranty.order.access_token
        url = f"{shop_with_guest_warranty.claim_url(claim)}?token={token}"
        assert client.get(url).status_code == 200
        # The session now holds the grant, as with the order's own link.
        assert client.get(shop_with_guest_warranty.claim_url(claim)).status_code == 200
        assert (
            client.get(
                f"{shop_with_guest_warranty.claim_url(claim)}?token=wrong"
            ).status_code
            == 200
        )
        assert (
            shopper()
            .get(f"{shop_with_guest_warranty.claim_url(claim)}?token=wrong")
            .status_code
            == 404
        )


class TestStrangers:
    def test_another_shopper_gets_404s_everywhere(self, shop_with_guest_warranty):
        claim = file(shop_with_guest_warranty.warranty, photos=[photo()])
        claim_answer(
            claim=claim,
            actor=shop_with_guest_warranty.owner,
            remedy="repair",
            message="",
        )
        photo_url = f"/claims/photos/{claim.photos.get().pk}/"
        for client in (shopper(), shopper(user=user_make())):
            assert client.get(shop_with_guest_warranty.new_url).status_code == 404
            assert (
                client.post(
                    shop_with_guest_warranty.new_url, {"problem": "screen"}
                ).status_code
                == 404
            )
            assert (
                client.get(shop_with_guest_warranty.claim_url(claim)).status_code == 404
            )
            assert (
                client.post(
                    shop_with_guest_warranty.claim_url(claim, "accept")
                ).status_code
                == 404
            )
            response = client.post(
                shop_with_guest_warranty.claim_url(claim, "escalate"), {"reason": "x"}
            )
            assert response.status_code == 404
            assert client.get(photo_url).status_code == 404
        claim.refresh_from_db()
        assert claim.status == Status.ANSWERED
        assert WarrantyClaim.objects.count() == 1

    def test_a_claim_is_reached_only_through_its_own_order(
        self, shop_with_guest_warranty
    ):
        other = Shop()
        claim = file(other.warranty)
        client = shop_with_guest_warranty.guest()
        url = f"/orders/{shop_with_guest_warranty.order.reference}/claims/{claim.pk}/"
        assert client.get(url).status_code == 404
        reference = shop_with_guest_warranty.order.reference
        wrong_warranty = f"/orders/{reference}/warranties/{other.warranty.pk}/claim/"
        assert client.get(wrong_warranty).status_code == 404

    def test_photos_are_for_the_shopper_the_sellers_team_and_qa_only(
        self, shop_with_guest_warranty
    ):
        claim = file(shop_with_guest_warranty.warranty, photos=[photo()])
        url = f"/claims/photos/{claim.photos.get().pk}/"
        staff = user_make()
        Membership.objects.create(
            user=staff,
            refurbisher=shop_with_guest_warranty.refurbisher,
            role=MemberRole.STAFF,
        )
        assert shop_with_guest_warranty.seller(staff).get(url).status_code == 200
        assert shop_with_guest_warranty.seller().get(url).status_code == 200
        other_owner, _ = seller_make()
        assert shop_with_guest_warranty.seller(other_owner).get(url).status_code == 404
        assert shop_with_guest_warranty.seller(qa_make()).get(url).status_code == 200
        assert (
            shop_with_guest_warranty.seller(user_make(is_staff=True))
            .get(url)
            .status_code
            == 404
        )
        assert shopper().get("/claims/photos/999999/").status_code == 404


# --- The seller ----------------------------------------------------------------------


class TestSellerList:
    def test_the_list_shows_waiting_claims_with_their_due_time(
        self, shop_with_guest_warranty
    ):
        claim = file(shop_with_guest_warranty.warranty)
        WarrantyClaim.objects.filter(pk=claim.pk).update(
            answer_due_at=timezone.now() + dt.timedelta(hours=5, minutes=30)
        )
        late = file(warranty_of(delivered(shop_with_guest_warranty.refurbisher)))
        WarrantyClaim.objects.filter(pk=late.pk).update(
            answer_due_at=timezone.now() - dt.timedelta(hours=1)
        )
        page = shop_with_guest_warranty.seller().get("/seller/claims/").content.decode()
        assert f'href="/seller/claims/{claim.pk}/"' in page
        assert "due in 6 hours" in page
        assert ">Overdue</span>" in page
        assert "1 claim past its answer time" in page
        assert 'aria-current="page">Warranty claims' in page
        assert "Waiting for you <span" in page

    def test_filters_show_waiting_with_remarket_or_all_with_counts(
        self, shop_with_guest_warranty
    ):
        waiting = file(shop_with_guest_warranty.warranty)
        escalated = file(warranty_of(delivered(shop_with_guest_warranty.refurbisher)))
        claim_answer(
            claim=escalated,
            actor=shop_with_guest_warranty.owner,
            remedy="decline",
            message="No.",
        )
        claim_escalate(claim=escalated, actor=None, reason="Please look.")
        client = shop_with_guest_warranty.seller()
        page = client.get("/seller/claims/?show=waiting").content.decode()
        assert seller_url(waiting) in page and seller_url(escalated) not in page
        page = client.get("/seller/claims/?show=remarket").content.decode()
        assert seller_url(escalated) in page and seller_url(waiting) not in page
        page = client.get("/seller/claims/?show=all").content.decode()
        assert seller_url(escalated) in page and seller_url(waiting) in page
        assert '<span class="claim-count">2</span>' in page

    def test_another_sellers_claims_are_not_listed(self, shop_with_guest_warranty):
        claim = file(shop_with_guest_warranty.warranty)
        other_owner, _ = seller_make()
        page = (
            shop_with_guest_warranty.seller(other_owner)
            .get("/seller/claims/?show=all")
            .content.decode()
        )
        assert seller_url(claim) not in page
        assert "No warranty claims yet" in page

    def test_the_list_is_paginated(self, shop_with_guest_warranty, monkeypatch):
        monkeypatch.setattr("orders.selectors.claims.PAGE_SIZE", 1)
        first = file(shop_with_guest_warranty.warranty)
        second = file(warranty_of(delivered(shop_with_guest_warranty.refurbisher)))
        client = shop_with_guest_warranty.seller()
        page = client.get("/seller/claims/?show=all").content.decode()
        assert "Page 1 of 2" in page
        page2 = client.get("/seller/claims/?show=all&page=2").content.decode()
        assert {seller_url(first) in page, seller_url(first) in page2} == {True, False}
        assert {seller_url(second) in page, seller_url(second) in page2} == {
            True,
            False,
        }

    def test_the_list_costs_the_same_queries_for_one_or_many_claims(
        self, shop_with_guest_warranty
    ):
        client = shop_with_guest_warranty.seller()
        file(shop_with_guest_warranty.warranty)
        with CaptureQueriesContext(connection) as one:
            assert client.get("/seller/claims/").status_code == 200
        for _ in range(4):
            file(
                warranty_of(delivered(shop_with_guest_warranty.refurbisher)),
                photos=[photo()],
            )
        with CaptureQueriesContext(connection) as five:
            page = client.get("/seller/claims/").content.decode()
        assert page.count('href="/seller/claims/') >= 5
        assert len(five) == len(one)
        assert len(one) <= 10


class TestSellerAnswers:
    def test_the_claim_page_shows_the_device_the_report_and_the_form(
        self, shop_with_guest_warranty
    ):
        claim = file(shop_with_guest_warranty.warranty, photos=[photo()])
        page = shop_with_guest_warranty.seller().get(seller_url(claim)).content.decode()
        assert shop_with_guest_warranty.warranty.unit.serial in page
        assert shop_with_guest_warranty.warranty.line.title in page
        assert f"{shop_with_guest_warranty.warranty.ends_at:%Y}" in page
        assert "Screen or touch" in page and "flickers" in page
        assert f'src="/claims/photos/{claim.photos.get().pk}/"' in page
        assert 'name="remedy" value="repair"' in page
        assert 'name="refund_amount"' in page
        assert "Answer by" in page and "Europe/Paris time" in page

    def test_the_seller_answers_with_a_repair_and_the_shopper_is_told(
        self, shop_with_guest_warranty, mailoutbox, django_capture_on_commit_callbacks
    ):
        claim = file(shop_with_guest_warranty.warranty)
        with django_capture_on_commit_callbacks(execute=True):
            response = shop_with_guest_warranty.seller().post(
                seller_url(claim, "answer"),
                {"remedy": "repair", "message": "Send it to our Lyon workshop."},
            )
        assert response.status_code == 302
        assert response["Location"] == seller_url(claim)
        claim.refresh_from_db()
        assert claim.status == Status.ANSWERED and claim.seller_remedy == "repair"
        assert claim.status_changes.last().actor == shop_with_guest_warranty.owner
        assert [m.to for m in mailoutbox] == [[shop_with_guest_warranty.order.email]]
        page = shop_with_guest_warranty.seller().get(seller_url(claim)).content.decode()
        assert "Send it to our Lyon workshop." in page
        assert 'name="remedy"' not in page

    def test_a_refund_without_an_amount_keeps_what_was_typed(
        self, shop_with_guest_warranty
    ):
        claim = file(shop_with_guest_warranty.warranty)
        response = shop_with_guest_warranty.seller().post(
            seller_url(claim, "answer"),
            {"remedy": "refund", "message": "Half back.", "refund_amount": ""},
        )
        page = response.content.decode()
        assert response.status_code == 400
        assert 'id="claim-refund-amount-error"' in page
        assert ">Half back.</textarea>" in page
        assert 'value="refund" checked' in page
        claim.refresh_from_db()
        assert claim.status == Status.OPEN

    def test_answering_an_escalated_claim_is_a_409(self, shop_with_guest_warranty):
        claim = file(shop_with_guest_warranty.warranty)
        WarrantyClaim.objects.filter(pk=claim.pk).update(
            answer_due_at=timezone.now() - dt.timedelta(hours=1)
        )
        claim_escalate(claim=claim, actor=None, reason="Late.")
        response = shop_with_guest_warranty.seller().post(
            seller_url(claim, "answer"), {"remedy": "repair", "message": ""}
        )
        assert response.status_code == 409
        assert "with ReMarket now" in response.content.decode()

    def test_another_seller_gets_a_404_and_cannot_answer(
        self, shop_with_guest_warranty
    ):
        claim = file(shop_with_guest_warranty.warranty)
        other_owner, _ = seller_make()
        client = shop_with_guest_warranty.seller(other_owner)
        assert client.get(seller_url(claim)).status_code == 404
        response = client.post(
            seller_url(claim, "answer"), {"remedy": "repair", "message": ""}
        )
        assert response.status_code == 404
        claim.refresh_from_db()
        assert claim.status == Status.OPEN

    def test_signed_out_people_are_sent_to_sign_in(self, shop_with_guest_warranty):
        claim = file(shop_with_guest_warranty.warranty)
        response = shopper().get(seller_url(claim))
        assert response["Location"].startswith("/accounts/sign-in/")

    def test_the_sellers_order_page_lists_its_claims(self, shop_with_guest_warranty):
        claim = file(shop_with_guest_warranty.warranty)
        page = (
            shop_with_guest_warranty.seller()
            .get(f"/seller/orders/{shop_with_guest_warranty.order.reference}/")
            .content.decode()
        )
        assert "Warranty claims" in page
        assert f'href="{seller_url(claim)}"' in page
