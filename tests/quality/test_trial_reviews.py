"""QA's review of trial sales: opened at payment, facts, verdicts, graduation.

Orders are paid through the offline gateway and moved through the fulfilment
services, as people would. Returns and claims are written as rows: only
their presence matters to the facts.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from orders.models import (
    ClaimProblem,
    MessageAuthor,
    ReturnReason,
    ReturnRequest,
    SellerOrder,
    SellerOrderStatus,
    Warranty,
    WarrantyClaim,
)
from orders.services.messages import message_send
from orders.services.payment_events import payment_event_receive
from quality.models import (
    TRIAL_SALE_VERDICT_MOVES,
    TrialSaleReview,
    TrialSaleVerdict,
    TrialSaleVerdictChange,
)
from quality.selectors import trial_review_facts, trial_sales_all_passed
from quality.services.reviews import review_write
from quality.services.trial_reviews import (
    TrialReviewRefused,
    trial_review_open,
    trial_review_pass_checked,
    trial_review_verdict,
)
from refurbishers.models import Refurbisher, RefurbisherStatus
from refurbishers.services import sale_slot_confirm, sale_slot_reserve
from refurbishers.services.trial import trials_review
from refurbishers.tasks import trials_review as trials_review_task
from tests.support.order_builders import (
    seller_order_delivered,
    seller_order_paid,
    seller_order_shipped,
)
from tests.support.refurbisher_builders import qa_user_make, trial_refurbisher_make

Verdict = TrialSaleVerdict
TASK_TIMEOUT = 30


def trial_sale(refurbisher: Refurbisher | None = None, **kwargs) -> SellerOrder:
    """A paid sale of a refurbisher on trial (a new one unless given)."""
    if refurbisher is None:
        _, refurbisher = trial_refurbisher_make(daily_sales_cap=20)
    return seller_order_paid(refurbisher=refurbisher, **kwargs)


def review_of(seller_order: SellerOrder) -> TrialSaleReview:
    return TrialSaleReview.objects.get(seller_order=seller_order)


def audit(review: TrialSaleReview) -> list[tuple[str, str]]:
    return list(
        review.verdict_changes.order_by("pk").values_list("from_verdict", "to_verdict")
    )


def trial_end_now(refurbisher: Refurbisher) -> None:
    """Move the trial's end an hour into the past (the clock is what tests move)."""
    Refurbisher.objects.filter(pk=refurbisher.pk).update(
        trial_started_at=timezone.now() - timedelta(days=40),
        trial_ends_at=timezone.now() - timedelta(hours=1),
    )


def clean_sale(refurbisher=None) -> SellerOrder:
    """A trial sale shipped on time with tracking and serial, then delivered."""
    return seller_order_delivered(trial_sale(refurbisher))


# --- Opening ---------------------------------------------------------------------


@pytest.mark.django_db
class TestOpening:
    def test_paying_a_trial_sale_opens_its_review_once(self):
        seller_order = trial_sale()

        assert seller_order.sale_slot_reference
        review = review_of(seller_order)
        assert (review.verdict, review.refurbisher_id) == (
            Verdict.PENDING,
            seller_order.refurbisher_id,
        )
        assert audit(review) == [("", Verdict.PENDING)]
        # Again (a retried payment path): the same review, no second audit row.
        assert trial_review_open(seller_order=seller_order) == review
        assert TrialSaleReview.objects.count() == 1
        assert audit(review) == [("", Verdict.PENDING)]

    def test_a_repeated_payment_event_opens_nothing_twice(self):
        from orders.payment_gateway import payment_gateway

        seller_order = trial_sale()
        order = seller_order.order
        for event in payment_gateway().events_for(order.payment_session_id, "paid"):
            payment_event_receive(event)
        assert TrialSaleReview.objects.filter(seller_order=seller_order).count() == 1

    def test_an_active_sellers_sale_opens_no_review(self):
        seller_order = seller_order_paid()  # an active refurbisher

        assert seller_order.status == SellerOrderStatus.PAID
        assert not seller_order.sale_slot_reference
        assert not TrialSaleReview.objects.exists()


# --- Facts -------------------------------------------------------------------------


def facts_of(seller_order: SellerOrder) -> dict[str, bool | None]:
    return trial_review_facts(review_of(seller_order)).as_checklist()


ALL_GOOD = dict.fromkeys(
    [
        "shipped_on_time", "tracking_valid", "serial_recorded", "item_as_described",
        "messages_answered", "review_ok",
    ],
    True,
)  # fmt: skip


