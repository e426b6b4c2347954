"""The seller overview: status, the trial's progress and notices, for members only."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from refurbishers.models import RefurbisherStatus
from refurbishers.services import (
    application_reject,
    refurbisher_suspend,
    sale_slot_confirm,
    sale_slot_reserve,
    trial_end,
    trial_flag_for_qa,
)
from refurbishers.services.members import invitation_accept, invitation_create
from tests.support.refurbisher_builders import (
    applicant_make,
    qa_user_make,
    trial_refurbisher_make,
    user_make,
)

pytestmark = pytest.mark.django_db
OVERVIEW = "/seller/"


def sales_make(refurbisher, count: int, *, prefix: str = "checkout") -> None:
    for number in range(count):
        reference = f"{prefix}:{refurbisher.pk}:{number}"
        sale_slot_reserve(refurbisher=refurbisher, reference=reference)
        sale_slot_confirm(reference=reference)


def staff_make(refurbisher, owner):
    person = user_make()
    invitation = invitation_create(
        refurbisher=refurbisher, actor=owner, email=person.email
    )
    invitation_accept(token=invitation.token, user=person)
    return person


def overview_text(client, user) -> str:
    client.force_login(user)
    response = client.get(OVERVIEW)
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(OVERVIEW)
    assert response.status_code == 302
    assert response["Location"] == f"{settings.LOGIN_URL}?next=/seller/"


def test_a_signed_in_person_of_no_refurbisher_is_invited_to_apply(client):
    client.force_login(user_make())
    response = client.get(OVERVIEW)
    assert response.status_code == 200
    assert b'href="/seller/apply/"' in response.content
    assert b"does not belong to a refurbisher" in response.content


@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submitted"])
def test_an_applicant_is_sent_to_the_application(client, submit):
    owner, _ = applicant_make(submit=submit)
    client.force_login(owner)
    response = client.get(OVERVIEW)
    assert response.status_code == 302
    assert response["Location"] == "/seller/apply/"


def test_a_rejected_applicant_is_sent_to_the_application(client):
    owner, refurbisher = applicant_make(submit=True)
    application_reject(refurbisher=refurbisher, actor=qa_user_make(), reason="No.")
    client.force_login(owner)
    assert client.get(OVERVIEW)["Location"] == "/seller/apply/"


def test_a_trial_shows_days_left_sales_today_and_sales_waiting_for_qa(client):
    owner, refurbisher = trial_refurbisher_make(trial_days=40, daily_sales_cap=5)
    sales_make(refurbisher, 3)
    sale_slot_reserve(refurbisher=refurbisher, reference="paying-now")
    page = overview_text(client, owner)
    assert "On trial" in page
    assert "40 days left" in page
    assert "40 of 40 days left" in page
    assert "3 of 5 sales today" in page
    assert 'max="5" value="3"' in page
    assert "1 more held by shoppers paying right now" in page
    # Slots made without orders open no QA review (see the next test for those).
    assert "0 reviewed and passed" in page
    assert "Sold out for today" not in page


def test_a_full_day_says_sold_out_until_local_midnight(client):
    owner, refurbisher = trial_refurbisher_make(daily_sales_cap=2)
    sales_make(refurbisher, 2)
    page = overview_text(client, owner)
    assert "2 of 2 sales today" in page
    assert (
        "Sold out for today: your listings are back at midnight (Europe/Paris)." in page
    )


def test_the_trial_end_date_is_shown_in_the_refurbishers_time_zone(client):
    owner, refurbisher = trial_refurbisher_make(time_zone="America/New_York")
    local_end = refurbisher.trial_ends_at.astimezone(ZoneInfo("America/New_York"))
    page = overview_text(client, owner)
    assert f"ends {local_end:%-d %B %Y}" in page


def test_a_suspended_refurbisher_sees_why(client):
    owner, refurbisher = trial_refurbisher_make()
    refurbisher_suspend(
        refurbisher=refurbisher, actor=qa_user_make(),
        reason="Three devices arrived with a locked iCloud account.",
    )  # fmt: skip
    page = overview_text(client, owner)
    assert "Your shop is suspended" in page
    assert "Three devices arrived with a locked iCloud account." in page
    assert "Your listings are off the site" in page
    assert "Your trial" not in page


def test_a_trial_waiting_for_a_qa_decision_says_so(client):
    owner, refurbisher = trial_refurbisher_make()
    trial_flag_for_qa(refurbisher=refurbisher, reason="Unreviewed trial sales")
    page = overview_text(client, owner)
    assert "QA is reviewing the end of your trial" in page


def test_an_active_refurbisher_has_no_trial_figures(client):
    owner, refurbisher = trial_refurbisher_make()
    trial_end(refurbisher=refurbisher, actor=qa_user_make(), reason="Early")
    page = overview_text(client, owner)
    assert "Active" in page
    assert "without daily limits" in page
    assert "sales today" not in page


def test_staff_members_see_the_overview_too(client):
    owner, refurbisher = trial_refurbisher_make()
    sales_make(refurbisher, 1)
    page = overview_text(client, staff_make(refurbisher, owner))
    assert "1 of 5 sales today" in page


def test_a_member_sees_only_their_own_refurbishers_figures(client):
    """Invariant 5: B's sales, name and suspension never show on A's overview."""
    owner_a, _refurbisher_a = trial_refurbisher_make(name="Alpha Renov")
    _, refurbisher_b = trial_refurbisher_make(name="Beta Refurb", daily_sales_cap=3)
    sales_make(refurbisher_b, 3)
    page = overview_text(client, owner_a)
    assert "Alpha Renov" in page
    assert "Beta Refurb" not in page
    assert "0 of 5 sales today" in page
    assert "Sold out" not in page
    assert "No trial sales yet" in page


def test_the_navigation_links_only_to_pages_that_exist(client):
    owner, _ = trial_refurbisher_make()
    page = overview_text(client, owner)
    assert 'href="/seller/" aria-current="page">Overview</a>' in page
    assert 'href="/seller/team/"' in page
    for path in (
        "listings", "orders", "claims", "payouts", "reviews", "performance",
        "api-tokens",
    ):  # fmt: skip
        assert f'href="/seller/{path}/"' in page
    assert 'class="soon"' not in page


def test_the_overview_costs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    owner, refurbisher = trial_refurbisher_make(daily_sales_cap=50)
    client.force_login(owner)
    # A fixed number whatever the sales and staff (the actions waiting: one;
    # the sales charts: one).
    with django_assert_max_num_queries(8):
        assert client.get(OVERVIEW).status_code == 200
    sales_make(refurbisher, 20)
    for _ in range(3):
        staff_make(refurbisher, owner)
    with django_assert_max_num_queries(8):
        assert client.get(OVERVIEW).status_code == 200


def test_a_suspended_overview_costs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    owner, refurbisher = trial_refurbisher_make()
    refurbisher_suspend(refurbisher=refurbisher, actor=qa_user_make(), reason="Why")
    assert refurbisher.status_changes.count() > 3
    client.force_login(owner)
    with django_assert_max_num_queries(7):  # with the sales charts' one
        response = client.get(OVERVIEW)
    assert response.status_code == 200
    assert RefurbisherStatus.SUSPENDED.label.encode() in response.content


def test_needs_your_action_counts_orders_claims_and_returns_with_deadlines(client):
    from orders.models import Warranty
    from orders.services.claims import claim_file
    from orders.services.returns import return_request
    from tests.support.order_builders import seller_order_delivered, seller_order_paid

    owner, refurbisher = trial_refurbisher_make(daily_sales_cap=50)
    client.force_login(owner)
    assert "Nothing waits for you" in overview_text(client, owner)
    seller_order_paid(refurbisher=refurbisher)
    seller_order_paid(refurbisher=refurbisher)
    delivered = seller_order_delivered(seller_order_paid(refurbisher=refurbisher))
    claim_file(
        warranty=Warranty.objects.get(line__seller_order=delivered),
        problem="screen", description="Dead pixels appeared in the top corner.",
        photos=[], actor=None,
    )  # fmt: skip
    return_request(
        line=delivered.lines.get(), reason="changed_mind", details="", actor=None
    )

    page = overview_text(client, owner)

    assert "2 orders to ship" in page
    assert "1 warranty claim to answer" in page and "next due" in page
    assert "1 return waiting for your instructions" in page
    assert "Nothing waits for you" not in page


def test_trial_sales_are_counted_by_qa_verdict(client):
    from quality.services.trial_reviews import trial_review_verdict
    from tests.support.order_builders import seller_order_paid

    owner, refurbisher = trial_refurbisher_make(daily_sales_cap=50)
    first = seller_order_paid(refurbisher=refurbisher)
    seller_order_paid(refurbisher=refurbisher)
    qa = user_make(is_staff=True, is_superuser=True)
    trial_review_verdict(
        review=first.trial_review, actor=qa, verdict="failed",
        notes="Shipped a week late.", checklist={},
    )  # fmt: skip

    page = overview_text(client, owner)

    assert "0 reviewed and passed" in page
    assert "1 trial sale waiting for QA review" in page
    assert "1 did not pass" in page
