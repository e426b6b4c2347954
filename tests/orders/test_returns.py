"""Returns: every move with its audit row, the window, one live return per line,
what is refunded, and a refund made once however often "received" is posted."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from marketplace.markets import MARKETS
from orders.models import (
    Refund,
    RefundReason,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
    ReturnStatusChange,
    SellerOrder,
)
from orders.services.refunds import refund_issue
from orders.services.returns import (
    ReturnRefused,
    return_authorise,
    return_mark_received,
    return_mark_sent_back,
    return_refund_amount,
    return_request,
    return_tracking_url,
    return_withdraw,
    returns_refund_overdue,
)
from tests.support.factories import RefurbisherFactory
from tests.support.order_builders import (
    fr_listing,
    order_paid_offline,
    seller_order_delivered,
    seller_order_paid,
    seller_order_shipped,
)
from tests.support.refurbisher_builders import user_make

pytestmark = pytest.mark.django_db
Status = ReturnStatus
INSTRUCTIONS = "Send it to Atelier Renov, 12 rue de la Soie, 69003 Lyon."


@pytest.fixture
def people(db):
    """(shopper, seller): the people who move a return."""
    return user_make(email="camille@example.com"), user_make(email="owner@lyon.fr")


def delivered(**listing) -> SellerOrder:
    return seller_order_delivered(seller_order_paid(**listing))


def ask(seller_order: SellerOrder, actor=None, *, line=None, **fields):
    values = {"reason": ReturnReason.CHANGED_MIND, "details": ""}
    values.update(fields)
    return return_request(line=line or seller_order.lines.get(), actor=actor, **values)


def moves(return_request_: ReturnRequest) -> list[tuple[str, str]]:
    return list(
        ReturnStatusChange.objects.filter(return_request=return_request_)
        .order_by("pk")
        .values_list("from_status", "to_status")
    )


def delivered_days_ago(seller_order: SellerOrder, days: float) -> None:
    SellerOrder.objects.filter(pk=seller_order.pk).update(
        delivered_at=timezone.now() - dt.timedelta(days=days)
    )
    seller_order.refresh_from_db()


def in_state(state: str, people) -> ReturnRequest:
    """A return of a delivered 400 € line brought to ``state`` by the services."""
    shopper, seller = people
    made = ask(delivered(), shopper)
    if state == Status.WITHDRAWN:
        return_withdraw(return_request=made, actor=shopper)
    if state in (Status.AUTHORISED, Status.SENT_BACK, Status.REFUNDED):
        return_authorise(return_request=made, actor=seller, instructions=INSTRUCTIONS)
    if state in (Status.SENT_BACK, Status.REFUNDED):
        return_mark_sent_back(
            return_request=made, actor=shopper, carrier="Colissimo",
            tracking_number="6A12345678901",
        )  # fmt: skip
    if state == Status.REFUNDED:
        return_mark_received(return_request=made, actor=seller)
    made.refresh_from_db()
    assert made.status == state
    return made


class TestMoves:
    def test_requested_authorised_sent_back_received_refunded_each_audited(
        self, people, mailoutbox, django_capture_on_commit_callbacks
    ):
        shopper, seller = people
        seller_order = delivered()
        owner = seller_order.refurbisher.memberships.create(user=seller, role="owner")
        assert owner.pk
        with django_capture_on_commit_callbacks(execute=True):
            made = ask(seller_order, shopper, reason=ReturnReason.CHANGED_MIND)
        assert made.status == Status.REQUESTED
        assert made.seller_at_fault is False and made.requested_by == shopper
        assert [m.to for m in mailoutbox] == [["owner@lyon.fr"]]
        assert "return requested" in mailoutbox[0].subject
        assert f"/seller/returns/{made.pk}/" in mailoutbox[0].body

        with django_capture_on_commit_callbacks(execute=True):
            return_authorise(
                return_request=made, actor=seller, instructions=f"  {INSTRUCTIONS} "
            )
        assert mailoutbox[-1].to == ["camille@example.com"]
        assert INSTRUCTIONS in mailoutbox[-1].body
        token = seller_order.order.access_token
        assert f"/returns/{made.pk}/?token={token}" in mailoutbox[-1].body

        with django_capture_on_commit_callbacks(execute=True):
            return_mark_sent_back(
                return_request=made, actor=shopper, carrier="colissimo",
                tracking_number="6a 1234 5678 901",
            )  # fmt: skip
        assert mailoutbox[-1].to == ["owner@lyon.fr"]
        assert "6A12345678901" in mailoutbox[-1].body

        with django_capture_on_commit_callbacks(execute=True):
            return_mark_received(return_request=made, actor=seller)
        made.refresh_from_db()
        assert made.status == Status.REFUNDED
        assert made.instructions == INSTRUCTIONS
        assert (made.return_carrier, made.return_tracking) == (
            "Colissimo", "6A12345678901",
        )  # fmt: skip
        assert made.authorised_at and made.sent_back_at
        assert made.received_at and made.refunded_at
        assert moves(made) == [
            ("", "requested"),
            ("requested", "authorised"),
            ("authorised", "sent_back"),
            ("sent_back", "received"),
            ("received", "refunded"),
        ]
        rows = {c.to_status: c for c in made.status_changes.all()}
        assert rows["requested"].actor == shopper
        assert rows["requested"].reason == "Return requested: Changed my mind"
        assert rows["authorised"].actor == seller
        assert rows["sent_back"].actor == shopper
        assert rows["sent_back"].reason == (
            "Sent back with Colissimo, tracking 6A12345678901"
        )
        assert rows["received"].actor == seller
        assert rows["refunded"].actor == seller
        assert rows["refunded"].reason.startswith("Refunded on receipt: 400,00")

        refund = made.refund
        assert refund.amount == Decimal("400.00")
        assert refund.reason == RefundReason.RETURN
        assert refund.seller_order == seller_order
        assert refund.status == "succeeded"  # sent through the offline gateway
        subjects = [m.subject for m in mailoutbox if m.to == ["camille@example.com"]]
        assert any("your return on order" in s and "refunded" in s for s in subjects)

    def test_the_seller_may_mark_received_before_the_shopper_says_it_was_sent(
        self, people
    ):
        made = in_state(Status.AUTHORISED, people)
        return_mark_received(return_request=made, actor=people[1])
        made.refresh_from_db()
        assert made.status == Status.REFUNDED
        assert moves(made)[-2:] == [
            ("authorised", "received"),
            ("received", "refunded"),
        ]

    @pytest.mark.parametrize("state", [Status.REQUESTED, Status.AUTHORISED])
    def test_the_shopper_withdraws_before_sending_it_back(self, people, state):
        made = in_state(state, people)
        return_withdraw(return_request=made, actor=people[0])
        made.refresh_from_db()
        assert made.status == Status.WITHDRAWN and made.withdrawn_at
        last = made.status_changes.order_by("pk").last()
        assert (last.from_status, last.to_status) == (state, "withdrawn")
        assert last.actor == people[0]
        assert last.reason == "Withdrawn by the shopper"
        assert not Refund.objects.exists()

    @pytest.mark.parametrize(
        ("state", "move", "message"),
        [
            (Status.REQUESTED, "sent_back", "waiting for the seller's return"),
            (Status.REQUESTED, "received", "cannot be marked as received"),
            (Status.AUTHORISED, "authorise", "cannot be given return instructions"),
            (Status.SENT_BACK, "authorise", "on its way back"),
            (Status.SENT_BACK, "sent_back", "cannot be marked as sent back"),
            (Status.SENT_BACK, "withdraw", "cannot be withdrawn"),
            (Status.REFUNDED, "authorise", "already refunded"),
            (Status.REFUNDED, "sent_back", "already refunded"),
            (Status.REFUNDED, "received", "already refunded"),
            (Status.REFUNDED, "withdraw", "already refunded"),
            (Status.WITHDRAWN, "authorise", "is withdrawn"),
            (Status.WITHDRAWN, "sent_back", "is withdrawn"),
            (Status.WITHDRAWN, "received", "is withdrawn"),
            (Status.WITHDRAWN, "withdraw", "is withdrawn"),
        ],
    )
    def test_a_move_out_of_turn_is_refused_and_writes_nothing(
        self, people, state, move, message
    ):
        shopper, seller = people
        made = in_state(state, people)
        before = moves(made)
        refunds = Refund.objects.count()
        calls = {
            "authorise": lambda: return_authorise(
                return_request=made, actor=seller, instructions=INSTRUCTIONS
            ),
            "sent_back": lambda: return_mark_sent_back(
                return_request=made,
                actor=shopper,
                carrier="DHL",
                tracking_number="1234567890",
            ),
            "received": lambda: return_mark_received(return_request=made, actor=seller),
            "withdraw": lambda: return_withdraw(return_request=made, actor=shopper),
        }
        with pytest.raises(ReturnRefused, match=message):
            calls[move]()
        made.refresh_from_db()
        assert made.status == state
        assert moves(made) == before
        assert Refund.objects.count() == refunds


class TestRequest:
    @pytest.mark.parametrize("days", [0.01, 29, 29.99])
    def test_a_return_may_be_asked_within_the_30_days_after_delivery(self, days):
        seller_order = delivered()
        delivered_days_ago(seller_order, days)
        assert ask(seller_order).status == Status.REQUESTED

    @pytest.mark.parametrize("days", [30, 31])
    def test_from_day_30_the_window_is_closed(self, days):
        seller_order = delivered()
        delivered_days_ago(seller_order, days)
        with pytest.raises(ReturnRefused, match=r"30-day return window .* closed on"):
            ask(seller_order)
        assert not ReturnRequest.objects.exists()

    def test_the_window_is_the_markets(self, monkeypatch):
        monkeypatch.setitem(
            MARKETS, "FR", dataclasses.replace(MARKETS["FR"], return_window_days=14)
        )
        early, late = delivered(), delivered()
        delivered_days_ago(early, 13)
        delivered_days_ago(late, 15)
        assert ask(early).status == Status.REQUESTED
        with pytest.raises(ReturnRefused, match="14-day return window"):
            ask(late)

    def test_an_item_not_delivered_yet_cannot_be_returned(self):
        seller_order = seller_order_shipped(seller_order_paid())
        with pytest.raises(ReturnRefused, match="once it has been delivered"):
            ask(seller_order)

    def test_a_reason_is_required(self):
        with pytest.raises(ReturnRefused, match="choose why") as refused:
            ask(delivered(), reason="")
        assert refused.value.field == "reason"

    @pytest.mark.parametrize(
        "reason",
        [
            ReturnReason.DEFECTIVE,
            ReturnReason.DAMAGED_IN_TRANSIT,
            ReturnReason.NOT_AS_DESCRIBED,
        ],
    )
    def test_a_seller_fault_needs_details_and_counts_against_the_seller(self, reason):
        seller_order = delivered()
        with pytest.raises(ReturnRefused, match="what is wrong") as refused:
            ask(seller_order, reason=reason, details="   ")
        assert refused.value.field == "details"
        made = ask(seller_order, reason=reason, details="The screen flickers.")
        assert made.seller_at_fault is True
        assert made.details == "The screen flickers."

    def test_changing_ones_mind_needs_no_details_and_is_not_the_sellers_fault(self):
        made = ask(delivered(), reason=ReturnReason.CHANGED_MIND, details="")
        assert made.seller_at_fault is False

    def test_one_live_return_per_line_a_withdrawn_one_frees_it(self, people):
        seller_order = delivered()
        first = ask(seller_order)
        with pytest.raises(ReturnRefused, match="already open"):
            ask(seller_order)
        return_withdraw(return_request=first, actor=None)
        second = ask(seller_order)
        assert second.pk != first.pk
        assert ReturnRequest.objects.exclude(status=Status.WITHDRAWN).count() == 1

    def test_a_refunded_line_cannot_be_returned_again(self, people):
        made = in_state(Status.REFUNDED, people)
        with pytest.raises(ReturnRefused, match="already returned and refunded"):
            ask(made.seller_order, line=made.line)


class TestSendBack:
    @pytest.mark.parametrize(
        ("carrier", "number", "field", "message"),
        [
            ("", "6A12345678901", "carrier", "which carrier"),
            ("other", "6A12345678901", "carrier", "which carrier"),
            ("Colissimo", "12345", "tracking_number", "Colissimo numbers are"),
            ("ups", "6A12345678901", "tracking_number", "UPS numbers are 1Z"),
            ("Mondial Relay", "", "tracking_number", "give the Mondial Relay"),
            ("Mondial Relay", "A-1", "tracking_number", "6 to 40 letters"),
        ],
    )
    def test_carrier_and_tracking_are_checked(
        self, people, carrier, number, field, message
    ):
        made = in_state(Status.AUTHORISED, people)
        with pytest.raises(ReturnRefused, match=message) as refused:
            return_mark_sent_back(
                return_request=made, actor=None, carrier=carrier,
                tracking_number=number,
            )  # fmt: skip
        assert refused.value.field == field
        made.refresh_from_db()
        assert made.status == Status.AUTHORISED

    def test_any_carrier_may_be_named_and_a_known_one_gets_a_tracking_link(
        self, people
    ):
        made = in_state(Status.AUTHORISED, people)
        return_mark_sent_back(
            return_request=made, actor=None, carrier=" Mondial  Relay ",
            tracking_number="mr 123456",
        )  # fmt: skip
        made.refresh_from_db()
        assert (made.return_carrier, made.return_tracking) == (
            "Mondial Relay", "MR123456",
        )  # fmt: skip
        assert return_tracking_url(made) == ""
        known = in_state(Status.SENT_BACK, people)
        assert return_tracking_url(known) == (
            "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901"
        )

    def test_instructions_are_required(self, people):
        made = in_state(Status.REQUESTED, people)
        with pytest.raises(ReturnRefused, match="where and how") as refused:
            return_authorise(return_request=made, actor=None, instructions="  ")
        assert refused.value.field == "instructions"


def two_line_seller_order(shipping: str = "9.90") -> SellerOrder:
    """A delivered seller order of two listings (one parcel, one shipping)."""
    refurbisher = RefurbisherFactory(country="FR", ships_to=["FR"])
    order = order_paid_offline(
        (fr_listing(refurbisher, price="400.00", shipping=shipping), 1),
        (fr_listing(refurbisher, price="150.00", shipping="0"), 1),
    )
    return seller_order_delivered(order.seller_orders.get())


def receive(made: ReturnRequest) -> Refund | None:
    return_authorise(return_request=made, actor=None, instructions=INSTRUCTIONS)
    return return_mark_received(return_request=made, actor=None).refund


class TestRefundAmounts:
    def test_the_only_line_comes_back_with_the_delivery_cost(self):
        seller_order = delivered(shipping="9.90")
        made = ask(seller_order)
        assert return_refund_amount(made) == Decimal("409.90")
        refund = receive(made)
        assert refund.amount == Decimal("409.90")
        assert "with the delivery cost" in refund.note

    def test_the_delivery_cost_comes_back_with_the_last_line_returned(self):
        seller_order = two_line_seller_order()
        assert seller_order.shipping_amount == Decimal("9.90")
        first_line, second_line = seller_order.lines.order_by("pk")
        first = receive(ask(seller_order, line=first_line))
        assert first.amount == Decimal("400.00")
        second = receive(ask(seller_order, line=second_line))
        assert second.amount == Decimal("159.90")
        assert sum(r.amount for r in Refund.objects.all()) == (
            seller_order.total_amount
        )

    def test_returning_one_line_of_two_refunds_that_line_only(self):
        seller_order = two_line_seller_order()
        second_line = seller_order.lines.order_by("pk").last()
        # An open return of the other line does not count as returned.
        ask(seller_order, line=seller_order.lines.order_by("pk").first())
        assert receive(ask(seller_order, line=second_line)).amount == Decimal("150.00")

    def test_never_more_than_is_left_to_refund(self):
        seller_order = delivered(shipping="0")
        refund_issue(
            order=seller_order.order, seller_order=seller_order,
            amount=Decimal("100.00"), reason=RefundReason.GOODWILL,
        )  # fmt: skip
        assert receive(ask(seller_order)).amount == Decimal("300.00")

    def test_with_nothing_left_the_return_closes_without_a_second_refund(self):
        seller_order = delivered(shipping="0")
        refund_issue(
            order=seller_order.order, seller_order=seller_order,
            amount=seller_order.total_amount, reason=RefundReason.GOODWILL,
        )  # fmt: skip
        made = ask(seller_order)
        assert receive(made) is None
        made.refresh_from_db()
        assert made.status == Status.REFUNDED
        assert "nothing was left to refund" in moves_reasons(made)[-1]
        assert Refund.objects.count() == 1


def moves_reasons(made: ReturnRequest) -> list[str]:
    return list(made.status_changes.order_by("pk").values_list("reason", flat=True))


class TestRefundOnce:
    def test_received_posted_twice_refunds_once(self, people):
        made = in_state(Status.SENT_BACK, people)
        return_mark_received(return_request=made, actor=people[1])
        with pytest.raises(ReturnRefused, match="already refunded"):
            return_mark_received(return_request=made, actor=people[1])
        assert Refund.objects.count() == 1
        assert [to for _, to in moves(made)].count("refunded") == 1


@pytest.mark.django_db(transaction=True)
def test_received_posted_at_once_by_two_members_refunds_once():
    """Two connections mark the same return received at the same moment: the
    order lock makes one wait, and it then finds the return refunded."""
    shopper, seller = user_make(), user_make()
    made = in_state(Status.SENT_BACK, (shopper, seller))
    barrier = threading.Barrier(2)
    outcomes: list[object] = []
    lock = threading.Lock()

    def member() -> None:
        try:
            barrier.wait(timeout=30)
            result: object = return_mark_received(
                return_request=ReturnRequest(pk=made.pk), actor=seller
            )
        except Exception as error:  # recorded, asserted below
            result = error
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=member) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == 2
    won = [o for o in outcomes if isinstance(o, ReturnRequest)]
    refused = [o for o in outcomes if isinstance(o, ReturnRefused)]
    assert len(won) == 1 and len(refused) == 1, outcomes
    assert "already refunded" in refused[0].message
    assert Refund.objects.filter(reason=RefundReason.RETURN).count() == 1
    assert ReturnStatusChange.objects.filter(to_status="refunded").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_requests_for_one_line_at_once_make_one_return():
    seller_order = delivered()
    line = seller_order.lines.get()
    barrier = threading.Barrier(2)
    outcomes: list[object] = []
    lock = threading.Lock()

    def shopper() -> None:
        try:
            barrier.wait(timeout=30)
            result: object = return_request(
                line=line, reason=ReturnReason.CHANGED_MIND, details="", actor=None
            )
        except Exception as error:  # recorded, asserted below
            result = error
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=shopper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    refused = [o for o in outcomes if isinstance(o, ReturnRefused)]
    assert len(refused) == 1, outcomes
    assert "already open" in refused[0].message
    assert ReturnRequest.objects.count() == 1


class TestOverdue:
    def sent_back_days_ago(self, people, days: float) -> ReturnRequest:
        made = in_state(Status.SENT_BACK, people)
        ReturnRequest.objects.filter(pk=made.pk).update(
            sent_back_at=timezone.now() - dt.timedelta(days=days)
        )
        return made

    def test_a_return_on_its_way_back_for_over_14_days_is_refunded_once(
        self, people, mailoutbox, django_capture_on_commit_callbacks
    ):
        seller_order_owner = people[1]
        overdue = self.sent_back_days_ago(people, 14.1)
        overdue.seller_order.refurbisher.memberships.create(
            user=seller_order_owner, role="owner"
        )
        recent = self.sent_back_days_ago(people, 13.9)
        waiting = in_state(Status.AUTHORISED, people)
        mailoutbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            assert returns_refund_overdue() == 1
        assert returns_refund_overdue() == 0

        overdue.refresh_from_db()
        assert overdue.status == Status.REFUNDED
        assert overdue.received_at is None
        assert overdue.refund.amount == Decimal("400.00")
        last = overdue.status_changes.order_by("pk").last()
        assert (last.from_status, last.to_status, last.actor) == (
            "sent_back", "refunded", None,
        )  # fmt: skip
        assert "automatically" in last.reason and "14 days" in last.reason
        assert Refund.objects.count() == 1
        for untouched, status in ((recent, Status.SENT_BACK), (waiting, "authorised")):
            untouched.refresh_from_db()
            assert untouched.status == status
        recipients = sorted(m.to[0] for m in mailoutbox)
        assert "camille@example.com" in recipients
        assert "owner@lyon.fr" in recipients
        seller_mail = next(m for m in mailoutbox if m.to == ["owner@lyon.fr"])
        assert "refunded automatically" in seller_mail.subject

    def test_a_return_received_meanwhile_is_left_alone(self, people):
        overdue = self.sent_back_days_ago(people, 20)
        return_mark_received(return_request=overdue, actor=people[1])
        assert returns_refund_overdue() == 0
        assert Refund.objects.count() == 1