@pytest.mark.django_db
class TestFacts:
    def test_a_paid_sale_not_shipped_yet_is_not_knowable_yet(self):
        seller_order = trial_sale()

        facts = trial_review_facts(review_of(seller_order))

        assert facts.as_checklist() == {
            **ALL_GOOD,
            "shipped_on_time": None,
            "tracking_valid": None,
            "serial_recorded": None,
            "item_as_described": None,
        }
        assert not facts.all_good
        assert "Not shipped yet" in facts.shipped_on_time.note

    def test_a_sale_shipped_on_time_and_delivered_is_all_good(
        self, django_assert_num_queries
    ):
        seller_order = clean_sale()
        review = review_of(seller_order)

        with django_assert_num_queries(7):
            facts = trial_review_facts(review)

        assert facts.as_checklist() == ALL_GOOD
        assert facts.all_good and facts.problems() == []
        assert "6A12345678901" in facts.tracking_valid.note
        assert "490154203237518" in facts.serial_recorded.note

    def test_a_sale_shipped_after_its_ship_by_was_late(self):
        seller_order = trial_sale()
        SellerOrder.objects.filter(pk=seller_order.pk).update(
            ship_by=timezone.now() - timedelta(hours=2)
        )
        assert facts_of(seller_order)["shipped_on_time"] is False  # not shipped

        seller_order_shipped(seller_order)

        facts = trial_review_facts(review_of(seller_order))
        assert facts.shipped_on_time.value is False
        assert "after the ship-by" in facts.shipped_on_time.note
        assert facts.tracking_valid.value is True

    def test_a_return_for_a_fault_or_a_claim_means_not_as_described(self):
        changed_mind, faulty, claimed = clean_sale(), clean_sale(), clean_sale()
        for seller_order, reason in (
            (changed_mind, ReturnReason.CHANGED_MIND),
            (faulty, ReturnReason.NOT_AS_DESCRIBED),
        ):
            ReturnRequest.objects.create(
                seller_order=seller_order, line=seller_order.lines.get(), reason=reason
            )
        warranty = Warranty.objects.get(line__seller_order=claimed)
        WarrantyClaim.objects.create(
            warranty=warranty, seller_order=claimed, refurbisher=claimed.refurbisher,
            problem=ClaimProblem.BATTERY, description="Drains in two hours.",
            answer_due_at=timezone.now() + timedelta(days=2),
        )  # fmt: skip

        assert facts_of(changed_mind)["item_as_described"] is True
        faulty_facts = trial_review_facts(review_of(faulty))
        assert faulty_facts.item_as_described.value is False
        assert "not as described" in faulty_facts.item_as_described.note
        claimed_facts = trial_review_facts(review_of(claimed))
        assert claimed_facts.item_as_described.value is False
        assert "battery" in claimed_facts.item_as_described.note

    def test_shopper_messages_must_have_a_first_answer_within_a_day(self):
        owner, refurbisher = trial_refurbisher_make(daily_sales_cap=20)
        quick, slow, waiting, forgotten = (clean_sale(refurbisher) for _ in range(4))
        for seller_order in (quick, slow, waiting, forgotten):
            message_send(
                seller_order=seller_order, author=MessageAuthor.SHOPPER,
                sender=None, body="Is the charger included?",
            )  # fmt: skip
        # The clock moves for the slow and forgotten ones: written 30 h ago.
        for seller_order in (slow, forgotten):
            seller_order.messages.update(
                created_at=timezone.now() - timedelta(hours=30)
            )
        for seller_order in (quick, slow):
            message_send(
                seller_order=seller_order, author=MessageAuthor.SELLER,
                sender=owner, body="Yes, a cable and a plug.",
            )  # fmt: skip

        assert facts_of(quick)["messages_answered"] is True
        slow_fact = trial_review_facts(review_of(slow)).messages_answered
        assert slow_fact.value is False and "took 30 h" in slow_fact.note
        assert facts_of(waiting)["messages_answered"] is None
        assert facts_of(forgotten)["messages_answered"] is False

    @pytest.mark.parametrize(("rating", "fine"), [(1, False), (2, False), (3, True)])
    def test_the_shoppers_review_must_be_three_stars_or_more(self, rating, fine):
        seller_order = clean_sale()
        review_write(seller_order=seller_order, actor=None, rating=rating)

        assert facts_of(seller_order)["review_ok"] is fine

    def test_a_seller_cancellation_is_not_on_time(self):
        seller_order = trial_sale()
        SellerOrder.objects.filter(pk=seller_order.pk).update(
            status=SellerOrderStatus.CANCELLED, cancelled_by_seller=True,
            cancel_reason="Stock error",
        )  # fmt: skip

        fact = trial_review_facts(review_of(seller_order)).shipped_on_time
        assert fact.value is False and "Cancelled by the seller" in fact.note


# --- Verdicts -----------------------------------------------------------------------


