"""Warranty claims: filed by the shopper, answered by the seller, decided by QA.

A claim moves only as ``CLAIM_MOVES`` permits::

    open ──answer──▶ answered ──accept──▶ accepted
      │                 │
      └──escalate──▶ escalated ──decide──▶ resolved
                        ▲
    answered ─escalate──┘

- ``open``: filed while the warranty runs; the seller must answer by
  ``answer_due_at`` (``CLAIM_ANSWER_BUSINESS_DAYS`` business days in its own
  time zone). Past that, the periodic job escalates it; shortly before, it
  reminds the seller once.
- ``answered``: the seller offered a repair, a replacement or a refund (up to
  the unit's price), or declined with a reason. The shopper accepts (a refund
  is then issued in the same transaction; accepting a decline closes the
  claim) or asks ReMarket to decide.
- ``escalated``: QA decides in the admin (``resolved``), refunding if it
  decides so.

Every move locks the order row first (``refund_create`` locks it too, so a
claim that refunds takes its locks in the same order as any other refund),
then the claim row; checks the move; saves with ``update_fields``; writes a
``ClaimStatusChange`` with the actor, and emails the other side once the
transaction commits (``orders.services.claim_emails``). A refusal raises
``ClaimRefused`` and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext as _

from marketplace.images import CleanImage, ImageRefused, image_reencode
from marketplace.money import quantize
from marketplace.status import StatusMachine, actor_or_none, locked
from orders.business_days import business_days_after
from orders.exceptions import OrderError
from orders.models import (
    CLAIM_MOVES,
    OPEN_CLAIM_STATUSES,
    ClaimPhoto,
    ClaimProblem,
    ClaimRemedy,
    ClaimStatus,
    ClaimStatusChange,
    Order,
    RefundReason,
    ReturnRequest,
    ReturnStatus,
    Warranty,
    WarrantyClaim,
)
from orders.services.claim_emails import (
    claim_accepted_notify,
    claim_answered_notify,
    claim_decided_notify,
    claim_escalated_notify,
    claim_filed_notify,
    claim_reminder_notify,
    local_words,
    money_words,
    remedy_words,
)
from orders.services.refunds import RefundRefused, refund_create, refundable_amount
from refurbishers.models import Membership

Status = ClaimStatus
DESCRIPTION_MIN_CHARS = 20
TEXT_MAX_CHARS = 4000
PHOTOS_MAX = 5
PHOTO_MAX_BYTES = 10 * 1024 * 1024
# Claims handled per batch by the periodic job; each in its own transaction,
# so a long backlog never holds many row locks at once.
BATCH = 200
# What the seller may offer; a decline needs a reason.
OFFERS = (ClaimRemedy.REPAIR, ClaimRemedy.REPLACEMENT, ClaimRemedy.REFUND)
QA_PERMISSION = "orders.change_warrantyclaim"


class ClaimRefused(OrderError):
    """A claim move or its input the rules refuse; ``message`` says why.

    ``field`` names the form field at fault (``description``, ``photos``,
    ``remedy``, ``refund_amount``, ``message``, ``reason``, ``note``), if any.
    """


# --- Helpers ------------------------------------------------------------------


def _order_then_claim_locked(claim: WarrantyClaim) -> tuple[Order, WarrantyClaim]:
    """Lock the claim's order row, then the claim row (the documented order)."""
    order_id = (
        WarrantyClaim.objects.filter(pk=claim.pk)
        .values_list("seller_order__order_id", flat=True)
        .get()
    )
    order = locked(Order(pk=order_id))
    claim = locked(
        claim,
        queryset=WarrantyClaim.objects.select_related(
            "seller_order", "refurbisher", "warranty__line", "warranty__unit"
        ),
        of=("self",),
    )
    return order, claim


