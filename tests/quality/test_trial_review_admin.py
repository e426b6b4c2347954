"""QA's trial-sale queue and review moderation in the admin, over HTTP, as a staff
member of the "QA" group only (not a superuser).

Actions run through the changelist as a browser posts them: an action with
input first answers with its intermediate page, then runs on ``apply``.
"""

from __future__ import annotations

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from quality.models import SellerReview, TrialSaleReview, TrialSaleVerdict
from quality.services.reviews import review_write
from quality.services.trial_reviews import trial_review_verdict
from tests.support.order_builders import seller_order_delivered, seller_order_paid
from tests.support.refurbisher_builders import trial_refurbisher_make, user_make
from tests.support.second_factor import staff_sign_in

pytestmark = pytest.mark.django_db

Verdict = TrialSaleVerdict
CHANGELIST = "/admin/quality/trialsalereview/"
REVIEWS = "/admin/quality/sellerreview/"
# Must equal quality/migrations/0002_qa_group_quality.py QUALITY_QA_PERMISSIONS.
QUALITY_QA_PERMISSIONS = [
    "view_trialsalereview", "change_trialsalereview",
    "view_trialsaleverdictchange",
    "view_sellerreview", "change_sellerreview",
    "view_sellermetrics",
]  # fmt: skip
GRANTS = [
    ("refurbishers.migrations.0003_qa_group", "qa_group_create"),
    ("orders.migrations.0008_qa_group_orders", "qa_group_grant"),
    ("quality.migrations.0002_qa_group_quality", "qa_group_grant"),
]


def qa_group() -> Group:
    # The migrations' own functions, run again: a flushed database lost the group.
    for module, function in GRANTS:
        getattr(importlib.import_module(module), function)(django_apps, None)
    return Group.objects.get(name="QA")


@pytest.fixture
def qa() -> Client:
    user = user_make(is_staff=True)
    user.groups.add(qa_group())
    client = Client()
    staff_sign_in(client, user)
    client.user = user
    return client


@pytest.fixture
def owner_and_refurbisher():
    return trial_refurbisher_make(daily_sales_cap=50)


def sale(refurbisher, *, deliver: bool = True) -> TrialSaleReview:
    seller_order = seller_order_paid(refurbisher=refurbisher)
    if deliver:
        seller_order_delivered(seller_order)
    return TrialSaleReview.objects.get(seller_order=seller_order)


def reference(review: TrialSaleReview) -> str:
    return review.seller_order.order.reference


def change_url(review: TrialSaleReview) -> str:
    return f"{CHANGELIST}{review.pk}/change/"


def change_form_data(client, review: TrialSaleReview, **fields) -> dict:
    """What the change page posts as shown (pre-filled checklist, the inline's
    management form), with ``fields`` changed."""
    page = client.get(change_url(review))
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


def messages_of(response) -> list[str]:
    return [message.message for message in response.context["messages"]]


def verdict_of(review: TrialSaleReview) -> str:
    review.refresh_from_db()
    return review.verdict


def listed(response) -> set[str]:
    return set(re.findall(r"RM-[A-Z0-9]+", response.content.decode()))


def test_the_qa_group_gets_exactly_the_quality_permissions():
    migration = importlib.import_module("quality.migrations.0002_qa_group_quality")
    assert sorted(migration.QUALITY_QA_PERMISSIONS) == sorted(QUALITY_QA_PERMISSIONS)
    group = qa_group()
    qa_group()  # twice: nothing doubles
    codenames = set(
        group.permissions.filter(content_type__app_label="quality").values_list(
            "codename", flat=True
        )
    )
    assert codenames == set(QUALITY_QA_PERMISSIONS)