def _review_in(verdict: str, qa) -> TrialSaleReview:
    review = review_of(trial_sale())
    if verdict == Verdict.PENDING:
        return review
    if verdict == Verdict.PASSED:
        return trial_review_verdict(review=review, actor=qa, verdict=verdict)
    return trial_review_verdict(
        review=review, actor=qa, verdict=verdict, notes="Set up for the test."
    )


MOVES = [(a, b) for a in Verdict.values for b in Verdict.values]


@pytest.mark.django_db
class TestVerdicts:
    @pytest.mark.parametrize(("from_verdict", "to_verdict"), MOVES)
    def test_each_move_is_allowed_only_from_the_verdicts_that_permit_it(
        self, from_verdict, to_verdict
    ):
        qa = qa_user_make()
        review = _review_in(from_verdict, qa)
        before = audit(review)
        allowed = to_verdict in TRIAL_SALE_VERDICT_MOVES[from_verdict]

        if not allowed:
            with pytest.raises(TrialReviewRefused) as refused:
                trial_review_verdict(
                    review=review, actor=qa, verdict=to_verdict, notes="Why not."
                )
            assert refused.value.field == "verdict"
            review.refresh_from_db()
            assert review.verdict == from_verdict
            assert audit(review) == before
            return

        trial_review_verdict(
            review=review, actor=qa, verdict=to_verdict, notes="Checked the order."
        )

        review.refresh_from_db()
        assert (review.verdict, review.reviewer, review.notes) == (
            to_verdict,
            qa,
            "Checked the order.",
        )
        assert review.reviewed_at is not None
        assert audit(review) == [*before, (from_verdict, to_verdict)]
        change = review.verdict_changes.order_by("pk").last()
        assert (change.actor, change.reason) == (qa, "Checked the order.")

    @pytest.mark.parametrize("verdict", [Verdict.FAILED, Verdict.FOLLOW_UP])
    def test_failing_or_a_follow_up_needs_notes(self, verdict):
        review = review_of(trial_sale())

        with pytest.raises(TrialReviewRefused) as refused:
            trial_review_verdict(
                review=review, actor=qa_user_make(), verdict=verdict, notes="  "
            )

        assert refused.value.field == "notes"
        review.refresh_from_db()
        assert review.verdict == Verdict.PENDING
        assert audit(review) == [("", Verdict.PENDING)]

    def test_a_sale_cannot_pass_with_a_checklist_item_marked_no(self):
        review = review_of(clean_sale())

        with pytest.raises(TrialReviewRefused) as refused:
            trial_review_verdict(
                review=review, actor=qa_user_make(), verdict=Verdict.PASSED,
                checklist={"messages_answered": False},
            )  # fmt: skip

        assert refused.value.field == "messages_answered"
        assert review_of(review.seller_order).verdict == Verdict.PENDING

    def test_the_checklist_keeps_qas_answers_and_the_facts_for_the_rest(self):
        review = review_of(clean_sale())

        trial_review_verdict(
            review=review, actor=qa_user_make(), verdict=Verdict.FOLLOW_UP,
            notes="Ask about the packaging.", checklist={"item_as_described": None},
        )  # fmt: skip

        review.refresh_from_db()
        assert (review.shipped_on_time, review.tracking_valid, review.review_ok) == (
            True,
            True,
            True,
        )
        assert review.item_as_described is None

    def test_a_failed_sale_emails_the_owners_and_flags_the_trial(
        self, mailoutbox, django_capture_on_commit_callbacks
    ):
        owner, refurbisher = trial_refurbisher_make()
        seller_order = trial_sale(refurbisher)
        mailoutbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            trial_review_verdict(
                review=review_of(seller_order), actor=qa_user_make(),
                verdict=Verdict.FAILED, notes="The IMEI does not match the device.",
            )  # fmt: skip

        reference = seller_order.order.reference
        assert [(m.to, m.subject) for m in mailoutbox] == [
            ([owner.email], f"ReMarket: trial sale {reference} did not pass our review")
        ]
        assert "The IMEI does not match the device." in mailoutbox[0].body
        refurbisher.refresh_from_db()
        assert refurbisher.status == RefurbisherStatus.TRIAL
        assert refurbisher.needs_qa_decision
        assert reference in refurbisher.qa_decision_reason
        flag = refurbisher.status_changes.first()
        assert flag.reason.startswith("Flagged for QA: Trial sale")

    def test_pass_checked_passes_only_a_sale_whose_facts_are_all_good(self):
        qa = qa_user_make()
        good, unshipped = review_of(clean_sale()), review_of(trial_sale())

        trial_review_pass_checked(review=good, actor=qa)
        with pytest.raises(TrialReviewRefused) as refused:
            trial_review_pass_checked(review=unshipped, actor=qa)

        good.refresh_from_db()
        assert (good.verdict, good.reviewer, good.shipped_on_time) == (
            Verdict.PASSED,
            qa,
            True,
        )
        assert "Shipped on time: Not shipped yet" in refused.value.message
        assert review_of(unshipped.seller_order).verdict == Verdict.PENDING


