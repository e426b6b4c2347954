"""The team page: owners invite, cancel and remove; staff look; nobody crosses over."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from refurbishers.models import Invitation, MemberRole, Membership
from refurbishers.services.api_tokens import api_token_create
from refurbishers.services.members import (
    INVITATION_DAYS,
    InvitationRefused,
    invitation_accept,
    invitation_create,
    membership_remove,
)
from tests.support.refurbisher_builders import (
    applicant_make,
    trial_refurbisher_make,
    user_make,
)

pytestmark = pytest.mark.django_db
TEAM = "/seller/team/"
INVITE = "/seller/team/invite/"


def cancel_url(invitation) -> str:
    return f"/seller/team/invitations/{invitation.pk}/cancel/"


def remove_url(membership) -> str:
    return f"/seller/team/members/{membership.pk}/remove/"


def accept_url(invitation) -> str:
    return f"/seller/invitations/{invitation.token}/"


def pending(refurbisher):
    return Invitation.objects.filter(refurbisher=refurbisher, accepted_at__isnull=True)


def staff_make(refurbisher, owner):
    person = user_make()
    invitation = invitation_create(
        refurbisher=refurbisher, actor=owner, email=person.email
    )
    invitation_accept(token=invitation.token, user=person)
    return person


@pytest.fixture
def shop_with_team():
    """A trial refurbisher with its owner, one staff member and a pending invite."""
    owner, refurbisher = trial_refurbisher_make(name="Alpha Renov")
    staff = staff_make(refurbisher, owner)
    invitation = invitation_create(
        refurbisher=refurbisher, actor=owner, email="newcomer@example.com"
    )
    return owner, refurbisher, staff, invitation


# --- Seeing the team --------------------------------------------------------


def test_the_owner_sees_members_invitations_and_the_controls(client, shop_with_team):
    owner, _, staff, invitation = shop_with_team
    client.force_login(owner)
    page = client.get(TEAM).content.decode()
    assert owner.email in page and staff.email in page
    assert "newcomer@example.com" in page
    assert "Owner" in page and "Staff" in page
    assert 'action="/seller/team/invite/"' in page
    assert cancel_url(invitation) in page
    assert remove_url(staff.membership) in page
    # No button to remove oneself.
    assert remove_url(owner.membership) not in page


def test_staff_see_the_team_without_controls(client, shop_with_team):
    owner, _, staff, invitation = shop_with_team
    client.force_login(staff)
    response = client.get(TEAM)
    page = response.content.decode()
    assert response.status_code == 200
    assert owner.email in page and "newcomer@example.com" in page
    assert "/seller/team/invite/" not in page
    assert cancel_url(invitation) not in page
    assert "/remove/" not in page
    assert "Only owners invite or remove members" in page


def test_the_team_page_lists_only_the_members_own_refurbisher(client, shop_with_team):
    owner, *_ = shop_with_team
    other_owner, other = trial_refurbisher_make(name="Beta Refurb")
    other_staff = staff_make(other, other_owner)
    invitation_create(refurbisher=other, actor=other_owner, email="beta@example.com")
    client.force_login(owner)
    page = client.get(TEAM).content.decode()
    for secret in (other_owner.email, other_staff.email, "beta@example.com", "Beta"):
        assert secret not in page


def test_the_team_page_costs_a_fixed_number_of_queries(
    client, shop_with_team, django_assert_max_num_queries
):
    owner, refurbisher, *_ = shop_with_team
    client.force_login(owner)
    with django_assert_max_num_queries(6):
        client.get(TEAM)
    for _ in range(4):
        staff_make(refurbisher, owner)
        invitation_create(refurbisher=refurbisher, actor=owner, email=user_make().email)
    with django_assert_max_num_queries(6):
        assert client.get(TEAM).status_code == 200


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(TEAM)
    assert response.status_code == 302
    assert "next=/seller/team/" in response["Location"]


# --- Inviting ---------------------------------------------------------------


def test_the_owner_invites_by_email_and_the_email_carries_one_link(
    client, django_capture_on_commit_callbacks
):
    owner, refurbisher = trial_refurbisher_make(name="Alpha Renov")
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(INVITE, {"email": "Sam@Example.COM"})
    assert response.status_code == 302
    invitation = Invitation.objects.get(refurbisher=refurbisher)
    assert invitation.email == "Sam@example.com"
    assert invitation.invited_by == owner
    assert len(invitation.token) >= 40
    expected = timezone.now() + timedelta(days=INVITATION_DAYS)
    assert abs((invitation.expires_at - expected).total_seconds()) < 60
    [message] = mail.outbox
    assert message.to == ["Sam@example.com"]
    assert "Alpha Renov" in message.subject
    link = f"/seller/invitations/{invitation.token}/"
    assert link in message.body
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    assert len(re.findall(r"<a href=", html)) == 1 and link in html
    assert "Invitation sent to Sam@example.com" in client.get(TEAM).content.decode()


def test_each_invitation_gets_its_own_random_token():
    owner, refurbisher = trial_refurbisher_make()
    tokens = {
        invitation_create(
            refurbisher=refurbisher, actor=owner, email=f"p{n}@example.com"
        ).token
        for n in range(5)
    }
    assert len(tokens) == 5


@pytest.mark.parametrize("email", ["", "not-an-email", "a@b"])
def test_a_bad_address_is_a_form_error(client, email):
    owner, refurbisher = trial_refurbisher_make()
    client.force_login(owner)
    response = client.post(INVITE, {"email": email})
    assert response.status_code == 400
    assert b'aria-invalid="true"' in response.content
    assert not Invitation.objects.filter(refurbisher=refurbisher).exists()


def test_a_second_pending_invitation_to_the_same_address_is_refused(
    client, shop_with_team
):
    owner, refurbisher, _, _ = shop_with_team
    client.force_login(owner)
    response = client.post(INVITE, {"email": "NEWCOMER@example.com"})
    assert response.status_code == 400
    assert b"already has a pending invitation" in response.content
    assert pending(refurbisher).count() == 1


def test_an_expired_invitation_gives_way_to_a_new_one(shop_with_team):
    owner, refurbisher, _, invitation = shop_with_team
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    renewed = invitation_create(
        refurbisher=refurbisher, actor=owner, email="newcomer@example.com"
    )
    assert list(pending(refurbisher)) == [renewed]


def test_inviting_a_member_of_the_team_is_refused(client, shop_with_team):
    owner, _, staff, _ = shop_with_team
    client.force_login(owner)
    response = client.post(INVITE, {"email": staff.email.upper()})
    assert response.status_code == 400
    assert b"already a member of your team" in response.content


def test_inviting_someone_of_another_refurbisher_is_refused_clearly(
    client, shop_with_team
):
    owner, _refurbisher, _, _ = shop_with_team
    other_owner, _ = applicant_make()
    client.force_login(owner)
    response = client.post(INVITE, {"email": other_owner.email})
    assert response.status_code == 400
    assert b"already works for another refurbisher" in response.content
    assert not Invitation.objects.filter(email=other_owner.email).exists()


def test_only_an_owner_may_invite_through_the_service(shop_with_team):
    _, refurbisher, staff, _ = shop_with_team
    stranger_owner, _ = trial_refurbisher_make()
    for actor in (staff, stranger_owner):
        with pytest.raises(PermissionDenied):
            invitation_create(refurbisher=refurbisher, actor=actor, email="x@ex.com")


# --- Staff may not manage (403), others' objects are not found (404) ---------


def test_staff_posts_to_the_management_endpoints_get_403(client, shop_with_team):
    owner, refurbisher, staff, invitation = shop_with_team
    client.force_login(staff)
    for url, data in (
        (INVITE, {"email": "friend@example.com"}),
        (cancel_url(invitation), {}),
        (remove_url(owner.membership), {}),
    ):
        response = client.post(url, data)
        assert response.status_code == 403
        assert b"Only an owner of Alpha Renov can manage its team" in response.content
    assert pending(refurbisher).count() == 1
    assert refurbisher.memberships.count() == 2


def test_an_owner_cannot_cancel_another_refurbishers_invitation(client, shop_with_team):
    owner, *_ = shop_with_team
    other_owner, other = trial_refurbisher_make()
    theirs = invitation_create(
        refurbisher=other, actor=other_owner, email="theirs@example.com"
    )
    client.force_login(owner)
    response = client.post(cancel_url(theirs))
    assert response.status_code == 404
    assert Invitation.objects.filter(pk=theirs.pk).exists()


def test_an_owner_cannot_remove_another_refurbishers_member(client, shop_with_team):
    owner, *_ = shop_with_team
    other_owner, other = trial_refurbisher_make()
    their_staff = staff_make(other, other_owner)
    client.force_login(owner)
    for membership in (their_staff.membership, other_owner.membership):
        assert client.post(remove_url(membership)).status_code == 404
    assert other.memberships.count() == 2


def test_management_endpoints_take_posts_only(client, shop_with_team):
    owner, _, staff, invitation = shop_with_team
    client.force_login(owner)
    assert client.get(cancel_url(invitation)).status_code == 405
    assert client.get(remove_url(staff.membership)).status_code == 405
    assert client.get(INVITE).status_code == 405


# --- Cancelling and removing -------------------------------------------------


def test_the_owner_cancels_an_invitation_and_its_link_stops_working(
    client, shop_with_team
):
    owner, _, _, invitation = shop_with_team
    client.force_login(owner)
    response = client.post(cancel_url(invitation))
    assert response.status_code == 302
    assert not Invitation.objects.filter(pk=invitation.pk).exists()
    assert client.get(accept_url(invitation)).status_code == 404


def test_the_owner_removes_a_staff_member(client, shop_with_team):
    owner, _refurbisher, staff, _ = shop_with_team
    client.force_login(owner)
    response = client.post(remove_url(staff.membership))
    assert response.status_code == 302
    assert not Membership.objects.filter(user=staff).exists()
    client.force_login(staff)
    assert b"does not belong to a refurbisher" in client.get("/seller/").content


def test_removing_a_member_revokes_the_api_keys_they_made_and_only_theirs(
    client, shop_with_team
):
    owner, refurbisher, staff, _ = shop_with_team
    theirs, _ = api_token_create(refurbisher=refurbisher, actor=staff, name="Theirs")
    owners, _ = api_token_create(refurbisher=refurbisher, actor=owner, name="Owner's")
    client.force_login(owner)

    client.post(remove_url(staff.membership))

    theirs.refresh_from_db()
    owners.refresh_from_db()
    assert theirs.revoked_at is not None and theirs.revoked_by == owner
    assert owners.revoked_at is None


def test_the_owner_cannot_remove_themself(client, shop_with_team):
    owner, _refurbisher, _, _ = shop_with_team
    client.force_login(owner)
    response = client.post(remove_url(owner.membership))
    assert response.status_code == 409
    assert b"cannot remove yourself" in response.content
    assert Membership.objects.filter(user=owner, role=MemberRole.OWNER).exists()


def test_an_owner_may_remove_another_owner_and_one_owner_always_stays(shop_with_team):
    owner, refurbisher, staff, _ = shop_with_team
    Membership.objects.filter(user=staff).update(role=MemberRole.OWNER)
    membership_remove(
        refurbisher=refurbisher, actor=staff, membership_id=owner.membership.pk
    )
    assert list(refurbisher.memberships.values_list("user", "role")) == [
        (staff.pk, MemberRole.OWNER)
    ]
    with pytest.raises(InvitationRefused, match="cannot remove yourself"):
        membership_remove(
            refurbisher=refurbisher, actor=staff,
            membership_id=Membership.objects.get(user=staff).pk,
        )  # fmt: skip


# --- Accepting ---------------------------------------------------------------


def test_the_invited_person_accepts_and_becomes_staff(client, shop_with_team):
    _, refurbisher, _, invitation = shop_with_team
    newcomer = user_make(email="newcomer@example.com")
    client.force_login(newcomer)
    page = client.get(accept_url(invitation))
    assert page.status_code == 200
    assert b"Accept and join Alpha Renov" in page.content
    # Opening the link changes nothing; the button does.
    assert not Membership.objects.filter(user=newcomer).exists()
    response = client.post(accept_url(invitation))
    assert response.status_code == 302 and response["Location"] == "/seller/"
    membership = Membership.objects.get(user=newcomer)
    assert membership.refurbisher == refurbisher
    assert membership.role == MemberRole.STAFF
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert client.get("/seller/").status_code == 200


def test_an_anonymous_visitor_is_told_to_sign_in_with_the_invited_address(
    client, shop_with_team
):
    *_, invitation = shop_with_team
    response = client.get(accept_url(invitation))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sign in with <strong>newcomer@example.com</strong>" in page
    assert f"next=%2Fseller%2Finvitations%2F{invitation.token}%2F" in page
    assert client.post(accept_url(invitation)).status_code >= 400
    assert not Invitation.objects.get(pk=invitation.pk).accepted_at


def test_someone_signed_in_with_another_address_cannot_accept(client, shop_with_team):
    *_, invitation = shop_with_team
    client.force_login(user_make(email="someone-else@example.com"))
    response = client.get(accept_url(invitation))
    assert response.status_code == 403
    assert b"sign in with the invited address" in response.content
    assert client.post(accept_url(invitation)).status_code == 403
    assert not Invitation.objects.get(pk=invitation.pk).accepted_at


def test_a_used_invitation_gives_a_clear_page(client, shop_with_team):
    *_, invitation = shop_with_team
    newcomer = user_make(email="newcomer@example.com")
    invitation_accept(token=invitation.token, user=newcomer)
    client.force_login(newcomer)
    response = client.post(accept_url(invitation))
    assert response.status_code == 410
    assert b"already used" in response.content
    assert Membership.objects.filter(user=newcomer).count() == 1


def test_an_expired_invitation_gives_a_clear_page(client, shop_with_team):
    *_, invitation = shop_with_team
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    client.force_login(user_make(email="newcomer@example.com"))
    response = client.post(accept_url(invitation))
    assert response.status_code == 410
    assert b"has expired" in response.content
    with pytest.raises(InvitationRefused, match="expired"):
        invitation_accept(token=invitation.token, user=user_make())


def test_an_unknown_token_is_not_found(client):
    response = client.get("/seller/invitations/not-a-real-token/")
    assert response.status_code == 404
    assert b"not valid" in response.content


def test_a_member_of_another_refurbisher_cannot_accept(client, shop_with_team):
    owner, refurbisher, _, _ = shop_with_team
    other_owner, _ = applicant_make()
    # Invited before they joined elsewhere: refused when they try to accept.
    invitation = Invitation.objects.create(
        refurbisher=refurbisher, email=other_owner.email, token="tok-elsewhere",
        invited_by=owner, expires_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    client.force_login(other_owner)
    response = client.post(accept_url(invitation))
    assert response.status_code == 409
    assert b"already belongs to a refurbisher" in response.content
    assert other_owner.membership.refurbisher != refurbisher