# How a refusal names the claim's state and the move asked for.
# The words that complete "This claim is %(status)s: it cannot be %(move)s
# now.", each in a context of its own so a translation can choose its form.
_STATE_CONTEXT = "claim state: This claim is ..."
STATE_WORDS = {
    Status.OPEN: pgettext_lazy(_STATE_CONTEXT, "waiting for the seller's answer"),
    Status.ANSWERED: pgettext_lazy(_STATE_CONTEXT, "answered already"),
    Status.ACCEPTED: pgettext_lazy(
        _STATE_CONTEXT, "closed (its solution was accepted)"
    ),
    Status.ESCALATED: pgettext_lazy(_STATE_CONTEXT, "with ReMarket"),
    Status.RESOLVED: pgettext_lazy(_STATE_CONTEXT, "closed (ReMarket decided it)"),
}
_MOVE_CONTEXT = "claim move: it cannot be ... now"
MOVE_WORDS = {
    Status.ANSWERED: pgettext_lazy(_MOVE_CONTEXT, "answered"),
    Status.ACCEPTED: pgettext_lazy(_MOVE_CONTEXT, "accepted"),
    Status.ESCALATED: pgettext_lazy(_MOVE_CONTEXT, "sent to ReMarket"),
    Status.RESOLVED: pgettext_lazy(_MOVE_CONTEXT, "decided"),
}


def _refused(from_status: str, to_status: str) -> ClaimRefused:
    return ClaimRefused(
        gettext("This claim is %(status)s: it cannot be %(move)s now.")
        % {"status": STATE_WORDS[from_status], "move": MOVE_WORDS[to_status]}
    )


CLAIM_STATUS: StatusMachine[WarrantyClaim] = StatusMachine(
    moves=CLAIM_MOVES,
    refusal=_refused,
    audit_model=ClaimStatusChange,
    audit_parent=lambda claim: {"claim": claim},
)


def _text(value: str | None, *, field: str, required: str | None) -> str:
    """Stripped text within the length limit; ``required`` is the message if empty."""
    value = (value or "").strip()
    if not value and required:
        raise ClaimRefused(required, field=field)
    if len(value) > TEXT_MAX_CHARS:
        raise ClaimRefused(
            gettext("Please keep it to %(most)s characters (this has %(now)s).")
            % {"most": TEXT_MAX_CHARS, "now": len(value)},
            field=field,
        )
    return value


def _amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
        # Rounding to cents refuses what no price could be (1e999).
        return quantize(amount) if amount.is_finite() else None
    except InvalidOperation:
        return None


def _remedy_checked(
    claim: WarrantyClaim,
    order: Order,
    *,
    remedy: str,
    refund_amount,
) -> Decimal | None:
    """The remedy's refund amount, checked; None unless the remedy is a refund."""
    if remedy not in ClaimRemedy.values:
        raise ClaimRefused(
            gettext("Please choose a repair, a replacement, a refund or to decline."),
            field="remedy",
        )
    if remedy != ClaimRemedy.REFUND:
        return None
    line = claim.warranty.line
    currency = claim.seller_order.currency
    amount = _amount(refund_amount)
    if amount is None:
        raise ClaimRefused(
            gettext("Please give the amount to refund (for example 120.00)."),
            field="refund_amount",
        )
    if amount <= 0:
        raise ClaimRefused(
            gettext("A refund must be more than zero."), field="refund_amount"
        )
    if amount > line.unit_price:
        raise ClaimRefused(
            gettext(
                "A refund under the warranty can be at most the device's price, "
                "%(price)s."
            )
            % {"price": money_words(line.unit_price, currency)},
            field="refund_amount",
        )
    left = refundable_amount(order=order, seller_order=claim.seller_order)
    if amount > left:
        raise ClaimRefused(
            gettext("Only %(amount)s is left to refund on this order.")
            % {"amount": money_words(left, currency)},
            field="refund_amount",
        )
    return amount


def _refund(
    claim: WarrantyClaim, order: Order, *, amount: Decimal, actor, decided: str
):
    """Issue the claim's refund in the caller's transaction; link it to the claim."""
    try:
        refund = refund_create(
            order=order,
            seller_order=claim.seller_order,
            amount=amount,
            reason=RefundReason.WARRANTY_CLAIM,
            note=f"Warranty claim {claim.pk}, {decided}",
            actor=actor,
        )
    except RefundRefused as refused:
        raise ClaimRefused(refused.message, field="refund_amount") from refused
    claim.refund = refund
    return refund


