"""Changing the payout account: asked again, emailed to every owner, held 48 hours.

Through the seller's page and QA's admin with real requests; codes come from
the owner's authenticator device as an app would compute them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin import helpers
from django.core import mail
from django.utils import timezone

from orders.models import Payout, PayoutAccountChange, PayoutStatus
from orders.services.payouts import payouts_run
from refurbishers.models import MemberRole, Membership
from tests.support.order_builders import (
    payout_account_connect,
    seller_order_delivered,
    seller_order_paid,
)
from tests.support.refurbisher_builders import (
    PASSWORD,
    user_make,
)
from tests.support.second_factor import second_factor_give, staff_sign_in, totp_code

pytestmark = pytest.mark.django_db
LIST = "/seller/payouts/"
ACCOUNT = "/seller/payouts/account/"
ADMIN = "/admin/orders/payoutaccountchange/"
NEW = "acct_1Nv0FGQ9RKHgCVdK"


def later() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=31)


@pytest.fixture
def owner_client(client, shop):
    owner, _ = shop
    device, _ = second_factor_give(owner)
    client.force_login(owner)
    client.device = device
    return client


def _change(client, account=NEW, *, password=PASSWORD, code=None):
    return client.post(
        ACCOUNT,
        {
            "stripe_account_id": account,
            "password": password,
            "code": code if code is not None else totp_code(client.device),
        },
    )


def _run(capture):
    with capture(execute=True):
        payouts_run(at=later())


def test_an_owner_without_two_factor_is_asked_to_set_it_up_first(client, shop):
    owner, refurbisher = shop
    client.force_login(owner)

    page = client.get(LIST).content.decode()
    assert "Changing the payout account needs two-factor authentication" in page
    assert 'name="stripe_account_id"' not in page

    response = client.post(
        ACCOUNT, {"stripe_account_id": NEW, "password": PASSWORD, "code": "123456"}
    )

    assert response.status_code == 400
    assert "Turn on two-factor authentication first." in response.content.decode()
    refurbisher.refresh_from_db()
    assert refurbisher.stripe_account_id == ""


def test_a_wrong_password_or_code_changes_nothing(owner_client, shop):
    _, refurbisher = shop

    wrong_password = _change(owner_client, password="not-mine")
    wrong_code = _change(owner_client, code="000000")

    assert wrong_password.status_code == wrong_code.status_code == 400
    assert "That is not your password." in wrong_password.content.decode()
    assert f'value="{NEW}"' in wrong_password.content.decode()
    assert "That code is not right." in wrong_code.content.decode()
    refurbisher.refresh_from_db()
    assert refurbisher.stripe_account_id == ""
    assert not PayoutAccountChange.objects.exists()


def test_wrong_passwords_here_lock_like_wrong_passwords_at_sign_in(owner_client, shop):
    for _ in range(4):
        assert _change(owner_client, password="not-mine").status_code == 400

    locked = _change(owner_client, password="not-mine")

    assert locked.status_code == 429
    assert _change(owner_client).status_code == 429
    assert not PayoutAccountChange.objects.exists()


def test_every_owner_is_emailed_and_payouts_to_the_new_account_wait_48_hours(
    owner_client, shop, django_capture_on_commit_callbacks
):
    owner, refurbisher = shop
    other_owner = user_make(email="second-owner@lyon.example")
    Membership.objects.create(
        user=other_owner, refurbisher=refurbisher, role=MemberRole.OWNER
    )
    staff = user_make(email="staff@lyon.example")
    Membership.objects.create(
        user=staff, refurbisher=refurbisher, role=MemberRole.STAFF
    )
    seller_order_delivered(seller_order_paid(refurbisher=refurbisher))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = _change(owner_client)

    assert response.status_code == 302
    change = PayoutAccountChange.objects.get()
    assert (change.from_account, change.to_account) == ("", NEW)
    assert change.changed_by == owner
    hours = (change.held_until - change.changed_at).total_seconds() / 3600
    assert hours == 48
    (email,) = mail.outbox
    assert sorted(email.to) == sorted([owner.email, other_owner.email])
    assert NEW in email.body and "wait until" in email.body
    assert email.alternatives[0][1] == "text/html"

    _run(django_capture_on_commit_callbacks)

    payout = Payout.objects.get()
    assert payout.status == PayoutStatus.PENDING
    assert payout.failure_message.startswith("Held until")
    until = f"{timezone.localtime(change.held_until):%-d %b %Y, %H:%M}"
    for person in (owner, staff):
        owner_client.force_login(person)
        page = owner_client.get(LIST).content.decode()
        assert f"Payouts are on hold until {until} UTC." in page


def test_once_the_hold_has_passed_the_next_run_pays(
    owner_client, shop, django_capture_on_commit_callbacks
):
    _, refurbisher = shop
    seller_order_delivered(seller_order_paid(refurbisher=refurbisher))
    _change(owner_client)
    _run(django_capture_on_commit_callbacks)
    assert Payout.objects.get().status == PayoutStatus.PENDING
    # 48 hours later.
    PayoutAccountChange.objects.update(
        changed_at=timezone.now() - dt.timedelta(hours=49),
        held_until=timezone.now() - dt.timedelta(hours=1),
    )

    _run(django_capture_on_commit_callbacks)

    payout = Payout.objects.get()
    assert payout.status == PayoutStatus.PAID
    assert payout.failure_message == ""
    assert "on hold" not in owner_client.get(LIST).content.decode()


def test_removing_the_account_also_asks_again_and_holds_nothing(
    owner_client, shop, django_capture_on_commit_callbacks
):
    owner, refurbisher = shop
    payout_account_connect(owner, refurbisher, NEW)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        refused = _change(owner_client, account="", password="")
        response = _change(owner_client, account="")

    assert refused.status_code == 400
    assert response.status_code == 302
    refurbisher.refresh_from_db()
    assert refurbisher.stripe_account_id == ""
    assert PayoutAccountChange.objects.order_by("-pk").first().held_until is None
    assert len(mail.outbox) == 1


def test_saving_the_same_account_again_changes_nothing_and_asks_nothing(
    owner_client, shop
):
    owner, refurbisher = shop
    payout_account_connect(owner, refurbisher, NEW)

    response = _change(owner_client, password="", code="")

    assert response.status_code == 302
    assert PayoutAccountChange.objects.count() == 1


class TestQaReleasesTheHold:
    @pytest.fixture
    def held(self, owner_client, shop, django_capture_on_commit_callbacks):
        owner, refurbisher = shop
        seller_order_delivered(seller_order_paid(refurbisher=refurbisher))
        payout_account_connect(owner, refurbisher, NEW, release=False)
        _run(django_capture_on_commit_callbacks)
        assert Payout.objects.get().status == PayoutStatus.PENDING
        return PayoutAccountChange.objects.get()

    def _qa(self, client):
        qa = user_make(email="qa@remarket.example", is_staff=True, is_superuser=True)
        staff_sign_in(client, qa)
        return qa

    def test_qa_sees_the_held_change_in_its_queue_and_list(self, client, held):
        self._qa(client)

        index = client.get("/admin/").content.decode()
        assert "Payouts held after a payout account change" in index
        listed = client.get(ADMIN, {"hold": "held"}).content.decode()
        assert NEW in listed

    def test_a_release_needs_a_reason_and_is_recorded_then_the_payout_goes(
        self, client, held, django_capture_on_commit_callbacks
    ):
        qa = self._qa(client)
        chosen = {"action": "release", helpers.ACTION_CHECKBOX_NAME: [held.pk]}
        asked = client.post(ADMIN, chosen)
        assert "Why the hold can end" in asked.content.decode()
        blank = client.post(ADMIN, {**chosen, "apply": "Release", "reason": ""})
        assert blank.status_code == 200
        held.refresh_from_db()
        assert held.released_at is None

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                ADMIN,
                {**chosen, "apply": "Release", "reason": "Owner confirmed by phone."},
                follow=True,
            )

        assert "hold released" in response.content.decode()
        held.refresh_from_db()
        assert held.released_by == qa
        assert held.release_reason == "Owner confirmed by phone."
        assert held.released_at is not None
        assert Payout.objects.get().status == PayoutStatus.PAID

    def test_staff_without_the_permission_cannot_release(self, client, held):
        reader = user_make(is_staff=True)
        from django.contrib.auth.models import Permission

        reader.user_permissions.add(
            Permission.objects.get(codename="view_payoutaccountchange")
        )
        staff_sign_in(client, reader)
        page = client.get(ADMIN).content.decode()
        assert 'value="release"' not in page
        client.post(
            ADMIN,
            {
                "action": "release",
                helpers.ACTION_CHECKBOX_NAME: [held.pk],
                "apply": "Release",
                "reason": "x",
            },
        )
        held.refresh_from_db()
        assert held.released_at is None
