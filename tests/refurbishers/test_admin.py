"""QA's admin through HTTP, as a staff member with only the QA permissions.

Every action runs through the changelist as a browser would: the action's
first post answers with its intermediate page, the second (``apply``) runs it.
"""

from __future__ import annotations

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from listings.models import Offer
from quality.services.metrics import metrics_flag_for_qa
from refurbishers.models import (
    Criterion,
    CriterionReview,
    Refurbisher,
    RefurbisherStatus,
    RefurbisherStatusChange,
)
from refurbishers.services import criterion_review_set
from tests.support.factories import make_listing
from tests.support.refurbisher_builders import (
    QA_PERMISSIONS,
    applicant_make,
    criteria_pass,
    qa_user_make,
    trial_refurbisher_make,
    user_make,
)
from tests.support.second_factor import staff_sign_in

pytestmark = pytest.mark.django_db

Status = RefurbisherStatus
CHANGELIST = "/admin/refurbishers/refurbisher/"


def change_url(refurbisher: Refurbisher) -> str:
    return f"{CHANGELIST}{refurbisher.pk}/change/"


@pytest.fixture
def qa(client):
    user = qa_user_make()
    staff_sign_in(client, user)
    return user


def messages_of(response) -> list[str]:
    return [message.message for message in response.context["messages"]]


def action_page(client, action: str, refurbishers):
    """Choose an action on the changelist, as its action bar posts it."""
    return client.post(
        CHANGELIST,
        {
            "action": action,
            "index": 0,
            "select_across": 0,
            "_selected_action": [r.pk for r in refurbishers],
        },
    )


def action_apply(client, action: str, refurbishers, **data):
    """Post an action's intermediate page with ``data``; follow to the result."""
    return client.post(
        CHANGELIST,
        {
            "action": action,
            "_selected_action": [r.pk for r in refurbishers],
            "apply": "Apply",
            **data,
        },
        follow=True,
    )


def status_of(refurbisher: Refurbisher) -> str:
    refurbisher.refresh_from_db()
    return refurbisher.status


def change_form_data(client, refurbisher: Refurbisher, **fields) -> dict:
    """The change page's own hidden data (inline management forms) plus fields."""
    page = client.get(change_url(refurbisher))
    assert page.status_code == 200
    data = {}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
    form = page.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    return {**data, **fields, "_save": "Save"}


# Vetting.


def test_start_review_takes_a_submitted_application_into_review(client, qa):
    _, refurbisher = applicant_make(submit=True)
    response = client.post(
        CHANGELIST,
        {"action": "start_review", "index": 0, "_selected_action": [refurbisher.pk]},
        follow=True,
    )
    assert f"{refurbisher}: application in review." in messages_of(response)
    assert status_of(refurbisher) == Status.IN_REVIEW
    change = refurbisher.status_changes.first()
    assert (change.from_status, change.to_status, change.actor) == (
        Status.SUBMITTED, Status.IN_REVIEW, qa,
    )  # fmt: skip


def test_qa_records_every_criterion_through_the_change_form(client, qa):
    _, refurbisher = applicant_make(submit=True)
    verdicts = {f"verdict_{c}": "pass" for c in Criterion.values}
    notes = {f"note_{c}": f"{c} looks right" for c in Criterion.values}
    data = change_form_data(client, refurbisher, **verdicts, **notes)
    response = client.post(change_url(refurbisher), data, follow=True)
    assert response.status_code == 200
    assert not any("error" in m for m in messages_of(response))
    reviews = CriterionReview.objects.filter(application__refurbisher=refurbisher)
    assert reviews.count() == len(Criterion.values)
    assert all(r.passed and r.reviewer == qa for r in reviews)
    assert reviews.get(criterion="erasure").note == "erasure looks right"
    # Recording a verdict took the application into review.
    assert status_of(refurbisher) == Status.IN_REVIEW
    # The page shows who reviewed it.
    assert f"By {qa} on" in client.get(change_url(refurbisher)).content.decode()