# --- Filing -------------------------------------------------------------------


def photo_max_megabytes() -> str:
    return f"{PHOTO_MAX_BYTES / (1024 * 1024):g}"


def _photos_checked(photos: Sequence[UploadedFile] | None) -> list[CleanImage]:
    """Each photo re-encoded without its metadata (marketplace.images), so
    the seller never sees where it was taken."""
    photos = [photo for photo in (photos or []) if photo is not None]
    if len(photos) > PHOTOS_MAX:
        raise ClaimRefused(
            gettext("Attach at most %(most)s photos (%(chosen)s chosen).")
            % {"most": PHOTOS_MAX, "chosen": len(photos)},
            field="photos",
        )
    checked = []
    several = len(photos) > 1
    for number, upload in enumerate(photos, start=1):
        # Whole sentences for one photo and for "Photo 2" of several.
        if not upload.size:
            raise ClaimRefused(
                gettext("Photo %(number)s is empty.") % {"number": number}
                if several
                else gettext("The photo is empty."),
                field="photos",
            )
        if upload.size > PHOTO_MAX_BYTES:
            values = {"number": number, "megabytes": photo_max_megabytes()}
            raise ClaimRefused(
                (
                    gettext("Photo %(number)s is too large: %(megabytes)s MB at most.")
                    if several
                    else gettext("The photo is too large: %(megabytes)s MB at most.")
                )
                % values,
                field="photos",
            )
        try:
            checked.append(image_reencode(upload))
        except ImageRefused as refusal:
            if len(photos) > 1:
                message = _("Photo %(number)s: %(problem)s") % {
                    "number": number, "problem": refusal.message,
                }  # fmt: skip
            else:
                message = refusal.message
            raise ClaimRefused(message, field="photos") from None
    return checked


def claim_file(
    *,
    warranty: Warranty,
    problem: str,
    description: str,
    photos: Sequence[UploadedFile] | None,
    actor: AbstractBaseUser | None,
) -> WarrantyClaim:
    """File a claim under a running warranty; the seller is emailed.

    Allowed while the warranty runs (``starts_at <= now < ends_at``), one open
    claim per warranty, not on a device returned and refunded or already
    refunded under a claim. Locks the order row, so two filings for one
    device are taken one after the other.
    """
    if problem not in ClaimProblem.values:
        raise ClaimRefused(
            gettext("Please choose what the problem is."), field="problem"
        )
    description = _text(
        description,
        field="description",
        required=gettext("Please describe the problem: what happens, and since when."),
    )
    if len(description) < DESCRIPTION_MIN_CHARS:
        raise ClaimRefused(
            gettext(
                "Please describe the problem in a little more detail "
                "(%(least)s characters at least): what happens, and since when."
            )
            % {"least": DESCRIPTION_MIN_CHARS},
            field="description",
        )
    checked = _photos_checked(photos)
    return _claim_create(
        warranty=warranty, problem=problem, description=description,
        photos=checked, actor=actor,
    )  # fmt: skip


