"""The applicant's pages: each step saves through the services, errors keep input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.models import EmailConfirmation
from refurbishers.models import Refurbisher, RefurbisherStatus
from refurbishers.services import (
    application_changes_request,
    application_reject,
    application_review_start,
)
from tests.support.refurbisher_builders import (
    COMPANY,
    OPERATIONS,
    applicant_make,
    qa_user_make,
    trial_refurbisher_make,
    user_make,
)

pytestmark = pytest.mark.django_db


def confirmed(user):
    """Mark ``user``'s email confirmed, as the emailed link does."""
    EmailConfirmation.objects.create(
        user=user, email=user.email, confirmed_at=timezone.now()
    )
    return user


def company_post(**changes):
    data = {**COMPANY, **changes}
    return {key: value for key, value in data.items() if value is not None}


def operations_post(**changes):
    return {**OPERATIONS, **changes}


@pytest.fixture
def applicant(client):
    user, refurbisher = applicant_make(complete=False)
    client.force_login(user)
    return user, refurbisher


# --- Access --------------------------------------------------------------------


def test_the_landing_explains_what_it_takes_and_leads_to_sign_up(client):
    page = client.get(reverse("apply")).content.decode()

    assert "40 days" in page
    assert "5 sales a day" in page
    assert "at least 6 months" in page
    assert "Data erasure" in page
    assert reverse("accounts:signup") + "?next=/seller/apply/company/" in page


@pytest.mark.parametrize(
    "name",
    ["apply-company", "apply-operations", "apply-certifications",
     "apply-documents", "apply-review"],
)  # fmt: skip
def test_every_step_needs_a_signed_in_person(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/?next=")


def test_later_steps_send_a_person_without_an_application_to_the_first(client):
    client.force_login(user_make())

    response = client.get(reverse("apply-operations"))

    assert response["Location"] == reverse("apply-company")


# --- Company -------------------------------------------------------------------


def test_the_first_company_save_starts_an_application_owned_by_the_person(client):
    user = user_make()
    client.force_login(user)
    page = client.get(reverse("apply-company")).content.decode()
    # The shopper's market (US by default) and its time zone are preselected.
    assert '<option value="US" selected>' in page
    assert '<option value="America/New_York" selected>' in page

    response = client.post(reverse("apply-company"), company_post())

    assert response["Location"] == reverse("apply-operations")
    refurbisher = Refurbisher.objects.get(memberships__user=user)
    assert refurbisher.legal_name == "Atelier Renov SAS"
    assert refurbisher.status == RefurbisherStatus.DRAFT
    page = client.get(reverse("apply-company")).content.decode()
    assert 'value="RCS Lyon 912 345 678"' in page
    assert '<option value="Europe/Paris" selected>' in page


def test_a_company_update_saves_and_a_reload_shows_it(client, applicant):
    _, refurbisher = applicant

    client.post(
        reverse("apply-company"),
        company_post(name=refurbisher.name, years_in_business=9, website=""),
    )

    refurbisher.refresh_from_db()
    assert refurbisher.years_in_business == 9
    assert refurbisher.website == ""
    assert 'value="9"' in client.get(reverse("apply-company")).content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"legal_name": ""}, "legal_name", "This field is required."),
        ({"years_in_business": "seven"}, "years_in_business", "Enter a whole number"),
        ({"website": "not a site"}, "website", "Enter a valid URL"),
        ({"country": "GB"}, "country", "Select a valid choice"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice"),
        ({"time_zone": "America/Chicago"}, "time_zone", "time zone in France"),
    ],
)
def test_bad_company_input_is_a_form_error_and_keeps_what_was_typed(
    client, applicant, changes, field, message
):
    _, refurbisher = applicant

    response = client.post(reverse("apply-company"), company_post(**changes))

    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert f'id="id_{field}_error"' in page
    assert 'value="RCS Lyon 912 345 678"' in page
    refurbisher.refresh_from_db()
    assert refurbisher.years_in_business == 7  # unchanged


# --- Operations and certifications ------------------------------------------------


def test_operations_save_and_a_reload_shows_them(client, applicant):
    _, refurbisher = applicant

    response = client.post(reverse("apply-operations"), operations_post())

    assert response["Location"] == reverse("apply-certifications")
    application = refurbisher.application
    application.refresh_from_db()
    assert application.warranty_months == 12
    assert application.service_channels == ["email", "phone"]
    page = client.get(reverse("apply-operations")).content.decode()
    assert "NIST 800-88 Purge" in page
    assert 'value="phone"' in page and "checked" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"warranty_months": 3}, "at least 6 months"),
        ({"testing_checkpoints": "many"}, "Enter a whole number"),
        ({"service_channels": ["fax"]}, "Select a valid choice"),
        ({"parts": ""}, "This field is required."),
    ],
)
def test_bad_operations_input_is_a_form_error_and_keeps_what_was_typed(
    client, applicant, changes, message
):
    _, refurbisher = applicant

    response = client.post(reverse("apply-operations"), operations_post(**changes))

    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "Phonecheck, custom battery bench" in page
    refurbisher.application.refresh_from_db()
    assert refurbisher.application.testing_tools == ""


def test_certifications_are_optional_checkboxes_that_save(client, applicant):
    _, refurbisher = applicant

    client.post(reverse("apply-certifications"), {"certifications": ["r2", "iso_9001"]})
    refurbisher.application.refresh_from_db()
    assert refurbisher.application.certifications == ["r2", "iso_9001"]

    response = client.post(reverse("apply-certifications"), {})
    assert response["Location"] == reverse("apply-documents")
    refurbisher.application.refresh_from_db()
    assert refurbisher.application.certifications == []