@pytest.mark.django_db(transaction=True)
def test_two_qa_verdicts_at_once_one_wins_and_one_audit_row():
    """Two QA people decide the same sale at the same moment: the row lock
    makes the second see the first's verdict, and its move is refused."""
    review = review_of(trial_sale())
    qa_one, qa_two = qa_user_make(), qa_user_make()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(actor, verdict) -> None:
        try:
            barrier.wait()
            trial_review_verdict(
                review=review, actor=actor, verdict=verdict, notes="Decided."
            )
            outcomes.append("done")
        except TrialReviewRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(qa_one, Verdict.PASSED)),
        threading.Thread(target=decide, args=(qa_two, Verdict.FAILED)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["done", "refused"]
    review.refresh_from_db()
    assert review.verdict in (Verdict.PASSED, Verdict.FAILED)
    assert TrialSaleVerdictChange.objects.filter(review=review).count() == 2


# --- Graduation --------------------------------------------------------------------


@pytest.mark.django_db
class TestGraduation:
    def test_all_passed_graduates_one_failed_waits_one_unreviewed_is_flagged(self):
        qa = qa_user_make()
        refurbishers = {}
        for name in ("passed", "failed", "unreviewed"):
            _, refurbishers[name] = trial_refurbisher_make(daily_sales_cap=20)
        sales = {
            name: [clean_sale(r), clean_sale(r)] for name, r in refurbishers.items()
        }
        for seller_order in sales["passed"]:
            trial_review_pass_checked(review=review_of(seller_order), actor=qa)
        # A sale the shopper cancelled does not count, reviewed or not.
        cancelled = trial_sale(refurbishers["passed"])
        SellerOrder.objects.filter(pk=cancelled.pk).update(
            status=SellerOrderStatus.CANCELLED, cancelled_by_seller=False
        )
        trial_review_pass_checked(review=review_of(sales["failed"][0]), actor=qa)
        trial_review_verdict(
            review=review_of(sales["failed"][1]), actor=qa, verdict=Verdict.FAILED,
            notes="Shipped a different colour.",
        )  # fmt: skip
        trial_review_pass_checked(review=review_of(sales["unreviewed"][0]), actor=qa)
        for refurbisher in refurbishers.values():
            trial_end_now(refurbisher)

        assert trials_review() == {"graduated": 1, "flagged": 1}

        status = {
            name: Refurbisher.objects.values_list("status", "needs_qa_decision").get(
                pk=r.pk
            )
            for name, r in refurbishers.items()
        }
        assert status == {
            "passed": (RefurbisherStatus.ACTIVE, False),
            # Flagged when its sale failed; the daily review leaves it to QA.
            "failed": (RefurbisherStatus.TRIAL, True),
            "unreviewed": (RefurbisherStatus.TRIAL, True),
        }

    def test_a_seller_cancellation_still_needs_a_verdict(self):
        _, refurbisher = trial_refurbisher_make()
        seller_order = trial_sale(refurbisher)
        SellerOrder.objects.filter(pk=seller_order.pk).update(
            status=SellerOrderStatus.CANCELLED, cancelled_by_seller=True
        )
        assert not trial_sales_all_passed(refurbisher)

    def test_a_confirmed_sale_without_a_review_item_counts_as_unreviewed(self):
        _, refurbisher = trial_refurbisher_make()
        sale_slot_reserve(refurbisher=refurbisher, reference="missed:1")
        sale_slot_confirm(reference="missed:1")

        assert not trial_sales_all_passed(refurbisher)

    def test_a_trial_with_no_sale_has_nothing_left_to_pass(self):
        _, refurbisher = trial_refurbisher_make()
        assert trial_sales_all_passed(refurbisher)


@pytest.mark.django_db(transaction=True)
def test_the_worker_graduates_a_passed_trial_and_flags_an_unreviewed_one(
    celery_worker,
):
    qa = qa_user_make()
    _, passed = trial_refurbisher_make()
    _, unreviewed = trial_refurbisher_make()
    trial_review_pass_checked(review=review_of(clean_sale(passed)), actor=qa)
    clean_sale(unreviewed)
    trial_end_now(passed)
    trial_end_now(unreviewed)

    outcome = trials_review_task.delay().get(timeout=TASK_TIMEOUT)

    assert outcome == {"graduated": 1, "flagged": 1}
    passed.refresh_from_db()
    unreviewed.refresh_from_db()
    assert passed.status == RefurbisherStatus.ACTIVE
    assert (unreviewed.status, unreviewed.needs_qa_decision) == (
        RefurbisherStatus.TRIAL,
        True,
    )
