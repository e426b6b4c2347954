"""A refurbisher's team: owners invite people by email and remove members.

Every function takes the acting user and checks that they are an owner of the
refurbisher they act on; objects are looked up within that refurbisher only,
so an id of another refurbisher's invitation or member is simply not found
(``DoesNotExist``, a 404 for the views). A non-owner gets ``PermissionDenied``.

Lock order: the refurbisher row first, so two owners inviting the same address
at once queue up and the second sees the first one's pending invitation.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from marketplace.emails import email_queue
from marketplace.status import locked
from refurbishers.exceptions import RefurbisherError
from refurbishers.models import (
    ApiToken,
    Invitation,
    MemberRole,
    Membership,
    Refurbisher,
)

INVITATION_DAYS = 7


class InvitationRefused(RefurbisherError):
    """An invitation cannot be sent or accepted; the message says why."""


def _owner_check(*, refurbisher: Refurbisher, actor) -> None:
    is_owner = Membership.objects.filter(
        user_id=getattr(actor, "pk", None),
        refurbisher=refurbisher,
        role=MemberRole.OWNER,
    ).exists()
    if not is_owner:
        raise PermissionDenied(
            gettext("Only an owner of the refurbisher can manage its team.")
        )


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise InvitationRefused(
            gettext("Enter a valid email address."), field="email"
        ) from None
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def invitation_is_pending(invitation: Invitation) -> bool:
    return invitation.accepted_at is None and invitation.expires_at > timezone.now()


@transaction.atomic
def invitation_create(*, refurbisher: Refurbisher, actor, email: str) -> Invitation:
    """Invite ``email`` to join the refurbisher as staff and email the link.

    Refused when the address already has a pending invitation here, already
    belongs to a member of this refurbisher, or to any other refurbisher.
    """
    email = _clean_email(email)
    _owner_check(refurbisher=refurbisher, actor=actor)
    refurbisher = locked(refurbisher)
    member = (
        Membership.objects.filter(user__email__iexact=email)
        .values_list("refurbisher_id", flat=True)
        .first()
    )
    if member == refurbisher.pk:
        raise InvitationRefused(
            gettext("%(email)s is already a member of your team.") % {"email": email},
            field="email",
        )
    if member is not None:
        raise InvitationRefused(
            gettext(
                "%(email)s already works for another refurbisher on "
                "ReMarket, and an account can belong to one refurbisher "
                "only. Ask them for another address."
            )
            % {"email": email},
            field="email",
        )
    now = timezone.now()
    open_invitations = Invitation.objects.filter(
        refurbisher=refurbisher, email__iexact=email, accepted_at__isnull=True
    )
    if open_invitations.filter(expires_at__gt=now).exists():
        raise InvitationRefused(
            gettext(
                "%(email)s already has a pending invitation. Cancel it first "
                "to send a new one."
            )
            % {"email": email},
            field="email",
        )
    # An expired invitation to the same address gives way to the new one.
    open_invitations.delete()
    invitation = Invitation.objects.create(
        refurbisher=refurbisher,
        email=email,
        token=secrets.token_urlsafe(32),
        invited_by=actor,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    invitation_send(invitation_id=invitation.pk)
    return invitation


def invitation_send(*, invitation_id: int) -> int:
    """Queue an invitation's email (HTML and text); returns the emails queued."""
    invitation = (
        Invitation.objects.select_related("refurbisher", "invited_by")
        .filter(pk=invitation_id, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        return 0
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "refurbisher": invitation.refurbisher,
        "inviter_name": inviter.get_full_name() or inviter.email,
        "accept_url": f"{settings.SITE_URL}/seller/invitations/{invitation.token}/",
        "days": INVITATION_DAYS,
    }
    message = EmailMultiAlternatives(
        subject=gettext("Join %(name)s on ReMarket")
        % {"name": invitation.refurbisher.name},
        body=render_to_string("emails/seller_invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(
        render_to_string("emails/seller_invitation.html", context), "text/html"
    )
    return email_queue(
        message=message, kind="seller_invitation", key=f"invitation:{invitation.pk}"
    )


@transaction.atomic
def invitation_cancel(
    *, refurbisher: Refurbisher, actor, invitation_id: int
) -> Invitation:
    """Withdraw an invitation that was not accepted; its link stops working."""
    _owner_check(refurbisher=refurbisher, actor=actor)
    invitation = Invitation.objects.select_for_update().get(
        pk=invitation_id, refurbisher=refurbisher, accepted_at__isnull=True
    )
    invitation.delete()
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    return Invitation.objects.select_related("refurbisher").filter(token=token).first()


@transaction.atomic
def invitation_accept(*, token: str, user) -> Membership:
    """Make ``user`` a staff member of the refurbisher that invited their email.

    Locks the invitation, so a link clicked twice makes one membership.
    """
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("refurbisher")
        .filter(token=token)
        .first()
    )
    if invitation is None:
        raise Invitation.DoesNotExist("No invitation has this link.")
    if invitation.accepted_at is not None:
        raise InvitationRefused(gettext("This invitation was already used."))
    if invitation.expires_at <= timezone.now():
        raise InvitationRefused(
            gettext("This invitation has expired. Ask the owner to send a new one.")
        )
    if not user.is_authenticated or (user.email or "").lower() != (
        invitation.email.lower()
    ):
        raise InvitationRefused(
            gettext(
                "This invitation is for %(email)s. Sign in with that address "
                "to accept it."
            )
            % {"email": invitation.email}
        )
    if Membership.objects.filter(user=user).exists():
        raise InvitationRefused(
            gettext(
                "Your account already belongs to a refurbisher; an account "
                "can work for one refurbisher only."
            )
        )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                user=user, refurbisher=invitation.refurbisher, role=MemberRole.STAFF
            )
    except IntegrityError:
        raise InvitationRefused(
            gettext(
                "Your account already belongs to a refurbisher; an account "
                "can work for one refurbisher only."
            )
        ) from None
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def membership_remove(
    *, refurbisher: Refurbisher, actor, membership_id: int
) -> Membership:
    """Take a member off the team (never oneself, never the last owner)."""
    _owner_check(refurbisher=refurbisher, actor=actor)
    refurbisher = locked(refurbisher)
    membership = Membership.objects.select_related("user").get(
        pk=membership_id, refurbisher=refurbisher
    )
    if membership.user_id == actor.pk:
        raise InvitationRefused(gettext("You cannot remove yourself from the team."))
    if membership.role == MemberRole.OWNER and not (
        refurbisher.memberships.filter(role=MemberRole.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise InvitationRefused(gettext("A refurbisher keeps at least one owner."))
    membership.delete()
    # A key acts as the member who made it (its audit rows name them): it
    # stops with their membership, revoked by the owner who removed them.
    ApiToken.objects.filter(
        refurbisher=refurbisher, created_by=membership.user, revoked_at__isnull=True
    ).update(revoked_at=timezone.now(), revoked_by=actor)
    return membership