class TestQueue:
    def test_the_queue_filters_by_verdict_refurbisher_and_age(
        self, qa, owner_and_refurbisher
    ):
        _, refurbisher = owner_and_refurbisher
        _, other = trial_refurbisher_make(name="Zephyr Repairs")
        waiting, followed, passed = (sale(refurbisher) for _ in range(3))
        elsewhere = sale(other, deliver=False)
        trial_review_verdict(
            review=followed, actor=None, verdict=Verdict.FOLLOW_UP, notes="Ask."
        )
        trial_review_verdict(review=passed, actor=None, verdict=Verdict.PASSED)
        TrialSaleReview.objects.filter(pk=waiting.pk).update(
            created_at=timezone.now() - timedelta(days=4)
        )

        def shown(query: str = "") -> set[str]:
            response = qa.get(f"{CHANGELIST}{query}")
            assert response.status_code == 200
            return listed(response)

        everything = {reference(r) for r in (waiting, followed, passed, elsewhere)}
        assert shown() == everything
        assert shown("?queue=pending") == {reference(waiting), reference(elsewhere)}
        assert shown("?queue=follow_up") == {reference(followed)}
        assert shown("?queue=done") == {reference(passed)}
        assert shown(f"?refurbisher__id__exact={other.pk}") == {reference(elsewhere)}
        assert shown("?age=3") == {reference(waiting)}
        assert shown("?age=7") == set()
        assert shown(f"?q={reference(followed)}") == {reference(followed)}
        assert shown("?q=zephyr") == {reference(elsewhere)}

    def test_the_admin_index_counts_what_waits(self, qa, owner_and_refurbisher):
        _, refurbisher = owner_and_refurbisher
        sale(refurbisher, deliver=False)
        sale(refurbisher, deliver=False)
        followed = sale(refurbisher, deliver=False)
        trial_review_verdict(
            review=followed, actor=None, verdict=Verdict.FOLLOW_UP, notes="Ask."
        )

        page = qa.get("/admin/").content.decode()

        assert re.search(
            r'href="/admin/quality/trialsalereview/\?queue=pending">'
            r"Trial sales waiting for QA</a></th>\s*<td>2</td>",
            page,
        )
        assert re.search(r"Trial sales to follow up</a></th>\s*<td>1</td>", page)

    def test_staff_without_qa_permissions_are_refused(self, owner_and_refurbisher):
        review = sale(owner_and_refurbisher[1], deliver=False)
        client = Client()
        staff_sign_in(client, user_make(is_staff=True))

        assert client.get(CHANGELIST).status_code == 403
        assert client.get(change_url(review)).status_code == 403
        response = client.post(
            CHANGELIST, {"action": "pass_selected", "_selected_action": [review.pk]}
        )
        assert response.status_code == 403
        assert "Trial sales waiting" not in client.get("/admin/").content.decode()
        assert verdict_of(review) == Verdict.PENDING


class TestChangePage:
    def test_the_page_shows_the_order_facts_and_a_prefilled_checklist(
        self, qa, owner_and_refurbisher
    ):
        _, refurbisher = owner_and_refurbisher
        review = sale(refurbisher)
        review_write(
            seller_order=review.seller_order, actor=None, rating=4, comment="Great."
        )

        response = qa.get(change_url(review))

        assert response.status_code == 200
        page = response.content.decode()
        line = review.seller_order.lines.get()
        assert line.title in page
        assert "Colissimo 6A12345678901" in page
        assert "490154203237518" in page  # the IMEI shipped
        assert "4 stars: “Great.”" in page
        form = response.context["adminform"].form
        assert form["check_shipped_on_time"].value() == "yes"
        assert form["check_review_ok"].value() == "yes"
        assert "The data says yes: Shipped" in page
        choices = [value for value, _ in form.fields["new_verdict"].choices]
        assert choices == ["", "passed", "failed", "follow_up"]

    def test_failing_without_notes_is_a_form_error_and_changes_nothing(
        self, qa, owner_and_refurbisher
    ):
        review = sale(owner_and_refurbisher[1])
        data = change_form_data(qa, review, new_verdict="failed")
        assert data["check_shipped_on_time"] == "yes"  # as the facts say

        response = qa.post(change_url(review), data)

        assert response.status_code == 200
        assert "Please say what went wrong in the notes." in response.content.decode()
        assert verdict_of(review) == Verdict.PENDING

    def test_a_verdict_given_on_the_page_goes_through_the_service(
        self, qa, owner_and_refurbisher, mailoutbox, django_capture_on_commit_callbacks
    ):
        owner, refurbisher = owner_and_refurbisher
        review = sale(refurbisher)
        mailoutbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            response = qa.post(
                change_url(review),
                change_form_data(
                    qa, review, check_serial_recorded="no", check_review_ok="",
                    new_verdict="failed",
                    verdict_notes="The serial shipped is not this device's.",
                ),
                follow=True,
            )  # fmt: skip

        assert response.redirect_chain[-1][0] == CHANGELIST
        assert f"Trial sale {reference(review)}: failed." in messages_of(response)
        review.refresh_from_db()
        assert (review.verdict, review.reviewer, review.serial_recorded) == (
            Verdict.FAILED,
            qa.user,
            False,
        )
        assert review.review_ok is None
        assert review.verdict_changes.last().actor == qa.user
        assert [m.to for m in mailoutbox] == [[owner.email]]
        refurbisher.refresh_from_db()
        assert refurbisher.needs_qa_decision

        # Decided: the page is read-only and a post is refused.
        page = qa.get(change_url(review))
        assert page.status_code == 200
        assert 'name="new_verdict"' not in page.content.decode()
        refused = qa.post(change_url(review), {"new_verdict": "passed"})
        assert refused.status_code == 403
        assert verdict_of(review) == Verdict.FAILED

    def test_passing_with_an_item_marked_no_is_refused_beside_it(
        self, qa, owner_and_refurbisher
    ):
        review = sale(owner_and_refurbisher[1])

        response = qa.post(
            change_url(review),
            change_form_data(
                qa, review, check_messages_answered="no", new_verdict="passed"
            ),
        )

        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert "check_messages_answered" in errors
        assert verdict_of(review) == Verdict.PENDING