def test_an_unknown_certification_is_a_form_error(client, applicant):
    response = client.post(reverse("apply-certifications"), {"certifications": ["x"]})

    assert "Select a valid choice" in response.content.decode()


# --- Review and submit -------------------------------------------------------------


def test_submit_is_refused_with_what_is_missing(client, applicant):
    user, refurbisher = applicant
    confirmed(user)

    response = client.post(reverse("apply-submit"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Still missing" in page
    assert "Number of test checkpoints" in page
    assert "An insurance document" in page
    refurbisher.refresh_from_db()
    assert refurbisher.status == RefurbisherStatus.DRAFT


def test_submit_is_refused_until_the_email_is_confirmed(client):
    user, refurbisher = applicant_make()
    client.force_login(user)

    response = client.post(reverse("apply-submit"))

    page = response.content.decode()
    assert "Confirm your email address" in page
    assert reverse("accounts:confirm-resend") in page
    refurbisher.refresh_from_db()
    assert refurbisher.status == RefurbisherStatus.DRAFT


def test_a_complete_application_from_a_confirmed_email_is_sent(client):
    user, refurbisher = applicant_make()
    confirmed(user)
    client.force_login(user)
    review = client.get(reverse("apply-review")).content.decode()
    assert "Everything needed is here" in review
    assert "Atelier Renov SAS" in review

    response = client.post(reverse("apply-submit"), follow=True)

    refurbisher.refresh_from_db()
    assert refurbisher.status == RefurbisherStatus.SUBMITTED
    assert "Submitted" in response.content.decode()


def test_a_sent_application_can_no_longer_be_edited(client):
    user, refurbisher = applicant_make(submit=True)
    client.force_login(user)

    response = client.post(reverse("apply-company"), company_post(name="Changed"))

    assert response["Location"] == reverse("apply")
    refurbisher.refresh_from_db()
    assert refurbisher.name != "Changed"
    assert client.get(reverse("apply-operations"))["Location"] == reverse("apply")


# --- Status page ---------------------------------------------------------------------


def test_the_status_page_shows_a_draft_with_its_steps(client, applicant):
    page = client.get(reverse("apply")).content.decode()

    assert "Draft" in page
    assert reverse("apply-operations") in page
    assert "Started, not sent yet" in page


def test_the_status_page_shows_submitted_then_in_review(client):
    user, refurbisher = applicant_make(submit=True)
    client.force_login(user)
    page = client.get(reverse("apply")).content.decode()
    assert "Submitted" in page
    assert reverse("apply-operations") not in page

    application_review_start(refurbisher=refurbisher, actor=qa_user_make())
    page = client.get(reverse("apply")).content.decode()
    assert "In review" in page


def test_changes_requested_shows_qa_message_and_the_application_can_be_sent_again(
    client,
):
    user, refurbisher = applicant_make(submit=True)
    confirmed(user)
    qa = qa_user_make(first_name="Quentin", last_name="Assurance")
    application_changes_request(
        refurbisher=refurbisher, actor=qa, message="Please upload a valid insurance."
    )
    client.force_login(user)

    page = client.get(reverse("apply")).content.decode()
    assert "Changes requested" in page
    assert "Please upload a valid insurance." in page
    assert "Quentin" not in page and qa.email not in page
    assert "Send again" in client.get(reverse("apply-review")).content.decode()

    client.post(reverse("apply-company"), company_post(name=refurbisher.name))
    client.post(reverse("apply-submit"))
    refurbisher.refresh_from_db()
    assert refurbisher.status == RefurbisherStatus.SUBMITTED


def test_a_rejection_shows_its_reason_and_nothing_is_editable(client):
    user, refurbisher = applicant_make(submit=True)
    application_reject(
        refurbisher=refurbisher, actor=qa_user_make(), reason="No insurance cover."
    )
    client.force_login(user)

    page = client.get(reverse("apply")).content.decode()

    assert "Rejected" in page
    assert "No insurance cover." in page
    assert reverse("apply-review") not in page


def test_an_approved_application_links_to_the_dashboard(client):
    user, _ = trial_refurbisher_make()
    client.force_login(user)

    page = client.get(reverse("apply")).content.decode()

    assert "Approved" in page
    assert 'href="/seller/"' in page
    assert "5 sales a day" in page


def test_the_history_lists_each_status_change_with_its_time(client):
    user, refurbisher = applicant_make(submit=True)
    application_review_start(refurbisher=refurbisher, actor=qa_user_make())
    client.force_login(user)

    response = client.get(reverse("apply"))

    history = list(response.context["history"])
    assert [change.to_status for change in history] == ["in_review", "submitted"]
    assert history[0].created_at > timezone.now() - timedelta(minutes=5)


# --- Invariant 5: a person sees and edits only their own application ---------


def test_the_pages_only_ever_show_and_edit_the_persons_own_application(client):
    _, theirs = applicant_make()
    me, mine = applicant_make(complete=False)
    client.force_login(me)

    # A refurbisher id in the form is ignored: the membership decides.
    client.post(
        reverse("apply-company"),
        company_post(name=mine.name, legal_name="Mine SARL", refurbisher=theirs.pk),
    )

    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.legal_name == "Atelier Renov SAS"
    assert mine.legal_name == "Mine SARL"
    assert theirs.name not in client.get(reverse("apply-review")).content.decode()
