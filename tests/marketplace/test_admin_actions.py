"""The shared intermediate page of admin actions (marketplace.admin_actions).

Called as the refurbisher admin's actions call it, with real services and the
real admin site; the pages of each action are tested in their app's tests.
"""

from __future__ import annotations

import pytest
from django import forms
from django.contrib import admin, messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from marketplace.admin_actions import BACK_TO_OBJECT, action_with_form
from refurbishers.admin_forms import ReasonForm
from refurbishers.exceptions import RefurbisherError
from refurbishers.models import ApiToken, Refurbisher, RefurbisherStatus
from refurbishers.services import refurbisher_suspend
from refurbishers.services.api_tokens import api_token_create
from tests.support.refurbisher_builders import (
    applicant_make,
    qa_user_make,
    trial_refurbisher_make,
)

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/refurbishers/refurbisher/"


@pytest.fixture
def qa():
    return qa_user_make()


@pytest.fixture
def refurbisher_admin() -> admin.ModelAdmin:
    return admin.site._registry[Refurbisher]


def post(qa, refurbishers, **data):
    """The changelist's post of an action, as the admin hands it to the action."""
    request = RequestFactory().post(
        CHANGELIST,
        {"action": "suspend", "_selected_action": [r.pk for r in refurbishers], **data},
    )
    request.user = qa
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def said(request) -> list[tuple[int, str]]:
    return [(m.level, m.message) for m in request._messages]


class SuspendForm(ReasonForm):
    days = forms.IntegerField(label="For how many days", min_value=1)


def suspend(model_admin, request, queryset, **options):
    options = {
        "form_class": ReasonForm,
        "run_each": lambda r, data: refurbisher_suspend(
            refurbisher=r, actor=request.user, reason=data["reason"]
        ),
        "done": lambda r: f"now {r.get_status_display().lower()}.",
        **options,
    }
    return action_with_form(
        model_admin, request, queryset.order_by("pk"),
        title="Suspend them", submit="Suspend",
        refusal=RefurbisherError, **options,
    )  # fmt: skip


def test_the_page_lists_what_it_applies_to_and_posts_it_back(qa, refurbisher_admin):
    _, first = trial_refurbisher_make(name="Alpha Refurb")
    _, second = trial_refurbisher_make(name="Beta Refurb")
    request = post(qa, [first, second])
    queryset = Refurbisher.objects.filter(pk__in=[first.pk, second.pk])

    response = suspend(
        refurbisher_admin, request, queryset,
        describe=lambda r: f"{r.name} ({r.get_status_display().lower()})",
    ).render()  # fmt: skip

    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Suspend them" in page
    assert "For 2 refurbishers:" in page
    assert "<li>Alpha Refurb (on trial)</li>" in page
    assert "<li>Beta Refurb (on trial)</li>" in page
    for refurbisher in (first, second):
        assert f'name="_selected_action" value="{refurbisher.pk}"' in page
    assert 'name="action" value="suspend"' in page
    assert 'name="apply" value="Suspend"' in page
    assert BACK_TO_OBJECT not in page  # not started from a refurbisher's page
    assert not said(request)
    first.refresh_from_db()
    assert first.status == RefurbisherStatus.TRIAL


def test_an_invalid_form_is_shown_again_with_its_error_and_changes_nothing(
    qa, refurbisher_admin
):
    _, refurbisher = trial_refurbisher_make()
    request = post(
        qa, [refurbisher], apply="Suspend", reason="Fake IMEIs on 3 sales.", days="0"
    )
    queryset = Refurbisher.objects.filter(pk=refurbisher.pk)

    response = suspend(
        refurbisher_admin, request, queryset,
        form_class=SuspendForm, invalid_status=400,
    )  # fmt: skip

    assert response.status_code == 400
    assert list(response.context_data["form"].errors) == ["days"]
    page = response.render().content.decode()
    assert "Please correct the error below." in page
    assert "Fake IMEIs on 3 sales." in page and 'value="0"' in page
    assert not said(request)
    refurbisher.refresh_from_db()
    assert refurbisher.status == RefurbisherStatus.TRIAL
    assert not refurbisher.status_changes.filter(
        to_status=RefurbisherStatus.SUSPENDED
    ).exists()