class TestActions:
    def test_pass_selected_passes_the_good_and_says_why_it_skipped_others(
        self, qa, owner_and_refurbisher
    ):
        _, refurbisher = owner_and_refurbisher
        good, unshipped = sale(refurbisher), sale(refurbisher, deliver=False)

        response = qa.post(
            CHANGELIST,
            {
                "action": "pass_selected",
                "index": 0,
                "_selected_action": [good.pk, unshipped.pk],
            },
            follow=True,
        )

        said = messages_of(response)
        assert f"Passed 1 trial sale: {reference(good)}." in said
        skipped = [m for m in said if m.startswith(f"Skipped {reference(unshipped)}")]
        assert len(skipped) == 1 and "Not shipped yet" in skipped[0]
        assert verdict_of(good) == Verdict.PASSED
        assert good.reviewer == qa.user
        assert verdict_of(unshipped) == Verdict.PENDING

    def test_mark_for_follow_up_asks_for_a_note_first(self, qa, owner_and_refurbisher):
        _, refurbisher = owner_and_refurbisher
        first, second = sale(refurbisher, deliver=False), sale(refurbisher)
        selected = [first.pk, second.pk]

        page = qa.post(
            CHANGELIST,
            {"action": "mark_follow_up", "index": 0, "_selected_action": selected},
        )
        assert page.status_code == 200
        assert "Mark trial sales for follow-up" in page.content.decode()
        assert verdict_of(first) == Verdict.PENDING

        no_note = qa.post(
            CHANGELIST,
            {"action": "mark_follow_up", "_selected_action": selected, "apply": "1"},
        )
        assert "Please say what to check." in no_note.content.decode()
        assert verdict_of(first) == Verdict.PENDING

        done = qa.post(
            CHANGELIST,
            {
                "action": "mark_follow_up", "_selected_action": selected,
                "apply": "1", "notes": "Call the shopper about the battery.",
            },
            follow=True,
        )  # fmt: skip

        assert f"{reference(first)}: marked for follow-up." in messages_of(done)
        for review in (first, second):
            assert verdict_of(review) == Verdict.FOLLOW_UP
            assert review.notes == "Call the shopper about the battery."
            assert review.reviewer == qa.user


class TestReviewModeration:
    def test_qa_hides_a_review_with_a_reason_and_the_rating_follows(
        self, qa, owner_and_refurbisher
    ):
        _, refurbisher = owner_and_refurbisher
        _, abusive = (
            review_write(
                seller_order=seller_order_delivered(
                    seller_order_paid(refurbisher=refurbisher)
                ),
                actor=None,
                rating=rating,
            )
            for rating in (5, 1)
        )
        refurbisher.refresh_from_db()
        assert refurbisher.rating_count == 2

        page = qa.post(
            REVIEWS,
            {"action": "hide_reviews", "index": 0, "_selected_action": [abusive.pk]},
        )
        assert page.status_code == 200 and "Why hide it" in page.content.decode()
        done = qa.post(
            REVIEWS,
            {
                "action": "hide_reviews", "_selected_action": [abusive.pk],
                "apply": "1", "reason": "Abusive words",
            },
            follow=True,
        )  # fmt: skip

        assert any("hidden: abusive words" in m for m in messages_of(done))
        abusive.refresh_from_db()
        assert (abusive.hidden, abusive.hidden_reason) == (True, "Abusive words")
        refurbisher.refresh_from_db()
        assert (refurbisher.rating_average, refurbisher.rating_count) == (5, 1)

        qa.post(
            REVIEWS,
            {"action": "show_reviews", "index": 0, "_selected_action": [abusive.pk]},
        )
        abusive.refresh_from_db()
        assert not abusive.hidden
        assert SellerReview.objects.filter(hidden=False).count() == 2