@transaction.atomic
def _claim_create(*, warranty, problem, description, photos, actor) -> WarrantyClaim:
    order_id = (
        Warranty.objects.filter(pk=warranty.pk)
        .values_list("line__seller_order__order_id", flat=True)
        .get()
    )
    locked(Order(pk=order_id))
    warranty = Warranty.objects.select_related(
        "line__seller_order__refurbisher", "unit"
    ).get(pk=warranty.pk)
    now = timezone.now()
    if now < warranty.starts_at:
        raise ClaimRefused(gettext("This warranty has not started yet."))
    if now >= warranty.ends_at:
        raise ClaimRefused(
            gettext(
                "This warranty ended on %(date)s: a claim can be filed while the "
                "warranty runs. Contact the seller about a paid repair."
            )
            % {"date": f"{warranty.ends_at:%d %B %Y}"}
        )
    open_claim = warranty.claims.filter(status__in=OPEN_CLAIM_STATUSES).first()
    if open_claim is not None:
        raise ClaimRefused(
            gettext(
                "There is already an open claim for this device: follow it on its "
                "page, or wait until it is closed to file another."
            )
        )
    if warranty.claims.filter(refund__isnull=False).exists():
        raise ClaimRefused(
            gettext("This device was already refunded under a warranty claim.")
        )
    if ReturnRequest.objects.filter(
        line_id=warranty.line_id, status=ReturnStatus.REFUNDED
    ).exists():
        raise ClaimRefused(gettext("This device was returned and refunded."))
    seller_order = warranty.line.seller_order
    refurbisher = seller_order.refurbisher
    try:
        # A savepoint, so a lost race leaves the transaction usable for the
        # clear refusal below (the unique constraint is the last word).
        with transaction.atomic():
            claim = WarrantyClaim.objects.create(
                warranty=warranty,
                seller_order=seller_order,
                refurbisher=refurbisher,
                problem=problem,
                description=description,
                filed_by=actor_or_none(actor),
                answer_due_at=business_days_after(
                    now,
                    days=settings.CLAIM_ANSWER_BUSINESS_DAYS,
                    time_zone=refurbisher.time_zone,
                ),
            )
    except IntegrityError as error:
        raise ClaimRefused(
            gettext(
                "There is already an open claim for this device: follow it on its page."
            )
        ) from error
    CLAIM_STATUS.record(
        claim, actor=actor, from_status="", to_status=Status.OPEN,
        reason=f"Filed: {ClaimProblem(problem).label}; answer due by "
        f"{local_words(claim.answer_due_at, refurbisher.time_zone)}",
    )  # fmt: skip
    for clean in photos:
        photo = ClaimPhoto(claim=claim, content_type=clean.content_type)
        # The stored name comes from claim_photo_path (random), never the
        # uploaded one.
        photo.image.save(clean.content.name, clean.content, save=False)
        photo.save()
    claim_id = claim.pk
    claim_filed_notify(claim_id=claim_id)
    return claim


# --- The seller's answer ------------------------------------------------------


@transaction.atomic
def claim_answer(
    *,
    claim: WarrantyClaim,
    actor: AbstractBaseUser,
    remedy: str,
    message: str,
    refund_amount: Decimal | str | None = None,
) -> WarrantyClaim:
    """The seller offers a repair, a replacement or a refund, or declines.

    Only from ``open``: an escalated claim is ReMarket's to decide. A refund
    is at most the unit's price (and what is left to refund on the order); a
    decline needs a reason. ``actor`` must be a member of the refurbisher.
    """
    order, claim = _order_then_claim_locked(claim)
    if actor is None or not (
        actor.is_authenticated
        and Membership.objects.filter(
            user=actor, refurbisher_id=claim.refurbisher_id
        ).exists()
    ):
        raise ClaimRefused(gettext("Only the seller's team can answer this claim."))
    if claim.status == Status.ESCALATED:
        raise ClaimRefused(
            gettext(
                "This claim is with ReMarket now: our team decides it, and both of "
                "you will get an email."
            )
        )
    CLAIM_STATUS.check(claim, Status.ANSWERED)
    amount = _remedy_checked(claim, order, remedy=remedy, refund_amount=refund_amount)
    message = _text(
        message,
        field="message",
        required=(
            gettext("Please tell the shopper why you decline the claim.")
            if remedy == ClaimRemedy.DECLINE
            else None
        ),
    )
    claim.seller_remedy = remedy
    claim.seller_message = message
    claim.refund_amount = amount
    claim.answered_at = timezone.now()
    offered = remedy_words(remedy, amount, claim.seller_order.currency)
    reason = (
        f"Declined: {message}"
        if remedy == ClaimRemedy.DECLINE
        else f"Offered {offered}" + (f": {message}" if message else "")
    )
    CLAIM_STATUS.move(
        claim, Status.ANSWERED, actor=actor, reason=reason,
        fields=("seller_remedy", "seller_message", "refund_amount", "answered_at"),
    )  # fmt: skip
    claim_id = claim.pk
    claim_answered_notify(claim_id=claim_id)
    return claim


