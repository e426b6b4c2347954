"""The public seller page: who the seller is, its scorecard in words, its reviews."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import SellerOrder
from quality.models import SellerMetrics, SellerReview
from quality.selectors_metrics import duration, selling_for, share
from quality.services.ranking import rank_scores_recompute
from refurbishers.models import RefurbisherStatus
from tests.support.factories import RefurbisherFactory, VariantFactory, make_listing
from tests.support.history import History
from tests.support.refurbisher_builders import applicant_make

pytestmark = pytest.mark.django_db


def page_of(refurbisher) -> str:
    return f"/sellers/{refurbisher.slug}/"


@pytest.fixture
def seller():
    today = timezone.localdate()
    refurbisher = RefurbisherFactory(
        name="Atelier Renov", slug="atelier-renov", country="FR",
        selling_since=today - dt.timedelta(days=2 * 365 + 40),
        rating_average=Decimal("4.60"), rating_count=2,
    )  # fmt: skip
    SellerMetrics.objects.create(
        refurbisher=refurbisher, day=today, sales=240, defect_rate=0.004,
        late_shipment_rate=0.02, cancellation_rate=0.0, valid_tracking_rate=1.0,
        median_first_answer_hours=3.2, median_claim_resolution_hours=50.0,
        rating_average=4.6, rating_count=2,
    )  # fmt: skip
    return refurbisher


def reviews_make(refurbisher, count: int, *, hidden: int = 0) -> list[SellerOrder]:
    history = History(refurbisher)
    orders = []
    for number in range(count + hidden):
        so = history.sale(paid=number + 1)
        SellerReview.objects.create(
            seller_order=so, refurbisher=refurbisher,
            author_name=f"Shopper {number}.", rating=5 - number % 2,
            comment=f"Comment number {number}", hidden=number >= count,
            editable_until=timezone.now(),
        )  # fmt: skip
        orders.append(so)
    return orders


def test_the_page_shows_the_seller_its_scorecard_in_words_and_its_reviews(
    client, seller
):
    reviews_make(seller, 2, hidden=1)

    response = client.get(page_of(seller))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Atelier Renov</h1>" in html
    assert "Based in France" in html
    assert "On ReMarket for 2 years" in html
    for words in (
        "Ships on time", "98% of orders",
        "Orders without a problem", "99.6%",
        "Orders cancelled by the seller", "0% of orders",
        "Parcels with valid tracking", "100% of parcels",
        "Answers messages", "in about 3 hours",
        "Settles warranty claims", "in about 2 days",
        "from 240 sales",
    ):  # fmt: skip
        assert words in html, words
    assert "Comment number 0" in html
    assert "Comment number 1" in html
    assert "Comment number 2" not in html  # hidden by QA
    # Limits are the seller's and QA's business, not the shopper's.
    assert "Over the limit" not in html


def test_a_seller_without_figures_yet_says_so(client):
    new = RefurbisherFactory(status=RefurbisherStatus.TRIAL, selling_since=None)

    html = client.get(page_of(new)).content.decode()

    assert "No figures yet" in html
    assert "New seller" in html
    assert "No reviews yet" in html


@pytest.mark.parametrize(
    "status",
    [RefurbisherStatus.SUSPENDED, RefurbisherStatus.REJECTED, RefurbisherStatus.DRAFT],
)
def test_a_seller_that_does_not_sell_has_no_page(client, status):
    refurbisher = RefurbisherFactory(status=status)

    assert client.get(page_of(refurbisher)).status_code == 404


def test_an_applicant_and_an_unknown_seller_have_no_page(client):
    _, applicant = applicant_make(submit=True)

    assert client.get(page_of(applicant)).status_code == 404
    assert client.get("/sellers/nobody/").status_code == 404


def test_the_page_costs_a_fixed_number_of_queries(
    client, seller, django_assert_num_queries
):
    reviews_make(seller, 1)
    with django_assert_num_queries(4):  # seller, metrics, reviews, their items
        assert client.get(page_of(seller)).status_code == 200
    reviews_make(seller, 12)
    with django_assert_num_queries(4):
        response = client.get(page_of(seller))
    assert response.content.decode().count('class="review-card"') == 10


def test_the_device_page_links_each_sellers_name_to_its_page(client, seller):
    other = RefurbisherFactory(name="Other Shop", slug="other-shop")
    variant = VariantFactory()
    make_listing(refurbisher=seller, variant=variant, prices={"FR": "400"})
    make_listing(refurbisher=other, variant=variant, prices={"FR": "420"})
    rank_scores_recompute()
    client.cookies["market"] = "FR"

    html = client.get(
        f"/d/{variant.device_model.slug}/?variant={variant.pk}&grade=A"
    ).content.decode()

    assert 'href="/sellers/atelier-renov/"' in html
    assert 'href="/sellers/other-shop/"' in html
    assert "Why this offer first:" in html


@pytest.mark.parametrize(
    ("since_days", "words"),
    [(3, "less than a month"), (40, "1 month"), (160, "5 months"), (400, "1 year"),
     (1100, "3 years")],
)  # fmt: skip
def test_time_on_remarket_in_words(since_days, words):
    today = dt.date(2026, 11, 27)
    assert selling_for(today - dt.timedelta(days=since_days), today) == words


@pytest.mark.parametrize(
    ("hours", "words"),
    [(0.4, "under an hour"), (1.2, "about 1 hour"), (3.2, "about 3 hours"),
     (35, "about 35 hours"), (50, "about 2 days"), (300, "about 12 days")],
)  # fmt: skip
def test_durations_in_words(hours, words):
    assert duration(hours) == words


@pytest.mark.parametrize(
    ("rate", "words"),
    [(0.98, "98%"), (0.995, "99.5%"), (1.0, "100%"), (0.004, "0.4%"), (0.0, "0%"),
     (0.5, "50%")],
)  # fmt: skip
def test_shares_in_words(rate, words):
    assert share(rate) == words
