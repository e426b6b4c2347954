"""The outbox in QA's admin: the read-only list, its filters, "Send again", queues."""

from __future__ import annotations

import html
import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from marketplace.models import EmailStatus, OutgoingEmail
from tests.support.emails import address, pending
from tests.support.refurbisher_builders import user_make
from tests.support.second_factor import staff_sign_in

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/marketplace/outgoingemail/"
MARKETPLACE_QA_PERMISSIONS = ["view_outgoingemail", "change_outgoingemail"]
MIGRATION = "marketplace.migrations.0002_qa_group_emails"


def _qa_group() -> Group:
    """The QA group as the migrations make it (a flushed database lost it)."""
    importlib.import_module("refurbishers.migrations.0003_qa_group").qa_group_create(
        django_apps, None
    )
    importlib.import_module(MIGRATION).qa_group_grant(django_apps, None)
    return Group.objects.get(name="QA")


@pytest.fixture
def qa(client):
    """A client signed in as a staff member of the QA group (not a superuser)."""
    user = user_make(is_staff=True)
    user.groups.add(_qa_group())
    staff_sign_in(client, user)
    client.user = user
    return client


@pytest.fixture
def emails() -> dict[str, OutgoingEmail]:
    now = timezone.now()
    return {
        "sent": pending(
            subject="Your order RM-1 is confirmed", status=EmailStatus.SENT,
            attempts=1, sent_at=now,
        ),
        "failed": pending(
            subject="A refund on your order RM-2", status=EmailStatus.FAILED,
            attempts=10, last_error="451 4.3.0 Mailbox busy, try again later",
        ),
        "retrying": pending(
            subject="Your order RM-3 has shipped", attempts=2,
            last_error="ConnectionRefusedError: [Errno 111] Connection refused",
        ),
        "new": pending(subject="ReMarket: confirm your email address"),
    }  # fmt: skip


def _shown(page: str, emails: dict[str, OutgoingEmail]) -> set[str]:
    page = html.unescape(page)
    return {name for name, email in emails.items() if email.subject in page}


def test_the_qa_group_holds_exactly_these_outbox_permissions():
    migration = importlib.import_module(MIGRATION)
    assert sorted(migration.MARKETPLACE_QA_PERMISSIONS) == sorted(
        MARKETPLACE_QA_PERMISSIONS
    )
    group = _qa_group()
    migration.qa_group_grant(django_apps, None)  # twice changes nothing
    granted = set(
        group.permissions.filter(content_type__app_label="marketplace").values_list(
            "codename", flat=True
        )
    )
    assert granted == set(MARKETPLACE_QA_PERMISSIONS)
    migration.qa_group_revoke(django_apps, None)
    assert not group.permissions.filter(content_type__app_label="marketplace")
    assert group.permissions.filter(content_type__app_label="refurbishers").exists()


def test_qa_finds_the_failed_emails_and_those_being_retried(qa, emails):
    everything = qa.get(CHANGELIST)
    assert everything.status_code == 200
    assert _shown(everything.content.decode(), emails) == set(emails)

    failed = qa.get(CHANGELIST, {"status__exact": "failed"}).content.decode()
    assert _shown(failed, emails) == {"failed"}
    retrying = qa.get(CHANGELIST, {"retrying": "1"}).content.decode()
    assert _shown(retrying, emails) == {"retrying"}
    to = emails["new"].to[0]
    by_recipient = qa.get(CHANGELIST, {"q": to}).content.decode()
    assert _shown(by_recipient, emails) == {"new"}
    by_subject = qa.get(CHANGELIST, {"q": "RM-2"}).content.decode()
    assert _shown(by_subject, emails) == {"failed"}


def test_the_list_costs_the_same_queries_whatever_its_length(
    qa, django_assert_max_num_queries
):
    for _ in range(40):
        pending(status=EmailStatus.FAILED, attempts=10)
    with django_assert_max_num_queries(12):
        assert qa.get(CHANGELIST).status_code == 200


def test_qa_reads_an_email_and_its_last_error_but_cannot_change_it(qa, emails):
    email = emails["failed"]
    page = qa.get(f"{CHANGELIST}{email.pk}/change/")

    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    assert email.body_text in text and email.to[0] in text
    assert "451 4.3.0 Mailbox busy, try again later" in text
    assert 'name="_save"' not in text
    assert qa.post(f"{CHANGELIST}{email.pk}/change/", {}).status_code == 403
    assert (
        qa.post(f"{CHANGELIST}{email.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert OutgoingEmail.objects.filter(pk=email.pk).exists()
    assert qa.get(f"{CHANGELIST}add/").status_code == 403


def test_send_again_sends_a_failed_email_and_refuses_a_sent_one(
    qa, emails, mailoutbox, django_capture_on_commit_callbacks
):
    failed, sent = emails["failed"], emails["sent"]
    with django_capture_on_commit_callbacks(execute=True):
        response = qa.post(
            CHANGELIST,
            {"action": "send_again", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )

    page = html.unescape(response.content.decode())
    assert f"Email {failed.pk} to {failed.to[0]}: It goes to the mail server" in page
    assert f"Email {sent.pk} to {sent.to[0]}: This email was sent already" in page
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (EmailStatus.SENT, 1)
    assert failed.retried_by == qa.user
    assert [m.subject for m in mailoutbox] == [failed.subject]
    sent.refresh_from_db()
    assert sent.retried_at is None


def test_staff_who_may_only_read_cannot_send_again(client, emails):
    reader = user_make(is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_outgoingemail"))
    staff_sign_in(client, reader)
    failed = emails["failed"]

    assert client.get(CHANGELIST).status_code == 200
    client.post(CHANGELIST, {"action": "send_again", "_selected_action": [failed.pk]})

    failed.refresh_from_db()
    assert (failed.status, failed.retried_at) == (EmailStatus.FAILED, None)


def _row(page: str, label: str) -> str:
    start = page.rindex("<tr>", 0, page.index(label))
    return page[start : page.index("</tr>", start)]


def test_the_index_counts_emails_being_retried_and_failed(qa, emails):
    pending(status=EmailStatus.FAILED, attempts=10, to=[address()])

    page = qa.get("/admin/").content.decode()

    retrying = _row(page, "Emails being retried")
    assert f"{CHANGELIST}?retrying=1" in retrying and "<td>1</td>" in retrying
    failed = _row(page, "Emails that failed")
    assert f"{CHANGELIST}?status__exact=failed" in failed and "<td>2</td>" in failed