def test_each_object_is_run_and_a_refusal_does_not_stop_the_others(
    qa, refurbisher_admin
):
    _, draft = applicant_make()
    _, on_trial = trial_refurbisher_make()
    request = post(qa, [draft, on_trial], apply="Suspend", reason="Fake IMEIs.")
    queryset = Refurbisher.objects.filter(pk__in=[draft.pk, on_trial.pk])

    response = suspend(
        refurbisher_admin, request, queryset,
        label=lambda r: f"Refurbisher {r.pk}",
        refused_level=messages.WARNING, refused_prefix="Skipped ",
    )  # fmt: skip

    assert response is None  # back to the list, where the messages are shown
    [(refused_level, refused), (done_level, done)] = said(request)
    assert refused_level == messages.WARNING
    assert refused.startswith(f"Skipped Refurbisher {draft.pk}: ")
    assert (done_level, done) == (
        messages.SUCCESS,
        f"Refurbisher {on_trial.pk}: now suspended.",
    )
    draft.refresh_from_db()
    on_trial.refresh_from_db()
    assert draft.status == RefurbisherStatus.DRAFT
    assert on_trial.status == RefurbisherStatus.SUSPENDED


def test_started_from_an_objects_page_it_comes_back_to_it(qa, refurbisher_admin):
    _, refurbisher = trial_refurbisher_make()
    asked = post(qa, [refurbisher], **{BACK_TO_OBJECT: "1"})
    queryset = Refurbisher.objects.filter(pk=refurbisher.pk)
    page = suspend(refurbisher_admin, asked, queryset).render().content.decode()
    assert f'name="{BACK_TO_OBJECT}" value="1"' in page

    request = post(
        qa, [refurbisher], apply="Suspend", reason="Fraud.", **{BACK_TO_OBJECT: "1"}
    )
    response = suspend(refurbisher_admin, request, queryset)

    assert response.status_code == 302
    assert response["Location"] == f"{CHANGELIST}{refurbisher.pk}/change/"
    refurbisher.refresh_from_db()
    assert refurbisher.status == RefurbisherStatus.SUSPENDED


def test_with_several_objects_it_goes_back_to_the_list(qa, refurbisher_admin):
    chosen = [trial_refurbisher_make()[1] for _ in range(2)]
    request = post(
        qa, chosen, apply="Suspend", reason="Fraud.", **{BACK_TO_OBJECT: "1"}
    )
    queryset = Refurbisher.objects.filter(pk__in=[r.pk for r in chosen])
    assert suspend(refurbisher_admin, request, queryset) is None
    assert queryset.filter(status=RefurbisherStatus.SUSPENDED).count() == 2


class KeyForm(forms.Form):
    name = forms.CharField(max_length=100)


def key_make(model_admin, request, refurbisher):
    """A whole-selection run whose service may refuse on a field."""

    def run(data: dict) -> None:
        api_token_create(refurbisher=refurbisher, actor=request.user, name=data["name"])
        model_admin.message_user(request, "Key made.", messages.SUCCESS)

    return action_with_form(
        model_admin, request, Refurbisher.objects.filter(pk=refurbisher.pk),
        form_class=KeyForm, title="Make a key", run=run,
        refusal=RefurbisherError, invalid_status=400,
        extra_context=lambda: {"keys": refurbisher.api_tokens.count()},
    )  # fmt: skip


def test_a_refusal_of_a_whole_run_is_a_form_error_on_its_field(qa, refurbisher_admin):
    _, refurbisher = trial_refurbisher_make()
    first = post(qa, [refurbisher], apply="Make", name="Stock system")
    assert key_make(refurbisher_admin, first, refurbisher) is None
    assert said(first) == [(messages.SUCCESS, "Key made.")]

    again = post(qa, [refurbisher], apply="Make", name="Stock system")
    response = key_make(refurbisher_admin, again, refurbisher)

    assert response.status_code == 400
    form = response.context_data["form"]
    assert form.errors == {"name": ["A live key is already named 'Stock system'."]}
    assert response.context_data["keys"] == 1
    page = response.render().content.decode()
    assert 'value="Stock system"' in page
    assert not said(again)
    assert ApiToken.objects.filter(refurbisher=refurbisher).count() == 1


def test_an_action_gives_one_way_to_run(qa, refurbisher_admin):
    _, refurbisher = trial_refurbisher_make()
    request = post(qa, [refurbisher])
    queryset = Refurbisher.objects.filter(pk=refurbisher.pk)
    with pytest.raises(TypeError):
        suspend(refurbisher_admin, request, queryset, run=lambda data: None)
    with pytest.raises(TypeError):
        suspend(refurbisher_admin, request, queryset, done=None)
