"""Where a refurbisher's payouts go: changing it, and holding payouts after a change.

Whoever takes over an owner's session could send the seller's money to an
account of their own. So a change asks for the owner's password and second
factor again, every owner is emailed, and payouts to the new account wait
``PAYOUT_ACCOUNT_HOLD_HOURS`` (48 by default): time for the real owners to
see the email and call ReMarket. QA may release a hold sooner in the admin,
with a reason, once they have checked the change with the seller.

A hold is one condition of the payout run, kept on its own:
``payout_account_hold`` says whether a refurbisher's payouts wait for it,
and ``payout_send`` leaves a held payout pending with the reason.
"""

from __future__ import annotations

import datetime as dt
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.second_factor import identity_reverify
from marketplace.accounts.services import AccountError
from orders.exceptions import OrderError
from orders.models import Payout, PayoutAccountChange, PayoutStatus
from orders.notifications import _send, owner_emails
from refurbishers.models import (
    MemberRole,
    Membership,
    Refurbisher,
)
from refurbishers.services.status import REFURBISHER_STATUS

# A Stripe Connect account id as Stripe writes it: acct_ then letters and digits.
ACCOUNT_ID = re.compile(r"acct_[A-Za-z0-9]{1,59}")


class PayoutRefused(OrderError):
    """A payout change the rules refuse (a bad account id, a staff member)."""


def _owner_check(*, refurbisher: Refurbisher, actor) -> None:
    is_owner = Membership.objects.filter(
        user_id=getattr(actor, "pk", None),
        refurbisher_id=refurbisher.pk,
        role=MemberRole.OWNER,
    ).exists()
    if not is_owner:
        raise PayoutRefused(
            _(
                "Only an owner can change where payouts are sent. Ask an owner to "
                "make this change."
            )
        )


def refurbisher_payout_account_set(
    *,
    refurbisher: Refurbisher,
    account_id: str,
    actor: AbstractBaseUser,
    password: str,
    code: str,
) -> PayoutAccountChange | None:
    """Change the Stripe account payouts go to; None when it is already that one.

    Only an owner may, and only after typing their password and a second-
    factor code again (checked, and the code spent, before anything is
    written). An empty value disconnects the account (payouts then wait,
    pending). Locks the refurbisher row, so a payout run never reads it
    half-changed. Every owner is emailed once it commits.
    """
    _owner_check(refurbisher=refurbisher, actor=actor)
    account_id = (account_id or "").strip()
    if account_id and not ACCOUNT_ID.fullmatch(account_id):
        raise PayoutRefused(
            _(
                "That is not a Stripe account id. It starts with acct_ followed by "
                "letters and digits, like acct_1Nv0FGQ9RKHgCVdK (find it in your "
                "Stripe dashboard under Settings, Account details)."
            ),
            field="stripe_account_id",
        )
    if Refurbisher.objects.filter(
        pk=refurbisher.pk, stripe_account_id=account_id
    ).exists():
        return None
    try:
        # Its own transaction: a wrong code counts even though we refuse.
        identity_reverify(user=actor, password=password, code=code)
    except AccountError as error:
        raise PayoutRefused(error.message, field=error.field) from error
    return _account_change(refurbisher=refurbisher, account_id=account_id, actor=actor)


@transaction.atomic
def _account_change(
    *, refurbisher: Refurbisher, account_id: str, actor
) -> PayoutAccountChange | None:
    refurbisher = Refurbisher.objects.select_for_update().get(pk=refurbisher.pk)
    before = refurbisher.stripe_account_id
    if before == account_id:
        return None
    now = timezone.now()
    refurbisher.stripe_account_id = account_id
    refurbisher.save(update_fields=["stripe_account_id"])
    change = PayoutAccountChange.objects.create(
        refurbisher=refurbisher,
        from_account=before,
        to_account=account_id,
        changed_by=actor,
        changed_at=now,
        held_until=now + timedelta(hours=settings.PAYOUT_ACCOUNT_HOLD_HOURS)
        if account_id
        else None,
    )
    REFURBISHER_STATUS.record(
        refurbisher, actor=actor,
        reason=f"Payout account changed from {before or 'none'} to "
        f"{account_id or 'none'}",
    )  # fmt: skip
    payout_account_changed_notify(change_id=change.pk)
    return change


def payout_account_changed_notify(*, change_id: int) -> int:
    """Tell every owner the payout account changed, by whom, and the hold."""
    change = PayoutAccountChange.objects.select_related(
        "refurbisher", "changed_by"
    ).get(pk=change_id)
    to = owner_emails(change.refurbisher)
    if not to:
        return 0
    context = {
        "change": change,
        "refurbisher": change.refurbisher,
        "changed_by": change.changed_by.get_full_name() or change.changed_by.email,
        "payouts_url": f"{settings.SITE_URL}/seller/payouts/",
        "qa_email": settings.QA_EMAIL,
    }
    return _send(
        _("ReMarket: the payout account of %(name)s was changed")
        % {"name": change.refurbisher.name},
        "payout_account_changed",
        context,
        to,
        key=f"payout-account-changed:{change.pk}",
    )


# --- The hold -----------------------------------------------------------------------


def payout_account_hold(
    *, refurbisher_id: int, at: dt.datetime | None = None
) -> PayoutAccountChange | None:
    """The change whose hold keeps the refurbisher's payouts waiting, if any.

    Held while a change that QA has not released is younger than its hold
    (the latest one when the owner changed it again meanwhile).
    """
    return (
        PayoutAccountChange.objects.filter(
            refurbisher_id=refurbisher_id,
            released_at__isnull=True,
            held_until__gt=at or timezone.now(),
        )
        .order_by("-held_until", "-pk")
        .first()
    )


def payout_account_hold_message(hold: PayoutAccountChange) -> str:
    return _(
        "Held until %(until)s UTC: the payout account changed on %(changed)s UTC."
    ) % {
        "until": f"{hold.held_until:%Y-%m-%d %H:%M}",
        "changed": f"{hold.changed_at:%Y-%m-%d %H:%M}",
    }


def payout_account_hold_release(
    *, change: PayoutAccountChange, actor, reason: str
) -> PayoutAccountChange:
    """QA releases a hold before its time, with why; pending payouts go now.

    Audited on the change (who, when, why). Releasing twice keeps the first.
    """
    reason = (reason or "").strip()
    if not reason:
        raise PayoutRefused(
            _(
                "Say why the hold can end (for example who confirmed the change "
                "with the seller, and how)."
            ),
            field="reason",
        )
    with transaction.atomic():
        change = PayoutAccountChange.objects.select_for_update().get(pk=change.pk)
        if change.released_at is not None:
            return change
        if change.held_until is None or change.held_until <= timezone.now():
            raise PayoutRefused(_("This change holds nothing any more."))
        change.released_at = timezone.now()
        change.released_by = actor
        change.release_reason = reason
        change.save(update_fields=["released_at", "released_by", "release_reason"])
        pending = list(
            Payout.objects.filter(
                refurbisher_id=change.refurbisher_id, status=PayoutStatus.PENDING
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: _payouts_send(pending))
    return change


def _payouts_send(payout_ids: list[int]) -> None:
    from orders.services.payouts import payout_send

    for payout_id in payout_ids:
        payout_send(payout_id=payout_id)