# --- The shopper's reply to the answer ----------------------------------------


@transaction.atomic
def claim_accept(
    *, claim: WarrantyClaim, actor: AbstractBaseUser | None
) -> WarrantyClaim:
    """The shopper accepts the seller's answer; a refund offered is issued now.

    Accepting a decline closes the claim (the shopper lets it go). The refund
    is written in this transaction under the order's lock, so accepting twice,
    even at the same moment, refunds once: the second finds the claim
    accepted already and is refused.
    """
    order, claim = _order_then_claim_locked(claim)
    if claim.status == Status.ACCEPTED:
        raise ClaimRefused(gettext("You accepted this already: nothing more to do."))
    if claim.status == Status.OPEN:
        raise ClaimRefused(gettext("There is no answer from the seller to accept yet."))
    CLAIM_STATUS.check(claim, Status.ACCEPTED)
    fields = ["accepted_at"]
    currency = claim.seller_order.currency
    if claim.seller_remedy == ClaimRemedy.REFUND:
        _refund(
            claim, order, amount=claim.refund_amount, actor=actor,
            decided="accepted by the shopper",
        )  # fmt: skip
        fields.append("refund")
    claim.accepted_at = timezone.now()
    if claim.seller_remedy == ClaimRemedy.DECLINE:
        reason = "Closed by the shopper: the seller's decline accepted"
    else:
        offered = remedy_words(claim.seller_remedy, claim.refund_amount, currency)
        reason = f"Accepted {offered}"
    CLAIM_STATUS.move(claim, Status.ACCEPTED, actor=actor, reason=reason, fields=fields)
    claim_id = claim.pk
    claim_accepted_notify(claim_id=claim_id)
    return claim


@transaction.atomic
def claim_escalate(
    *,
    claim: WarrantyClaim,
    actor: AbstractBaseUser | None,
    reason: str,
    at: dt.datetime | None = None,
) -> WarrantyClaim:
    """Hand the claim to ReMarket: QA decides it; QA, seller and shopper emailed.

    The shopper escalates an answered claim with a reason; an open claim is
    escalated once its answer is overdue (by the periodic job, ``actor``
    None, or by the shopper who got no answer in time).
    """
    at = at or timezone.now()
    reason = _text(
        reason,
        field="reason",
        required=gettext("Please tell us why you ask ReMarket to decide."),
    )
    _, claim = _order_then_claim_locked(claim)
    if claim.status == Status.ESCALATED:
        raise ClaimRefused(gettext("This claim is with ReMarket already."))
    CLAIM_STATUS.check(claim, Status.ESCALATED)
    if claim.status == Status.OPEN and at < claim.answer_due_at:
        due = local_words(claim.answer_due_at, claim.refurbisher.time_zone)
        raise ClaimRefused(
            gettext(
                "The seller has until %(due)s to answer. If they do not, the claim "
                "goes to ReMarket by itself."
            )
            % {"due": due}
        )
    claim.escalated_at = at
    claim.escalation_reason = reason
    CLAIM_STATUS.move(
        claim, Status.ESCALATED, actor=actor, reason=reason,
        fields=("escalated_at", "escalation_reason"),
    )  # fmt: skip
    claim_id = claim.pk
    claim_escalated_notify(claim_id=claim_id)
    return claim


# --- QA's decision ------------------------------------------------------------


