"""Shopper reviews: written after delivery by whoever holds the order, once per
seller order, editable for a while; the seller's one answer; QA hiding; the
seller's rating recounted from visible reviews; the pages and emails.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from listings.services import catalog_version
from orders.models import SellerOrder
from quality.models import SellerReview
from quality.selectors import reviews_public
from quality.services.ranking import SOON_KEY
from quality.services.reviews import (
    ReviewRefused,
    review_answer,
    review_author_name,
    review_hide,
    review_show,
    review_write,
)
from refurbishers.models import Refurbisher
from tests.support.order_builders import (
    fr_listing,
    order_paid_offline,
    seller_order_delivered,
    seller_order_paid,
    seller_order_shipped,
)
from tests.support.refurbisher_builders import (
    qa_user_make,
    trial_refurbisher_make,
    user_make,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller():
    """(owner, refurbisher): a selling refurbisher with an owner."""
    return trial_refurbisher_make(daily_sales_cap=50)


@pytest.fixture
def buyer():
    return user_make(email="camille@example.com")


def delivered(refurbisher, user=None) -> SellerOrder:
    return seller_order_delivered(seller_order_paid(refurbisher=refurbisher, user=user))


def review_url(seller_order: SellerOrder) -> str:
    return f"/orders/{seller_order.order.reference}/sellers/{seller_order.pk}/review/"


def order_url(seller_order: SellerOrder) -> str:
    return f"/orders/{seller_order.order.reference}/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rating_of(refurbisher: Refurbisher) -> tuple[Decimal | None, int]:
    refurbisher.refresh_from_db()
    return refurbisher.rating_average, refurbisher.rating_count


# --- The service ---------------------------------------------------------------------


class TestWrite:
    def test_a_delivered_order_gets_one_review_named_by_first_name_and_initial(
        self, seller, buyer
    ):
        _, refurbisher = seller
        seller_order = delivered(refurbisher, buyer)

        review = review_write(
            seller_order=seller_order, actor=buyer, rating=4, comment=" Fast! "
        )

        assert (review.author, review.author_name, review.rating, review.comment) == (
            buyer,
            "Camille M.",  # shipped to Camille Martin
            4,
            "Fast!",
        )
        assert review.refurbisher_id == refurbisher.pk
        expected_until = review.created_at + timedelta(days=30)
        assert abs(review.editable_until - expected_until) < timedelta(seconds=5)
        assert rating_of(refurbisher) == (Decimal("4.00"), 1)

    def test_before_delivery_there_is_nothing_to_review(self, seller, buyer):
        _, refurbisher = seller
        paid = seller_order_paid(refurbisher=refurbisher, user=buyer)
        shipped = seller_order_shipped(
            seller_order_paid(refurbisher=refurbisher, user=buyer)
        )
        for seller_order in (paid, shipped):
            with pytest.raises(ReviewRefused) as refused:
                review_write(seller_order=seller_order, actor=buyer, rating=5)
            assert "once it has been delivered" in refused.value.message
        assert not SellerReview.objects.exists()

    def test_writing_again_edits_the_one_review_while_the_window_is_open(
        self, seller, buyer
    ):
        _, refurbisher = seller
        seller_order = delivered(refurbisher, buyer)
        first = review_write(seller_order=seller_order, actor=buyer, rating=2)

        second = review_write(
            seller_order=seller_order, actor=buyer, rating=5, comment="Sorted out."
        )

        assert second.pk == first.pk
        assert SellerReview.objects.count() == 1
        assert rating_of(refurbisher) == (Decimal("5.00"), 1)
        # The window closes (the clock moves): no more changes.
        SellerReview.objects.filter(pk=first.pk).update(
            editable_until=timezone.now() - timedelta(minutes=1)
        )
        with pytest.raises(ReviewRefused) as refused:
            review_write(seller_order=seller_order, actor=buyer, rating=1)
        assert "can no longer be changed" in refused.value.message
        assert SellerReview.objects.get().rating == 5

    @pytest.mark.parametrize("rating", [0, 6, "x", None, "4.5"])
    def test_a_rating_is_one_to_five_stars(self, seller, rating):
        seller_order = delivered(seller[1])
        with pytest.raises(ReviewRefused) as refused:
            review_write(seller_order=seller_order, actor=None, rating=rating)
        assert refused.value.field == "rating"

    def test_a_comment_has_a_length_limit(self, seller):
        seller_order = delivered(seller[1])
        with pytest.raises(ReviewRefused) as refused:
            review_write(
                seller_order=seller_order, actor=None, rating=3, comment="a" * 2001
            )
        assert refused.value.field == "comment"

    @pytest.mark.parametrize(
        ("name", "shown"),
        [
            ("Jordan Lee", "Jordan L."),
            ("Marie-Claire de la Tour", "Marie-Claire T."),
            ("Madonna", "Madonna"),
            ("  ", "A shopper"),
        ],
    )
    def test_the_author_is_shown_by_first_name_and_initial(self, name, shown):
        assert review_author_name(name) == shown

    def test_the_owners_hear_of_a_new_review_not_of_an_edit(
        self, seller, buyer, mailoutbox, django_capture_on_commit_callbacks
    ):
        owner, refurbisher = seller
        seller_order = delivered(refurbisher, buyer)
        mailoutbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            review_write(
                seller_order=seller_order, actor=buyer, rating=2, comment="Scratched."
            )
        with django_capture_on_commit_callbacks(execute=True):
            review_write(seller_order=seller_order, actor=buyer, rating=3)

        reference = seller_order.order.reference
        assert [(m.to, m.subject) for m in mailoutbox] == [
            ([owner.email], f"ReMarket: a new 2 stars review for order {reference}")
        ]
        assert "Scratched." in mailoutbox[0].body
        assert "/seller/reviews/" in mailoutbox[0].body


class TestRating:
    def test_the_rating_counts_visible_reviews_only(
        self, seller, django_capture_on_commit_callbacks, settings
    ):
        settings.RANK_RECOMPUTE_ON_CHANGE = True
        # Scheduled, the recompute must not run in the worker during a later test.
        settings.RANK_RECOMPUTE_DELAY_SECONDS = 3600
        _, refurbisher = seller
        five, two = delivered(refurbisher), delivered(refurbisher)
        review_write(seller_order=five, actor=None, rating=5)
        low = review_write(seller_order=two, actor=None, rating=2)
        assert rating_of(refurbisher) == (Decimal("3.50"), 2)
        version = catalog_version()

        with django_capture_on_commit_callbacks(execute=True):
            review_hide(review=low, actor=qa_user_make(), reason="Personal data")

        assert rating_of(refurbisher) == (Decimal("5.00"), 1)
        assert catalog_version() > version  # cached device pages show the rating
        assert cache.get(SOON_KEY)  # the offers' rank scores weigh it: soon
        low.refresh_from_db()
        assert (low.hidden, low.hidden_reason) == (True, "Personal data")
        review_show(review=low, actor=None)
        assert rating_of(refurbisher) == (Decimal("3.50"), 2)

    def test_hiding_needs_a_reason_and_happens_once(self, seller):
        review = review_write(seller_order=delivered(seller[1]), actor=None, rating=1)
        with pytest.raises(ReviewRefused) as refused:
            review_hide(review=review, actor=None, reason=" ")
        assert refused.value.field == "reason"
        review_hide(review=review, actor=None, reason="Abusive words")
        with pytest.raises(ReviewRefused):
            review_hide(review=review, actor=None, reason="Again")

    def test_the_recount_is_one_statement_that_writes_only_a_change(self, seller):
        from quality.services.reviews import refurbisher_rating_refresh

        _, refurbisher = seller
        review_write(seller_order=delivered(refurbisher), actor=None, rating=4)
        with CaptureQueriesContext(connection) as queries:
            changed = refurbisher_rating_refresh(refurbisher_id=refurbisher.pk)
        assert changed is False
        assert len(queries) == 1


class TestAnswer:
    def test_the_seller_answers_once_and_the_shopper_is_told(
        self, seller, buyer, mailoutbox, django_capture_on_commit_callbacks
    ):
        owner, refurbisher = seller
        review = review_write(
            seller_order=delivered(refurbisher, buyer), actor=buyer, rating=3
        )
        mailoutbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            review_answer(
                review=review, actor=owner, answer="Sorry, a new case is on its way."
            )

        review.refresh_from_db()
        assert (review.seller_answer, review.answered_by) == (
            "Sorry, a new case is on its way.",
            owner,
        )
        assert review.answered_at is not None
        assert [(m.to, m.subject) for m in mailoutbox] == [
            (
                ["camille@example.com"],
                f"ReMarket: {refurbisher.name} answered your review",
            )
        ]
        assert "a new case is on its way" in mailoutbox[0].body
        with pytest.raises(ReviewRefused) as refused:
            review_answer(review=review, actor=owner, answer="And again.")
        assert "already answered" in refused.value.message
        review.refresh_from_db()
        assert review.seller_answer == "Sorry, a new case is on its way."

    def test_only_a_member_of_the_seller_can_answer(self, seller):
        review = review_write(seller_order=delivered(seller[1]), actor=None, rating=3)
        other_owner, _ = trial_refurbisher_make()
        for stranger in (other_owner, user_make()):
            with pytest.raises(ReviewRefused):
                review_answer(review=review, actor=stranger, answer="Hello")
        with pytest.raises(ReviewRefused) as refused:
            review_answer(review=review, actor=seller[0], answer="   ")
        assert refused.value.field == "answer"


# --- The shopper's pages ----------------------------------------------------------


class TestShopperPages:
    def test_the_buyer_rates_a_delivered_order_from_the_order_page(self, seller, buyer):
        _, refurbisher = seller
        seller_order = delivered(refurbisher, buyer)
        client = logged_in(buyer)

        page = client.get(order_url(seller_order)).content.decode()
        assert f"Rate {refurbisher.name}" in page
        assert f'action="{review_url(seller_order)}"' in page

        response = client.post(
            review_url(seller_order), {"rating": "4", "comment": "Like new."}
        )

        assert response.status_code == 302
        assert response["Location"] == (
            f"{order_url(seller_order)}#seller-order-{seller_order.pk}"
        )
        review = SellerReview.objects.get(seller_order=seller_order)
        assert (review.rating, review.comment, review.author) == (4, "Like new.", buyer)
        page = client.get(order_url(seller_order)).content.decode()
        assert f"Your review of {refurbisher.name}" in page
        assert "4 out of 5 stars" in page and "Like new." in page
        assert "Change your review" in page
        assert "Thank you: your review is published." in page

    def test_a_mistake_keeps_what_was_typed(self, seller, buyer):
        seller_order = delivered(seller[1], buyer)

        response = logged_in(buyer).post(
            review_url(seller_order), {"rating": "9", "comment": "Battery as promised."}
        )

        assert response.status_code == 400
        page = response.content.decode()
        assert "Battery as promised.</textarea>" in page
        assert 'class="field-errors"' in page
        assert not SellerReview.objects.exists()

    def test_before_delivery_the_page_says_when_and_a_post_is_refused(
        self, seller, buyer
    ):
        seller_order = seller_order_paid(refurbisher=seller[1], user=buyer)
        client = logged_in(buyer)

        assert "Rate " not in client.get(order_url(seller_order)).content.decode()
        page = client.get(review_url(seller_order))
        assert page.status_code == 200
        assert "once it has been delivered" in page.content.decode()
        response = client.post(review_url(seller_order), {"rating": "5"})
        assert response.status_code == 409
        assert "once it has been delivered" in response.content.decode()
        assert not SellerReview.objects.exists()

    def test_strangers_get_a_404(self, seller, buyer):
        seller_order = delivered(seller[1], buyer)
        for client in (Client(), logged_in(user_make()), logged_in(seller[0])):
            assert client.get(review_url(seller_order)).status_code == 404
            response = client.post(review_url(seller_order), {"rating": "1"})
            assert response.status_code == 404
        # Another order's seller order under this reference: no such thing.
        other = delivered(seller[1], buyer)
        wrong = f"/orders/{seller_order.order.reference}/sellers/{other.pk}/review/"
        assert logged_in(buyer).get(wrong).status_code == 404
        assert not SellerReview.objects.exists()

    def test_a_guest_with_the_email_link_can_review(self, seller):
        seller_order = delivered(seller[1])  # a guest's order
        client = Client()
        client.get(f"/orders/access/{seller_order.order.access_token}/")

        response = client.post(review_url(seller_order), {"rating": "5"})

        assert response.status_code == 302
        review = SellerReview.objects.get()
        assert (review.author, review.author_name) == (None, "Camille M.")

    def test_the_review_page_edits_and_the_window_ends(self, seller, buyer):
        seller_order = delivered(seller[1], buyer)
        review = review_write(
            seller_order=seller_order, actor=buyer, rating=2, comment="Slow."
        )
        client = logged_in(buyer)

        page = client.get(review_url(seller_order)).content.decode()
        assert 'value="2" checked' in page and "Slow.</textarea>" in page
        client.post(review_url(seller_order), {"rating": "4", "comment": "Fine now."})
        review.refresh_from_db()
        assert (review.rating, review.comment) == (4, "Fine now.")

        SellerReview.objects.filter(pk=review.pk).update(
            editable_until=timezone.now() - timedelta(days=1)
        )
        page = client.get(review_url(seller_order)).content.decode()
        assert "can no longer be changed" in page and "<textarea" not in page
        assert (
            "Change your review"
            not in client.get(order_url(seller_order)).content.decode()
        )
        response = client.post(review_url(seller_order), {"rating": "1"})
        assert response.status_code == 409
        review.refresh_from_db()
        assert review.rating == 4

    def test_the_order_page_reads_its_reviews_once_for_every_seller(self, buyer):
        _, first = trial_refurbisher_make()
        _, second = trial_refurbisher_make()
        order = order_paid_offline(
            (fr_listing(first), 1), (fr_listing(second), 1), user=buyer
        )
        for seller_order in order.seller_orders.all():
            seller_order_delivered(seller_order)
            review_write(seller_order=seller_order, actor=buyer, rating=5)

        with CaptureQueriesContext(connection) as queries:
            page = logged_in(buyer).get(f"/orders/{order.reference}/")

        assert page.content.decode().count("Your review of") == 2
        reads = [q for q in queries if 'FROM "quality_sellerreview"' in q["sql"]]
        assert len(reads) == 1


# --- The seller's page ----------------------------------------------------------------


class TestSellerPage:
    def _reviews(self, refurbisher, ratings) -> list[SellerReview]:
        return [
            review_write(seller_order=delivered(refurbisher), actor=None, rating=r,
                         comment=f"{r} stars")
            for r in ratings
        ]  # fmt: skip

    def test_the_seller_sees_its_reviews_filters_and_answers(self, seller):
        owner, refurbisher = seller
        low, high = self._reviews(refurbisher, [1, 5])
        review_answer(review=high, actor=owner, answer="Thank you!")
        client = logged_in(owner)

        page = client.get("/seller/reviews/").content.decode()
        assert "3.0" in page and "from 2 reviews" in page
        assert "1 review without your answer" in page
        assert "1 stars" in page and "Thank you!" in page
        assert f'action="/seller/reviews/{low.pk}/answer/"' in page
        assert f'action="/seller/reviews/{high.pk}/answer/"' not in page

        unanswered = client.get("/seller/reviews/?show=unanswered").content.decode()
        assert f'id="review-{low.pk}"' in unanswered
        assert f'id="review-{high.pk}"' not in unanswered
        low_page = client.get("/seller/reviews/?show=low").content.decode()
        assert f'id="review-{low.pk}"' in low_page
        assert f'id="review-{high.pk}"' not in low_page

        response = client.post(
            f"/seller/reviews/{low.pk}/answer/", {"answer": "Sorry!"}
        )
        assert response.status_code == 302
        assert response["Location"] == f"/seller/reviews/#review-{low.pk}"
        low.refresh_from_db()
        assert low.seller_answer == "Sorry!"
        again = client.post(f"/seller/reviews/{low.pk}/answer/", {"answer": "Twice"})
        assert again.status_code == 409
        assert "already answered" in again.content.decode()

    def test_an_empty_answer_is_a_form_error(self, seller):
        owner, refurbisher = seller
        (review,) = self._reviews(refurbisher, [3])
        response = logged_in(owner).post(
            f"/seller/reviews/{review.pk}/answer/", {"answer": "  "}
        )
        assert response.status_code == 400
        assert "Please write your answer." in response.content.decode()

    def test_another_sellers_review_is_a_404(self, seller):
        _, refurbisher = seller
        (review,) = self._reviews(refurbisher, [2])
        other_owner, _ = trial_refurbisher_make()
        client = logged_in(other_owner)
        assert (
            f'id="review-{review.pk}"'
            not in client.get("/seller/reviews/").content.decode()
        )
        response = client.post(f"/seller/reviews/{review.pk}/answer/", {"answer": "Hi"})
        assert response.status_code == 404
        review.refresh_from_db()
        assert review.answered_at is None

    def test_the_page_costs_the_same_queries_for_one_or_many_reviews(
        self, seller, monkeypatch
    ):
        owner, refurbisher = seller
        client = logged_in(owner)
        self._reviews(refurbisher, [4])
        with CaptureQueriesContext(connection) as one:
            assert client.get("/seller/reviews/").status_code == 200
        self._reviews(refurbisher, [5, 1, 3])
        with CaptureQueriesContext(connection) as four:
            assert client.get("/seller/reviews/").status_code == 200
        assert len(four) == len(one)
        assert len(one) <= 9

        monkeypatch.setattr("quality.selectors.SELLER_REVIEWS_PAGE_SIZE", 3)
        second = client.get("/seller/reviews/?page=2").content.decode()
        assert "Page 2 of 2" in second
        assert second.count('class="review-card') == 1


# --- The public list ---------------------------------------------------------------


def test_the_public_list_shows_visible_reviews_with_answers(
    seller, django_assert_num_queries
):
    owner, refurbisher = seller
    kept = review_write(
        seller_order=delivered(refurbisher), actor=None, rating=5, comment="Perfect."
    )
    review_answer(review=kept, actor=owner, answer="Enjoy it!")
    hidden = review_write(
        seller_order=delivered(refurbisher), actor=None, rating=1, comment="Call 0612"
    )
    review_hide(review=hidden, actor=None, reason="Personal data")

    with django_assert_num_queries(2):
        reviews = reviews_public(refurbisher, limit=10)
        html = render_to_string(
            "quality/includes/seller_reviews.html", {"reviews": reviews}
        )

    assert [r.pk for r in reviews] == [kept.pk]
    assert "Perfect." in html and "Enjoy it!" in html
    assert f"Answer from {refurbisher.name}" in html
    assert "Camille M." in html and "Bought " in html
    assert "Call 0612" not in html
