"""The demo seed onboards its refurbishers through the services, once."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from demo import DEMO_LOGINS
from demo.catalog import REFURBISHERS
from demo.onboarding import APPLICANT, TRIAL_SELLER, demo_pdf
from demo.seed import demo_seed
from demo.sync import refurbisher_slug
from listings.models import Listing, Offer
from refurbishers.models import (
    CriterionReview,
    Refurbisher,
    RefurbisherStatus,
    RefurbisherStatusChange,
)
from refurbishers.services.application import document_content_type
from tests.support.refurbisher_builders import pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_seed_onboards_each_demo_refurbisher_into_its_status():
    report = demo_seed(listings=60)

    assert report.refurbishers == len(REFURBISHERS)
    for spec in REFURBISHERS:
        refurbisher = Refurbisher.objects.get(slug=refurbisher_slug(spec))
        assert refurbisher.status == spec.status, spec.name
        assert refurbisher.memberships.get().role == "owner"
        assert refurbisher.application.documents.count() == 2
        assert (
            refurbisher.application.criterion_reviews.filter(passed=True).count() == 6
        )
        assert refurbisher.trial_started_at is not None
        moves = list(
            refurbisher.status_changes.order_by("created_at", "pk").values_list(
                "to_status", flat=True
            )
        )
        assert moves[:3] == ["submitted", "in_review", "trial"]
    trial = Refurbisher.objects.get(memberships__user__username=TRIAL_SELLER)
    assert trial.status == RefurbisherStatus.TRIAL
    assert trial.daily_sales_cap == 5
    applicant = Refurbisher.objects.get(memberships__user__username=APPLICANT)
    assert applicant.status == RefurbisherStatus.SUBMITTED
    assert not applicant.application.criterion_reviews.exists()
    suspended = Refurbisher.objects.get(status=RefurbisherStatus.SUSPENDED)
    assert not Offer.objects.filter(refurbisher=suspended, is_purchasable=True).exists()
    user_model = get_user_model()
    for login in DEMO_LOGINS:
        assert user_model.objects.get(username=login.username).check_password(
            login.password
        )


def test_a_second_run_writes_nothing():
    demo_seed(listings=60)
    counts = (
        Refurbisher.objects.count(),
        RefurbisherStatusChange.objects.count(),
        CriterionReview.objects.count(),
        Listing.objects.count(),
    )

    report = demo_seed(listings=60)

    assert report.listings_created == 0
    assert report.catalog_rows_written == 0
    assert counts == (
        Refurbisher.objects.count(),
        RefurbisherStatusChange.objects.count(),
        CriterionReview.objects.count(),
        Listing.objects.count(),
    )


def test_refurbishers_of_the_old_seed_are_onboarded_again_with_their_listings():
    demo_seed(listings=60)
    old = Refurbisher.objects.get(slug="recyclo-paris")
    skus = set(old.listings.values_list("sku", flat=True))
    # What the seed wrote before onboarding existed: no application, no owner.
    old.memberships.all().delete()
    old.application.delete()

    demo_seed(listings=60)

    again = Refurbisher.objects.get(slug="recyclo-paris")
    assert again.pk != old.pk
    assert again.status == RefurbisherStatus.ACTIVE
    assert again.memberships.exists()
    assert set(again.listings.values_list("sku", flat=True)) == skus


def test_the_generated_documents_are_pdfs_the_upload_check_accepts():
    content = demo_pdf("Recyclo Paris: Insurance (2026)")
    assert content.startswith(b"%PDF-1.4") and content.endswith(b"%%EOF\n")
    upload = pdf_upload("insurance.pdf", content)
    assert document_content_type(upload) == "application/pdf"


def test_a_scale_run_gives_partners_consistent_trial_dates():
    from demo.sync import DEFAULT_LISTINGS

    demo_seed(listings=DEFAULT_LISTINGS + 20 * 250)

    partners = Refurbisher.objects.filter(slug__startswith="refurb-partner")
    assert partners.count() == 20
    for partner in partners:
        assert partner.trial_started_at is not None
        assert (partner.trial_ends_at - partner.trial_started_at).days == 40
        if partner.status == RefurbisherStatus.TRIAL:
            assert partner.selling_since == partner.trial_started_at.date()
        else:
            assert partner.status == RefurbisherStatus.ACTIVE
            assert partner.trial_started_at.date() == partner.selling_since
