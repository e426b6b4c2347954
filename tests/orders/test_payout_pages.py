"""Payout pages: the seller's list and detail, the payout account, and QA's admin."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import (
    Payout,
    PayoutStatus,
    RefundReason,
    ReturnReason,
    ReturnRequest,
)
from orders.services.payouts import payouts_run
from orders.services.refunds import refund_issue
from refurbishers.models import MemberRole, Membership, RefurbisherStatusChange
from tests.support.order_builders import seller_order_delivered, seller_order_paid
from tests.support.refurbisher_builders import (
    PASSWORD,
    trial_refurbisher_make,
    user_make,
)
from tests.support.second_factor import second_factor_give, staff_sign_in, totp_code

pytestmark = pytest.mark.django_db
D = Decimal
LIST = "/seller/payouts/"
ACCOUNT = "/seller/payouts/account/"


def later() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=31)


@pytest.fixture
def staff(shop):
    _, refurbisher = shop
    person = user_make(email="staff@lyon.example")
    Membership.objects.create(
        user=person, refurbisher=refurbisher, role=MemberRole.STAFF
    )
    return person


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run_at(at=None) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            payouts_run(at=at or later())

    return run_at


def delivered(refurbisher, price="400.00", shipping="9.90"):
    return seller_order_delivered(
        seller_order_paid(refurbisher=refurbisher, price=price, shipping=shipping)
    )


# --- The list ---------------------------------------------------------------------


class TestPayoutsPage:
    def test_the_list_shows_each_payout_with_its_amount_status_and_transfer(
        self, client, shop, run
    ):
        owner, refurbisher = shop
        delivered(refurbisher)
        run()
        payout = Payout.objects.get()
        client.force_login(owner)

        page = client.get(LIST).content.decode()

        assert f'href="/seller/payouts/{payout.pk}/"' in page
        assert "369,90" in page
        assert "Paid (test)" in page
        assert payout.transfer_id in page
        assert "1 sale" in page
        assert "no real money moves" in page  # the offline gateway says so
        assert 'aria-current="page">Payouts</a>' in page

    def test_what_is_coming_shows_dates_net_amounts_and_holds(self, client, shop):
        owner, refurbisher = shop
        soon = delivered(refurbisher)
        held = delivered(refurbisher, price="200.00", shipping="0")
        ReturnRequest.objects.create(
            seller_order=held, line=held.lines.get(),
            reason=ReturnReason.CHANGED_MIND,
        )  # fmt: skip
        client.force_login(owner)

        page = client.get(LIST).content.decode()

        assert soon.order.reference in page and held.order.reference in page
        assert soon.payable_at.strftime("%-d %b %Y") in page
        assert "369,90" in page  # what the seller will receive for it
        assert "On hold: return open" in page
        assert "180,00" in page  # held: 200.00 less 20.00 commission
        assert "No payouts yet" in page

    def test_a_refund_after_a_payout_shows_as_to_be_deducted(
        self, client, shop, run, django_capture_on_commit_callbacks
    ):
        owner, refurbisher = shop
        seller_order = delivered(refurbisher)
        run()
        with django_capture_on_commit_callbacks(execute=True):
            refund_issue(
                order=seller_order.order, seller_order=seller_order,
                amount=D("50.00"), reason=RefundReason.WARRANTY_CLAIM,
            )  # fmt: skip
        client.force_login(owner)

        page = client.get(LIST).content.decode()

        assert "Refunds after a payout" in page
        assert "-45,12" in page  # 50.00 less the 4.88 of commission it carried
        assert "Warranty claim" in page

    def test_the_chart_draws_a_bar_per_month_in_inline_svg(self, client, shop, run):
        owner, refurbisher = shop
        delivered(refurbisher)
        run(at=timezone.now() + dt.timedelta(days=31))
        client.force_login(owner)

        page = client.get(LIST).content.decode()

        assert "<svg" in page and "Paid per month" in page
        assert page.count('class="payout-bar"') == 12
        assert "http" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]

    def test_the_page_costs_the_same_queries_for_one_or_many_payouts(
        self, client, shop, run
    ):
        owner, refurbisher = shop
        delivered(refurbisher)
        run()
        delivered(refurbisher)
        client.force_login(owner)
        with CaptureQueriesContext(connection) as few:
            assert client.get(LIST).status_code == 200

        at = later()
        for day in range(3):
            delivered(refurbisher, price="100.00")
            run(at=at + dt.timedelta(days=day))
        coming = delivered(refurbisher, price="120.00")
        ReturnRequest.objects.create(
            seller_order=coming, line=coming.lines.get(),
            reason=ReturnReason.CHANGED_MIND,
        )  # fmt: skip
        delivered(refurbisher, price="130.00")
        assert Payout.objects.count() >= 3

        with CaptureQueriesContext(connection) as many:
            assert client.get(LIST).status_code == 200
        assert len(many) == len(few), [q["sql"] for q in many.captured_queries]

    def test_signed_out_people_go_to_sign_in(self, client):
        response = client.get(LIST)
        assert response["Location"].startswith("/accounts/sign-in/")


# --- One payout ---------------------------------------------------------------------


class TestPayoutDetail:
    def test_each_line_shows_its_order_kind_amount_and_description(
        self, client, shop, run, django_capture_on_commit_callbacks
    ):
        owner, refurbisher = shop
        seller_order = delivered(refurbisher)
        with django_capture_on_commit_callbacks(execute=True):
            refund_issue(
                order=seller_order.order, seller_order=seller_order,
                amount=D("100.00"), reason=RefundReason.RETURN,
            )  # fmt: skip
        run()
        payout = Payout.objects.get()
        client.force_login(owner)

        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/seller/payouts/{payout.pk}/").content.decode()

        assert f'href="/seller/orders/{seller_order.order.reference}/"' in page
        assert "Sale" in page and "Refund deducted" in page
        assert "369,90" in page and "-90,24" in page and "279,66" in page
        for line in payout.lines.all():
            assert line.description in page
        assert payout.transfer_id in page
        # session, user, membership, payout, its lines: whatever the lines
        assert len(queries) <= 6

    def test_another_sellers_payout_is_a_404(self, client, shop, run):
        _, refurbisher = shop
        delivered(refurbisher)
        run()
        payout = Payout.objects.get()
        stranger, _ = trial_refurbisher_make()
        client.force_login(stranger)

        assert client.get(f"/seller/payouts/{payout.pk}/").status_code == 404
        assert client.get("/seller/payouts/999999/").status_code == 404
        assert (
            str(payout.amount).replace(".", ",")
            not in client.get(LIST).content.decode()
        )


# --- The payout account ------------------------------------------------------------


class TestPayoutAccount:
    def test_an_owner_sets_the_stripe_account_and_it_is_audited(
        self, client, shop, django_capture_on_commit_callbacks
    ):
        owner, refurbisher = shop
        device, _ = second_factor_give(owner)
        client.force_login(owner)

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                ACCOUNT,
                {
                    "stripe_account_id": " acct_1Nv0FGQ9RKHgCVdK ",
                    "password": PASSWORD,
                    "code": totp_code(device),
                },
            )

        assert response.status_code == 302
        refurbisher.refresh_from_db()
        assert refurbisher.stripe_account_id == "acct_1Nv0FGQ9RKHgCVdK"
        change = RefurbisherStatusChange.objects.filter(refurbisher=refurbisher).first()
        assert change.actor == owner
        assert "acct_1Nv0FGQ9RKHgCVdK" in change.reason
        page = client.get(LIST).content.decode()
        assert 'value="acct_1Nv0FGQ9RKHgCVdK"' in page
        assert "Payouts go to this Stripe account from" in page
        assert "Payouts are on hold until" in page

    def test_a_bad_account_id_is_refused_with_a_message_and_kept(self, client, shop):
        owner, refurbisher = shop
        device, _ = second_factor_give(owner)
        client.force_login(owner)

        response = client.post(
            ACCOUNT,
            {
                "stripe_account_id": "acct 12; drop",
                "password": PASSWORD,
                "code": totp_code(device),
            },
        )

        assert response.status_code == 400
        page = response.content.decode()
        assert "That is not a Stripe account id" in page
        assert 'value="acct 12; drop"' in page
        assert 'aria-invalid="true"' in page
        refurbisher.refresh_from_db()
        assert refurbisher.stripe_account_id == ""

    def test_staff_see_the_account_but_cannot_change_it(self, client, shop, staff):
        _, refurbisher = shop
        refurbisher.stripe_account_id = "acct_1Nv0FGQ9RKHgCVdK"
        refurbisher.save(update_fields=["stripe_account_id"])
        client.force_login(staff)

        page = client.get(LIST).content.decode()
        assert "acct_1Nv0FGQ9RKHgCVdK" in page
        assert 'name="stripe_account_id"' not in page
        assert "Only an owner" in page

        response = client.post(ACCOUNT, {"stripe_account_id": "acct_1Hijacked0000"})
        assert response.status_code == 403
        refurbisher.refresh_from_db()
        assert refurbisher.stripe_account_id == "acct_1Nv0FGQ9RKHgCVdK"

    def test_with_stripe_and_no_account_the_page_asks_to_connect_one(
        self, client, shop, settings
    ):
        owner, _ = shop
        settings.STRIPE_SECRET_KEY = "sk_test_page_only"
        client.force_login(owner)

        page = client.get(LIST).content.decode()

        assert "Connect a Stripe account to receive payouts" in page
        assert "no real money moves" not in page


# --- QA's admin ---------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    staff_sign_in(client, user_make(is_staff=True, is_superuser=True))
    return client


class TestPayoutAdmin:
    def test_qa_finds_a_payout_and_reads_its_lines(self, admin_client, shop, run):
        _, refurbisher = shop
        seller_order = delivered(refurbisher)
        run()
        payout = Payout.objects.get()

        found = admin_client.get(f"/admin/orders/payout/?q={payout.transfer_id}")
        assert f"/admin/orders/payout/{payout.pk}/change/" in found.content.decode()
        by_name = admin_client.get(f"/admin/orders/payout/?q={refurbisher.name}")
        assert f"/admin/orders/payout/{payout.pk}/change/" in by_name.content.decode()
        filtered = admin_client.get(
            "/admin/orders/payout/?status__exact=pending&currency=EUR"
        )
        assert filtered.status_code == 200
        page = admin_client.get(f"/admin/orders/payout/{payout.pk}/change/")
        assert seller_order.order.reference in page.content.decode()
        assert admin_client.get("/admin/orders/payout/add/").status_code == 403

    def test_send_again_pays_a_pending_payout_once(
        self, admin_client, shop, run, settings, django_capture_on_commit_callbacks
    ):
        _, refurbisher = shop
        delivered(refurbisher)
        settings.STRIPE_SECRET_KEY = "sk_test_no_account_so_no_call"
        run()
        payout = Payout.objects.get()
        assert payout.status == PayoutStatus.PENDING
        settings.STRIPE_SECRET_KEY = ""  # offline from now: a test payout

        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                "/admin/orders/payout/",
                {"action": "send_again", "_selected_action": [payout.pk]},
                follow=True,
            )

        payout.refresh_from_db()
        assert payout.status == PayoutStatus.PAID
        assert payout.transfer_id in response.content.decode()
        again = admin_client.post(
            "/admin/orders/payout/",
            {"action": "send_again", "_selected_action": [payout.pk]},
            follow=True,
        )
        assert "left as it is" in again.content.decode()
        transfer_id = payout.transfer_id
        payout.refresh_from_db()
        assert payout.transfer_id == transfer_id
