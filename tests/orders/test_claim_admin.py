"""QA decides escalated warranty claims in the admin, as a browser would.

The QA user is staff with only the claim permissions it needs, given here
explicitly (view and change claims, view photos and status changes): the QA
group's permissions for orders models come with a later migration.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from orders.models import (
    ClaimStatus,
    Refund,
    RefundReason,
    RefundStatus,
    ShippedUnit,
    WarrantyClaim,
)
from orders.services.claims import claim_answer, claim_escalate
from tests.support.claim_builders import (
    delivered,
    file,
    photo,
    qa_make,
    seller_make,
    warranty_of,
)
from tests.support.refurbisher_builders import user_make
from tests.support.second_factor import staff_sign_in

pytestmark = pytest.mark.django_db
Status = ClaimStatus
CHANGELIST = "/admin/orders/warrantyclaim/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def qa(client):
    user = qa_make()
    staff_sign_in(client, user)
    return user


@pytest.fixture
def escalated():
    """A claim the seller declined and the shopper sent to ReMarket."""
    owner, refurbisher = seller_make()
    claim = file(warranty_of(delivered(refurbisher)), photos=[photo()])
    claim_answer(
        claim=claim, actor=owner, remedy="decline", message="Accidental damage."
    )
    return claim_escalate(claim=claim, actor=None, reason="There is no damage.")


def action_page(client, claims):
    return client.post(
        CHANGELIST,
        {
            "action": "decide",
            "index": 0,
            "select_across": 0,
            "_selected_action": [c.pk for c in claims],
        },
    )


def action_apply(client, claims, **data):
    return client.post(
        CHANGELIST,
        {
            "action": "decide",
            "_selected_action": [c.pk for c in claims],
            "apply": "Decide",
            **data,
        },
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [message.message for message in response.context["messages"]]


def test_the_list_puts_escalated_claims_first_with_filters_and_search(
    client, qa, escalated
):
    _, refurbisher = seller_make()
    open_claim = file(warranty_of(delivered(refurbisher)))
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    listed = [claim.pk for claim in response.context["cl"].result_list]
    assert listed == [escalated.pk, open_claim.pk]
    page = response.content.decode()
    assert "Decide" in page
    for filter_title in ("status", "problem", "refurbisher", "seller&#x27;s answer"):
        assert f"By {filter_title}" in page

    escalated_only = client.get(f"{CHANGELIST}?status=escalated").context["cl"]
    assert [c.pk for c in escalated_only.result_list] == [escalated.pk]
    WarrantyClaim.objects.filter(pk=open_claim.pk).update(
        answer_due_at=timezone.now() - dt.timedelta(hours=1)
    )
    overdue = client.get(f"{CHANGELIST}?overdue=yes").context["cl"]
    assert [c.pk for c in overdue.result_list] == [open_claim.pk]

    reference = escalated.seller_order.order.reference
    found = client.get(f"{CHANGELIST}?q={reference}").context["cl"]
    assert [c.pk for c in found.result_list] == [escalated.pk]
    # The builders ship every first unit with the same IMEI: give this one its own.
    ShippedUnit.objects.filter(pk=open_claim.warranty.unit_id).update(
        serial="C02XK1ABJG5H"
    )
    found = client.get(f"{CHANGELIST}?q=C02XK1ABJG5H").context["cl"]
    assert [c.pk for c in found.result_list] == [open_claim.pk]
    found = client.get(f"{CHANGELIST}?q=camille@example.com").context["cl"]
    assert {c.pk for c in found.result_list} == {escalated.pk, open_claim.pk}


def test_the_claim_page_shows_photos_and_history_read_only_with_a_decide_button(
    client, qa, escalated
):
    response = client.get(f"{CHANGELIST}{escalated.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    photo_url = f"/claims/photos/{escalated.photos.get().pk}/"
    assert f'src="{photo_url}"' in page
    assert client.get(photo_url).status_code == 200
    assert "Accidental damage." in page and "There is no damage." in page
    assert "Status history" in page
    assert escalated.warranty.unit.serial in page
    assert 'value="decide"' in page
    assert 'name="_save"' not in page  # nothing is edited here
    assert response.context["adminform"].form.fields == {}


def test_deciding_a_refund_through_the_intermediate_page(
    client, qa, escalated, mailoutbox, django_capture_on_commit_callbacks
):
    page = action_page(client, [escalated]).content.decode()
    assert "Decide the warranty claim" in page
    assert "There is no damage." in page and "Accidental damage." in page
    assert 'name="remedy"' in page and 'name="refund_amount"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = action_apply(
            client, [escalated], remedy="refund", refund_amount="250.00",
            note="The photos show no damage: a battery fault.",
        )  # fmt: skip
    assert response.status_code == 200
    assert messages_of(response) == [
        f"Claim {escalated.pk}: decided; the shopper and the seller were told."
    ]
    escalated.refresh_from_db()
    assert escalated.status == Status.RESOLVED
    assert escalated.qa_remedy == "refund" and escalated.decided_by == qa
    refund = Refund.objects.get(reason=RefundReason.WARRANTY_CLAIM)
    assert refund.amount == Decimal("250.00") and escalated.refund == refund
    assert refund.status == RefundStatus.SUCCEEDED
    change = escalated.status_changes.last()
    assert change.actor == qa and change.to_status == "resolved"
    assert "a battery fault" in change.reason
    decided = [m for m in mailoutbox if m.subject.startswith("ReMarket decided")]
    assert len(decided) == 2
    assert all("a refund of 250,00" in m.body for m in decided)

    # The shopper's page shows the decision beside the seller's answer.
    order = escalated.seller_order.order
    url = f"/orders/{order.reference}/claims/{escalated.pk}/?token={order.access_token}"
    page = Client().get(url).content.decode()
    assert "ReMarket decided on" in page and "a refund of 250,00" in page
    assert "Declines the claim" in page and "Accidental damage." in page


def test_the_decision_from_the_claims_page_comes_back_to_it(client, qa, escalated):
    response = client.post(
        CHANGELIST,
        {
            "action": "decide",
            "_selected_action": [escalated.pk],
            "_back_to_object": "1",
            "apply": "Decide",
            "remedy": "repair",
            "note": "Repair it, please.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{CHANGELIST}{escalated.pk}/change/"
    escalated.refresh_from_db()
    assert escalated.status == Status.RESOLVED and escalated.refund is None


@pytest.mark.parametrize(
    ("data", "error_field"),
    [
        ({"remedy": "refund", "note": "Covered."}, "refund_amount"),
        ({"remedy": "repair", "note": ""}, "note"),
        ({"note": "Covered."}, "remedy"),
    ],
)
def test_a_bad_decision_is_a_form_error_and_changes_nothing(
    client, qa, escalated, data, error_field
):
    response = action_apply(client, [escalated], **data)
    assert response.status_code == 200
    assert error_field in response.context["form"].errors
    escalated.refresh_from_db()
    assert escalated.status == Status.ESCALATED


def test_a_claim_not_escalated_is_refused_with_the_reason(client, qa, escalated):
    _, refurbisher = seller_make()
    open_claim = file(warranty_of(delivered(refurbisher)))
    response = action_apply(
        client, [escalated, open_claim], remedy="repair", note="Repair it."
    )
    assert messages_of(response) == [
        f"Claim {escalated.pk}: decided; the shopper and the seller were told.",
        f"Claim {open_claim.pk}: This claim is waiting for the seller's answer: "
        "it cannot be decided now.",
    ]
    open_claim.refresh_from_db()
    assert open_claim.status == Status.OPEN


def test_a_refund_over_the_price_is_refused_by_the_service(client, qa, escalated):
    response = action_apply(
        client, [escalated], remedy="refund", refund_amount="999.00", note="All."
    )
    (message,) = messages_of(response)
    assert "at most the device's price" in message
    assert not Refund.objects.filter(reason=RefundReason.WARRANTY_CLAIM).exists()


def test_staff_without_the_claim_permissions_cannot_see_or_decide(client, escalated):
    staff_sign_in(client, user_make(is_staff=True))
    assert client.get(CHANGELIST).status_code == 403
    action_apply(client, [escalated], remedy="repair", note="x")
    escalated.refresh_from_db()
    assert escalated.status == Status.ESCALATED


def test_viewing_without_change_permission_offers_no_decide(client, escalated):
    from django.contrib.auth.models import Permission

    viewer = user_make(is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="orders", codename="view_warrantyclaim"
        )
    )
    staff_sign_in(client, viewer)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert 'value="decide"' not in response.content.decode()
    response = action_apply(client, [escalated], remedy="repair", note="x")
    escalated.refresh_from_db()
    assert escalated.status == Status.ESCALATED
