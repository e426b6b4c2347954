"""'Device model missing?': a refurbisher asks, QA marks it added or declines
it in the admin, the owners get an email, the seller sees the answer."""

from __future__ import annotations

import pytest
from django.contrib.admin import helpers
from django.core import mail

from listings.exceptions import ListingError
from listings.models import DeviceModelRequest, DeviceModelRequestStatus
from listings.services.model_requests import (
    device_model_request_create,
    device_model_request_decline,
)
from tests.support.factories import CategoryFactory, DeviceModelFactory
from tests.support.refurbisher_builders import (
    qa_user_make,
    trial_refurbisher_make,
    user_make,
)
from tests.support.second_factor import staff_sign_in

pytestmark = pytest.mark.django_db(transaction=True)
PAGE = "/seller/listings/model-requests/"
ADMIN = "/admin/listings/devicemodelrequest/"


def test_a_refurbisher_asks_qa_adds_it_and_the_owner_is_told(client):
    owner, refurbisher = trial_refurbisher_make()
    category = CategoryFactory(name="Phones", slug="phones-mr")
    client.force_login(owner)
    response = client.post(
        PAGE,
        {
            "brand_name": " Fairphone ",
            "model_name": "Fairphone 6",
            "category": category.pk,
            "details": "256 GB, green and black.",
        },
    )
    assert response.status_code == 302
    asked = DeviceModelRequest.objects.get()
    assert (asked.brand_name, asked.refurbisher, asked.requested_by) == (
        "Fairphone", refurbisher, owner,
    )  # fmt: skip
    page = client.get(PAGE).content.decode()
    assert "Fairphone Fairphone 6" in page and "Waiting for QA" in page

    # QA, a staff member with the QA permissions only, marks it added.
    qa = qa_user_make()
    model = DeviceModelFactory(name="Fairphone 6")
    staff_sign_in(client, qa)
    listed = client.get(ADMIN, {"status__exact": "open", "q": "fairphone"})
    assert listed.status_code == 200
    assert "Fairphone 6" in listed.content.decode()
    mail.outbox.clear()
    chosen = {"action": "mark_added", helpers.ACTION_CHECKBOX_NAME: [asked.pk]}
    intermediate = client.post(ADMIN, chosen)
    assert intermediate.status_code == 200
    assert "Device model in the catalog" in intermediate.content.decode()
    assert DeviceModelRequest.objects.get().status == "open"
    done = client.post(
        ADMIN,
        {**chosen, "apply": "Mark added", "device_model": model.pk, "note": "Done."},
    )
    assert done.status_code == 302
    asked.refresh_from_db()
    assert asked.status == DeviceModelRequestStatus.ADDED
    assert (asked.device_model, asked.decided_by, asked.qa_note) == (
        model, qa, "Done.",
    )  # fmt: skip
    [email] = mail.outbox
    assert email.to == [owner.email]
    assert "is in the catalog" in email.subject
    assert "/seller/listings/new/" in email.body
    assert email.alternatives[0][1] == "text/html"

    client.force_login(owner)
    assert "Added to the catalog" in client.get(PAGE).content.decode()


def test_qa_declines_with_a_note_and_a_decision_is_made_once(client):
    owner, refurbisher = trial_refurbisher_make()
    asked = device_model_request_create(
        refurbisher=refurbisher, actor=owner, brand_name="Nokia", model_name="3310"
    )
    qa = qa_user_make()
    staff_sign_in(client, qa)
    mail.outbox.clear()
    chosen = {"action": "decline", helpers.ACTION_CHECKBOX_NAME: [asked.pk]}
    # A decline without a note is asked again, nothing decided.
    again = client.post(ADMIN, {**chosen, "apply": "Decline", "note": ""})
    assert again.status_code == 200
    assert DeviceModelRequest.objects.get().status == "open"
    client.post(ADMIN, {**chosen, "apply": "Decline", "note": "Not a smartphone."})
    asked.refresh_from_db()
    assert asked.status == DeviceModelRequestStatus.DECLINED
    [email] = mail.outbox
    assert "Not a smartphone." in email.body
    with pytest.raises(ListingError, match="already decided"):
        device_model_request_decline(request=asked, actor=qa, note="Again.")


def test_people_without_qa_permissions_do_not_see_the_queue(client):
    owner, refurbisher = trial_refurbisher_make()
    device_model_request_create(
        refurbisher=refurbisher, actor=owner, brand_name="X", model_name="Y"
    )
    staff_sign_in(client, user_make(is_staff=True))
    assert client.get(ADMIN).status_code == 403


def test_the_same_model_twice_while_open_is_refused_with_the_input_kept(client):
    owner, _refurbisher = trial_refurbisher_make()
    client.force_login(owner)
    data = {"brand_name": "Apple", "model_name": "iPhone 17", "details": "All."}
    assert client.post(PAGE, data).status_code == 302
    response = client.post(PAGE, {**data, "model_name": "IPHONE 17"})
    assert response.status_code == 400
    assert "You already asked for the Apple IPHONE 17" in response.content.decode()
    assert 'value="IPHONE 17"' in response.content.decode()
    assert DeviceModelRequest.objects.count() == 1


def test_another_refurbishers_requests_are_not_listed(client):
    owner, _refurbisher = trial_refurbisher_make()
    other_owner, other = trial_refurbisher_make()
    device_model_request_create(
        refurbisher=other, actor=other_owner, brand_name="Secret", model_name="Z"
    )
    client.force_login(owner)
    assert "Secret" not in client.get(PAGE).content.decode()