@transaction.atomic
def claim_decide(
    *,
    claim: WarrantyClaim,
    actor: AbstractBaseUser,
    remedy: str,
    note: str,
    refund_amount: Decimal | str | None = None,
) -> WarrantyClaim:
    """QA decides an escalated claim; a refund decided is issued now.

    ``actor`` is ReMarket staff allowed to change claims. The note is sent to
    both sides, so it says why.
    """
    if not (
        actor is not None
        and actor.is_authenticated
        and actor.is_staff
        and actor.has_perm(QA_PERMISSION)
    ):
        raise ClaimRefused(
            gettext("Only ReMarket's quality team decides warranty claims.")
        )
    note = _text(
        note,
        field="note",
        required=gettext("Please write the decision's reason for both."),
    )
    order, claim = _order_then_claim_locked(claim)
    CLAIM_STATUS.check(claim, Status.RESOLVED)
    amount = _remedy_checked(claim, order, remedy=remedy, refund_amount=refund_amount)
    claim.qa_remedy = remedy
    claim.qa_note = note
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    fields = ["qa_remedy", "qa_note", "decided_by", "decided_at"]
    if amount is not None:
        # The seller's offer stays in ``refund_amount``; the decided amount is
        # the claim's refund.
        _refund(claim, order, amount=amount, actor=actor, decided="decided by ReMarket")
        fields.append("refund")
    decided = remedy_words(remedy, amount, claim.seller_order.currency)
    CLAIM_STATUS.move(
        claim, Status.RESOLVED, actor=actor,
        reason=f"Decided by ReMarket: {decided}. {note}", fields=fields,
    )  # fmt: skip
    claim_id = claim.pk
    claim_decided_notify(claim_id=claim_id)
    return claim


# --- The periodic job ---------------------------------------------------------


@transaction.atomic
def claim_remind(*, claim: WarrantyClaim, at: dt.datetime | None = None) -> bool:
    """Remind the seller once that an open claim's answer is due soon.

    False when there is nothing to do (answered meanwhile, reminded already,
    not due soon): the job may run twice.
    """
    at = at or timezone.now()
    _, claim = _order_then_claim_locked(claim)
    soon = at + dt.timedelta(hours=settings.CLAIM_REMINDER_HOURS)
    if (
        claim.status != Status.OPEN
        or claim.reminded_at is not None
        or not at < claim.answer_due_at <= soon
    ):
        return False
    claim.reminded_at = at
    claim.save(update_fields=["reminded_at"])
    CLAIM_STATUS.record(
        claim,
        reason="Reminder sent: answer due by "
        f"{local_words(claim.answer_due_at, claim.refurbisher.time_zone)}",
    )  # fmt: skip
    claim_id = claim.pk
    claim_reminder_notify(claim_id=claim_id)
    return True


def _open_claim_ids(**filters) -> list[int]:
    return list(
        WarrantyClaim.objects.filter(status=Status.OPEN, **filters)
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH]
    )


def claims_remind_and_escalate(*, at: dt.datetime | None = None) -> dict[str, int]:
    """Remind sellers of answers due soon; escalate open claims past their due time.

    In batches, each claim in its own transaction with its row locked, so it
    is safe to run twice or beside a seller answering: a claim answered in
    the meantime is left alone.
    """
    at = at or timezone.now()
    soon = at + dt.timedelta(hours=settings.CLAIM_REMINDER_HOURS)
    done = {"reminded": 0, "escalated": 0}
    after = 0
    while True:
        ids = _open_claim_ids(
            reminded_at__isnull=True,
            answer_due_at__gt=at,
            answer_due_at__lte=soon,
            pk__gt=after,
        )
        for pk in ids:
            done["reminded"] += claim_remind(claim=WarrantyClaim(pk=pk), at=at)
        if len(ids) < BATCH:
            break
        after = ids[-1]
    after = 0
    while True:
        ids = _open_claim_ids(answer_due_at__lte=at, pk__gt=after)
        for pk in ids:
            try:
                _escalate_overdue(pk, at)
            except ClaimRefused:
                continue  # answered or escalated meanwhile
            done["escalated"] += 1
        if len(ids) < BATCH:
            break
        after = ids[-1]
    return done


def _escalate_overdue(pk: int, at: dt.datetime) -> None:
    claim = WarrantyClaim.objects.select_related("refurbisher").get(pk=pk)
    if claim.status != Status.OPEN:
        raise ClaimRefused(gettext("Not open any more."))

    due = local_words(claim.answer_due_at, claim.refurbisher.time_zone)
    claim_escalate(
        claim=claim,
        actor=None,
        reason=f"The seller did not answer by {due}",
        at=at,
    )