def test_a_failed_criterion_needs_a_note_and_nothing_is_saved(client, qa):
    _, refurbisher = applicant_make(submit=True)
    data = change_form_data(client, refurbisher, verdict_erasure="fail")
    response = client.post(change_url(refurbisher), data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["note_erasure"] == ["Say why the criterion failed."]
    assert not CriterionReview.objects.exists()
    assert status_of(refurbisher) == Status.SUBMITTED


def test_the_change_page_shows_the_answers_and_documents_read_only(client, qa):
    owner, refurbisher = applicant_make(submit=True)
    page = client.get(change_url(refurbisher)).content.decode()
    assert "Blancco Mobile Diagnostics" in page
    assert "NIST 800-88 Purge" in page
    assert "Original and compatible parts" in page
    assert owner.email in page
    document = refurbisher.application.documents.first()
    assert f'href="/seller/apply/documents/{document.pk}/"' in page
    opened = client.get(f"/seller/apply/documents/{document.pk}/")
    assert opened.status_code == 200 and opened["Content-Type"] == "application/pdf"
    # No input for what the applicant wrote, nor for status, trial or cap.
    form = client.get(change_url(refurbisher)).context["adminform"].form
    assert set(form.fields) == {
        f"{kind}_{c}" for kind in ("verdict", "note") for c in Criterion.values
    }


def test_approve_starts_the_trial_with_the_limits_given(client, qa):
    _, refurbisher = applicant_make(submit=True)
    criteria_pass(refurbisher, qa)
    page = action_page(client, "approve_application", [refurbisher])
    assert page.status_code == 200
    assert 'value="40"' in page.content.decode()  # the defaults
    response = action_apply(
        client, "approve_application", [refurbisher],
        trial_days=30, daily_sales_cap=3,
    )  # fmt: skip
    assert response.status_code == 200
    refurbisher.refresh_from_db()
    assert refurbisher.status == Status.TRIAL
    assert refurbisher.daily_sales_cap == 3
    assert refurbisher.trial_days_total == 30
    assert abs(refurbisher.trial_started_at - timezone.now()) < timedelta(minutes=1)
    assert any(m.startswith(f"{refurbisher}: approved") for m in messages_of(response))


def test_approval_is_refused_while_a_criterion_failed(client, qa):
    _, refurbisher = applicant_make(submit=True)
    criteria_pass(refurbisher, qa)
    criterion_review_set(
        refurbisher=refurbisher, criterion="erasure", passed=False,
        note="No certificate per device.", actor=qa,
    )  # fmt: skip
    response = action_apply(
        client, "approve_application", [refurbisher], trial_days=40,
        daily_sales_cap=5,
    )  # fmt: skip
    assert messages_of(response) == [
        f"{refurbisher}: Approval needs every criterion passed; not yet: Data erasure."
    ]
    refurbisher.refresh_from_db()
    assert refurbisher.status == Status.IN_REVIEW
    assert refurbisher.trial_started_at is None


def test_request_changes_tells_the_applicant(
    client, qa, django_capture_on_commit_callbacks
):
    owner, refurbisher = applicant_make(submit=True)
    page = action_page(client, "request_changes", [refurbisher])
    assert "Message to the applicant" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        action_apply(
            client, "request_changes", [refurbisher],
            message="Please upload your insurance for 2026.",
        )  # fmt: skip
    assert status_of(refurbisher) == Status.CHANGES_REQUESTED
    assert refurbisher.application.qa_message == (
        "Please upload your insurance for 2026."
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [owner.email]
    assert "needs changes" in mail.outbox[0].subject


def test_reject_keeps_the_reason(client, qa):
    _, refurbisher = applicant_make(submit=True)
    action_apply(client, "reject_application", [refurbisher], reason="No data erasure.")
    assert status_of(refurbisher) == Status.REJECTED
    assert refurbisher.application.rejection_reason == "No data erasure."
    assert refurbisher.status_changes.first().reason == "No data erasure."


@pytest.mark.parametrize(
    ("action", "field"),
    [
        ("request_changes", "message"),
        ("reject_application", "reason"),
        ("suspend_refurbisher", "reason"),
    ],
)
def test_an_empty_reason_is_a_form_error_and_changes_nothing(client, qa, action, field):
    _, refurbisher = trial_refurbisher_make()
    before = refurbisher.status
    response = action_apply(client, action, [refurbisher], **{field: "   "})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert "Please correct the error below." in response.content.decode()
    assert status_of(refurbisher) == before


def test_a_form_error_keeps_what_was_typed(client, qa):
    _, refurbisher = trial_refurbisher_make()
    response = action_apply(
        client, "change_trial_limits", [refurbisher], trial_days=25,
        daily_sales_cap=0, reason="Strong first week.",
    )  # fmt: skip
    form = response.context["form"]
    assert "daily_sales_cap" in form.errors
    page = response.content.decode()
    assert 'value="25"' in page and "Strong first week." in page
    # The page posts back to the same action for the same refurbisher.
    assert 'name="action" value="change_trial_limits"' in page
    assert f'name="_selected_action" value="{refurbisher.pk}"' in page
    refurbisher.refresh_from_db()
    assert refurbisher.daily_sales_cap == 5


def test_a_forbidden_move_is_a_message_and_changes_nothing(client, qa):
    _, draft = applicant_make()
    response = action_apply(
        client, "approve_application", [draft], trial_days=40, daily_sales_cap=5
    )
    [message] = messages_of(response)
    assert message.startswith(f"{draft}: Only an application in review can be approved")
    response = client.post(
        CHANGELIST,
        {"action": "start_review", "index": 0, "_selected_action": [draft.pk]},
        follow=True,
    )
    assert messages_of(response) == [
        f"{draft}: A refurbisher that is draft cannot be moved to in review."
    ]
    assert status_of(draft) == Status.DRAFT
    assert not RefurbisherStatusChange.objects.filter(refurbisher=draft).exists()


def test_each_refurbisher_gets_its_own_outcome(client, qa):
    _, submitted = applicant_make(submit=True)
    _, draft = applicant_make()
    response = client.post(
        CHANGELIST,
        {
            "action": "start_review",
            "index": 0,
            "_selected_action": [submitted.pk, draft.pk],
        },
        follow=True,
    )
    assert sorted(messages_of(response)) == sorted(
        [
            f"{submitted}: application in review.",
            f"{draft}: A refurbisher that is draft cannot be moved to in review.",
        ]
    )
    assert status_of(submitted) == Status.IN_REVIEW


# The trial and suspension.


def _purchasable(listing) -> bool:
    return Offer.objects.filter(listing=listing, is_purchasable=True).exists()


def test_suspend_takes_listings_off_the_site_and_reinstate_brings_them_back(client, qa):
    _, refurbisher = trial_refurbisher_make()
    listing = make_listing(refurbisher=refurbisher)
    assert _purchasable(listing)
    action_apply(client, "suspend_refurbisher", [refurbisher], reason="Fake IMEIs.")
    assert status_of(refurbisher) == Status.SUSPENDED
    assert not _purchasable(listing)
    response = action_apply(
        client, "reinstate_refurbisher", [refurbisher], reason="Explained."
    )
    assert f"{refurbisher}: reinstated, on trial." in messages_of(response)
    assert status_of(refurbisher) == Status.TRIAL
    assert _purchasable(listing)


def _flagged_by_metrics() -> Refurbisher:
    _, refurbisher = trial_refurbisher_make()
    Refurbisher.objects.filter(pk=refurbisher.pk).update(status=Status.ACTIVE)
    metrics_flag_for_qa(
        refurbisher_id=refurbisher.pk, crossed=["defect_rate"],
        day=timezone.localdate(),
    )  # fmt: skip
    refurbisher.refresh_from_db()
    assert refurbisher.needs_qa_decision
    return refurbisher


def test_qa_keeps_a_flagged_seller_selling_and_the_flag_leaves_the_queue(client, qa):
    refurbisher = _flagged_by_metrics()
    listing = make_listing(refurbisher=refurbisher)
    page = client.get(change_url(refurbisher)).content.decode()
    assert "Keep selling (clear the QA flag)" in page

    response = action_apply(
        client, "keep_selling", [refurbisher], reason="One-off courier strike."
    )

    assert f"{refurbisher}: keeps selling; the QA flag is cleared." in messages_of(
        response
    )
    refurbisher.refresh_from_db()
    assert (refurbisher.status, refurbisher.needs_qa_decision) == (Status.ACTIVE, False)
    assert refurbisher.qa_decision_reason == ""
    change = refurbisher.status_changes.first()
    assert change.reason == "QA decided it keeps selling: One-off courier strike."
    assert change.actor == qa
    assert _purchasable(listing)
    assert "Keep selling" not in client.get(change_url(refurbisher)).content.decode()
    # Nothing left to decide: the action says so and writes nothing.
    changes = refurbisher.status_changes.count()
    response = action_apply(client, "keep_selling", [refurbisher], reason="Again.")
    assert f"{refurbisher}: {refurbisher.name} is not waiting for QA." in messages_of(
        response
    )
    assert refurbisher.status_changes.count() == changes


def test_suspending_a_flagged_seller_is_the_decision_on_its_flag(client, qa):
    refurbisher = _flagged_by_metrics()
    action_apply(client, "suspend_refurbisher", [refurbisher], reason="Defects.")
    refurbisher.refresh_from_db()
    assert (refurbisher.status, refurbisher.needs_qa_decision) == (
        Status.SUSPENDED,
        False,
    )


def test_extend_trial_adds_days(client, qa):
    _, refurbisher = trial_refurbisher_make(trial_days=40)
    ends = refurbisher.trial_ends_at
    action_apply(
        client, "extend_trial", [refurbisher], days=10, reason="Few sales yet."
    )
    refurbisher.refresh_from_db()
    assert refurbisher.trial_ends_at - ends == timedelta(days=10)
    assert "Few sales yet." in refurbisher.status_changes.first().reason


def test_change_trial_limits_sets_days_and_cap(client, qa):
    _, refurbisher = trial_refurbisher_make(trial_days=40, daily_sales_cap=5)
    action_apply(
        client, "change_trial_limits", [refurbisher], trial_days=20,
        daily_sales_cap=8, reason="Strong first week.",
    )  # fmt: skip
    refurbisher.refresh_from_db()
    assert refurbisher.trial_days_total == 20
    assert refurbisher.daily_sales_cap == 8


def test_end_trial_early_lifts_the_limits(client, qa):
    _, refurbisher = trial_refurbisher_make()
    action_apply(client, "end_trial_early", [refurbisher], reason="Flawless.")
    assert status_of(refurbisher) == Status.ACTIVE


# Who may do what.


def test_a_non_staff_user_is_sent_to_the_login_page(client):
    _, refurbisher = applicant_make(submit=True)
    client.force_login(user_make())
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    response = client.post(
        CHANGELIST,
        {"action": "start_review", "index": 0, "_selected_action": [refurbisher.pk]},
    )
    assert response.status_code == 302
    assert status_of(refurbisher) == Status.SUBMITTED


def test_staff_without_the_qa_permissions_cannot_run_the_actions(client):
    _, refurbisher = applicant_make(submit=True)
    staff_sign_in(client, user_make(is_staff=True))
    assert client.get(CHANGELIST).status_code == 403
    response = client.post(
        CHANGELIST,
        {"action": "start_review", "index": 0, "_selected_action": [refurbisher.pk]},
    )
    assert response.status_code == 403
    assert status_of(refurbisher) == Status.SUBMITTED


def test_staff_who_may_only_look_cannot_vet_or_suspend(client):
    _, refurbisher = trial_refurbisher_make()
    viewer = user_make(is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(codename__in=["view_refurbisher"])
    )
    staff_sign_in(client, viewer)
    page = client.get(CHANGELIST).content.decode()
    assert "Suspend refurbisher" not in page and "Approve application" not in page
    response = action_apply(client, "suspend_refurbisher", [refurbisher], reason="x")
    # Without any action of its own, the post is only a look at the list.
    assert response.status_code == 200 and not messages_of(response)
    assert status_of(refurbisher) == Status.TRIAL


def test_the_qa_group_holds_exactly_the_qa_permissions():
    migration = importlib.import_module("refurbishers.migrations.0003_qa_group")
    assert sorted(migration.QA_PERMISSIONS) == sorted(QA_PERMISSIONS)
    # Run it again on whatever the database holds (tests may have flushed it).
    migration.qa_group_create(django_apps, None)
    migration.qa_group_create(django_apps, None)
    group = Group.objects.get(name="QA")
    # Other apps grant QA their own permissions (orders: the after-sale queues).
    codenames = set(
        group.permissions.filter(content_type__app_label="refurbishers").values_list(
            "codename", flat=True
        )
    )
    assert codenames == set(QA_PERMISSIONS)


# Lists, history and the index.


def _refurbishers_at_every_stage(count: int, qa) -> None:
    for number in range(count):
        kind = number % 3
        if kind == 0:
            applicant_make(submit=True)
        elif kind == 1:
            _, refurbisher = applicant_make(submit=True)
            criterion_review_set(
                refurbisher=refurbisher, criterion="testing", passed=True,
                note="", actor=qa,
            )  # fmt: skip
        else:
            trial_refurbisher_make()


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_lists_and_the_index_cost_the_same_queries_for_3_or_15_refurbishers(client, qa):
    urls = [CHANGELIST, "/admin/", "/admin/refurbishers/refurbisherstatuschange/"]
    _refurbishers_at_every_stage(3, qa)
    few = {url: _queries(client, url) for url in urls}
    _refurbishers_at_every_stage(12, qa)
    assert {url: _queries(client, url) for url in urls} == few
    assert max(few.values()) <= 12


def test_the_changelist_filters_and_searches(client, qa):
    _, ending = trial_refurbisher_make(trial_days=5)
    _, later = trial_refurbisher_make(trial_days=40)
    owner, submitted = applicant_make(submit=True)
    page = client.get(f"{CHANGELIST}?trial_ending=7").content.decode()
    assert ending.name in page and later.name not in page
    page = client.get(f"{CHANGELIST}?q={owner.email}").content.decode()
    assert submitted.name in page and ending.name not in page
    page = client.get(f"{CHANGELIST}?q=FR12912345678").content.decode()
    assert submitted.name in page


def test_the_index_shows_qas_queues_with_counts_and_links(client, qa):
    applicant_make(submit=True)
    applicant_make(submit=True)
    _, suspended = trial_refurbisher_make()
    action_apply(client, "suspend_refurbisher", [suspended], reason="Fraud.")
    page = client.get("/admin/").content.decode()
    assert "QA queues" in page
    queues = dict(
        re.findall(r'<a href="([^"]+)">[^<]+</a></th>\s*<td>(\d+)</td>', page)
    )
    assert queues == {
        f"{CHANGELIST}?status__exact=submitted": "2",
        f"{CHANGELIST}?status__exact=in_review": "0",
        f"{CHANGELIST}?needs_qa_decision__exact=1": "0",
        f"{CHANGELIST}?trial_ending=7": "0",
        f"{CHANGELIST}?status__exact=suspended": "1",
    }


def test_staff_who_may_not_see_refurbishers_see_no_queues(client):
    staff_sign_in(client, user_make(is_staff=True))
    assert "QA queues" not in client.get("/admin/").content.decode()


def test_the_status_history_lists_every_change_with_its_actor(client, qa):
    _, refurbisher = trial_refurbisher_make()
    page = client.get("/admin/refurbishers/refurbisherstatuschange/").content
    assert page.decode().count(refurbisher.name) >= 3
    page = client.get(change_url(refurbisher)).content.decode()
    assert "Status history (newest first)" in page
    assert "Approved: trial of 40 days, 5 sales a day" in page


def test_the_change_page_offers_the_actions_its_status_permits(client, qa):
    _, refurbisher = applicant_make(submit=True)
    criteria_pass(refurbisher, qa)
    page = client.get(change_url(refurbisher)).content.decode()
    for label in ["Approve application", "Request changes", "Reject application"]:
        assert f">{label}</button>" in page
    assert ">Suspend refurbisher</button>" not in page
    assert ">Start review</button>" not in page


def test_an_action_run_from_the_change_page_comes_back_to_it(client, qa):
    _, refurbisher = applicant_make(submit=True)
    criteria_pass(refurbisher, qa)
    chosen = {
        "action": "approve_application",
        "_selected_action": [refurbisher.pk],
        "_back_to_object": "1",
    }
    page = client.post(CHANGELIST, chosen)
    assert 'name="_back_to_object"' in page.content.decode()
    response = client.post(
        CHANGELIST,
        {**chosen, "apply": "Apply", "trial_days": 40, "daily_sales_cap": 5},
    )
    assert response.status_code == 302
    assert response["Location"] == change_url(refurbisher)
    assert status_of(refurbisher) == Status.TRIAL
