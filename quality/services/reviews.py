"""Shopper reviews of seller orders: write or edit, the seller's answer, QA hiding.

One review per seller order (a unique key), written after delivery by whoever
holds the order (its signed-in shopper, or a guest through the order's email
link: the views decide who that is), editable for ``REVIEW_EDIT_DAYS`` days.
The seller answers once, publicly. After every write the refurbisher's
``rating_average`` and ``rating_count`` are recomputed from its visible
reviews in one SQL statement.

Lock order: the seller order row (a review's first write), or the review row
(edits, answers, hiding), then the refurbisher row (the recount's UPDATE).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from listings.services import catalog_version_bump
from marketplace.errors import BusinessRuleError
from marketplace.status import actor_or_none, locked
from orders.models import SellerOrder, SellerOrderStatus
from quality.models import SellerReview
from quality.notifications import review_answered_notify, review_new_notify
from quality.services.ranking import rank_recompute_soon
from refurbishers.models import Membership

COMMENT_MAX_CHARS = SellerReview._meta.get_field("comment").max_length
ANSWER_MAX_CHARS = SellerReview._meta.get_field("seller_answer").max_length
HIDDEN_REASON_MAX_CHARS = SellerReview._meta.get_field("hidden_reason").max_length
RATINGS = range(1, 6)


class ReviewRefused(BusinessRuleError):
    """A review write the rules refuse; ``message`` says why in plain words and
    ``field`` names the form field at fault (``rating``, ``comment``,
    ``answer``, ``reason``), if any."""


def review_author_name(ship_name: str) -> str:
    """How a shopper is named publicly: "Jordan Lee" becomes "Jordan L."."""
    words = (ship_name or "").split()
    if not words:
        return "A shopper"
    first = words[0][:40]
    if len(words) == 1:
        return first
    return f"{first} {words[-1][0].upper()}."


def _rating(rating) -> int:
    try:
        value = int(str(rating).strip())
    except ValueError:
        value = 0
    if value not in RATINGS:
        raise ReviewRefused(gettext("Please choose 1 to 5 stars."), "rating")
    return value


def _text(text: str | None, limit: int, field: str, too_long: str) -> str:
    """``too_long`` is the whole refusal, with ``%(limit)s`` and ``%(count)s``."""
    text = (text or "").strip()
    if len(text) > limit:
        raise ReviewRefused(too_long % {"limit": limit, "count": len(text)}, field)
    return text


def refurbisher_rating_refresh(*, refurbisher_id: int) -> bool:
    """Recount a refurbisher's rating from its visible reviews: one statement.

    Writes only when the figures changed; then cached catalog pages (which
    show the rating) go stale and the offers' rank scores (which weigh it) are
    recomputed soon. Returns whether they changed.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE refurbishers_refurbisher AS r
               SET rating_average = s.average, rating_count = s.count
              FROM (SELECT round(avg(rating)::numeric, 2) AS average,
                           count(*) AS count
                      FROM quality_sellerreview
                     WHERE refurbisher_id = %s AND NOT hidden) AS s
             WHERE r.id = %s
               AND (r.rating_average IS DISTINCT FROM s.average
                    OR r.rating_count <> s.count)
            """,
            [refurbisher_id, refurbisher_id],
        )
        changed = cursor.rowcount > 0
    if changed:
        catalog_version_bump()
        rank_recompute_soon()
    return changed


@transaction.atomic
def review_write(
    *,
    seller_order: SellerOrder,
    actor: AbstractBaseUser | None,
    rating: int | str,
    comment: str = "",
) -> SellerReview:
    """Rate a delivered seller order 1 to 5 with an optional comment, or edit
    that review while it may still be edited.

    The caller has checked the requester holds the order. Locks the seller
    order row so two submissions make one review; the seller's owners are told
    of a new review after commit.
    """
    rating = _rating(rating)
    comment = _text(
        comment,
        COMMENT_MAX_CHARS,
        "comment",
        gettext("Please keep your comment under %(limit)s characters (%(count)s now)."),
    )
    seller_order = locked(
        seller_order,
        queryset=SellerOrder.objects.select_related("order"),
        of=("self",),
    )
    if seller_order.status != SellerOrderStatus.DELIVERED:
        raise ReviewRefused(
            gettext("You can review this order once it has been delivered.")
        )
    now = timezone.now()
    review = SellerReview.objects.filter(seller_order=seller_order).first()
    if review is None:
        review = SellerReview.objects.create(
            seller_order=seller_order,
            refurbisher_id=seller_order.refurbisher_id,
            author=actor_or_none(actor),
            author_name=review_author_name(seller_order.order.ship_name),
            rating=rating,
            comment=comment,
            editable_until=now + timedelta(days=settings.REVIEW_EDIT_DAYS),
        )
        review_new_notify(review_id=review.pk)
    else:
        if now > review.editable_until:
            raise ReviewRefused(
                gettext(
                    "A review can be changed for %(review_edit_days)s days; this "
                    "one can no longer be changed."
                )
                % {"review_edit_days": settings.REVIEW_EDIT_DAYS}
            )
        review.rating = rating
        review.comment = comment
        review.save(update_fields=["rating", "comment", "updated_at"])
    refurbisher_rating_refresh(refurbisher_id=review.refurbisher_id)
    return review


@transaction.atomic
def review_answer(
    *, review: SellerReview, actor: AbstractBaseUser, answer: str
) -> SellerReview:
    """The seller's one public answer to a review, by a member of that seller.

    Locks the review row; the shopper is emailed after commit.
    """
    answer = _text(
        answer,
        ANSWER_MAX_CHARS,
        "answer",
        gettext("Please keep your answer under %(limit)s characters (%(count)s now)."),
    )
    if not answer:
        raise ReviewRefused(gettext("Please write your answer."), "answer")
    review = locked(
        review,
        queryset=SellerReview.objects.select_related("seller_order__order"),
        of=("self",),
    )
    is_member = Membership.objects.filter(
        user_id=getattr(actor, "pk", None), refurbisher_id=review.refurbisher_id
    ).exists()
    if not is_member:
        raise ReviewRefused(gettext("Only the seller reviewed can answer this review."))
    if review.answered_at is not None:
        raise ReviewRefused(
            gettext("You have already answered this review: a review gets one answer.")
        )
    review.seller_answer = answer
    review.answered_at = timezone.now()
    review.answered_by = actor
    review.save(update_fields=["seller_answer", "answered_at", "answered_by"])
    refurbisher_rating_refresh(refurbisher_id=review.refurbisher_id)
    review_answered_notify(review_id=review.pk)
    return review


@transaction.atomic
def review_hide(
    *, review: SellerReview, actor: AbstractBaseUser | None, reason: str
) -> SellerReview:
    """QA hides a review that breaks the rules; it leaves the public pages and
    the seller's rating. Locks the review row."""
    reason = _text(
        reason,
        HIDDEN_REASON_MAX_CHARS,
        "reason",
        gettext("Please keep the reason under %(limit)s characters (%(count)s now)."),
    )
    if not reason:
        raise ReviewRefused(gettext("Please say why the review is hidden."), "reason")
    review = locked(
        review,
        queryset=SellerReview.objects.select_related("seller_order__order"),
        of=("self",),
    )
    if review.hidden:
        raise ReviewRefused(gettext("This review is already hidden."))
    review.hidden = True
    review.hidden_reason = reason
    review.save(update_fields=["hidden", "hidden_reason"])
    refurbisher_rating_refresh(refurbisher_id=review.refurbisher_id)
    return review


@transaction.atomic
def review_show(
    *, review: SellerReview, actor: AbstractBaseUser | None
) -> SellerReview:
    """QA shows a hidden review again (hidden by mistake). Locks the review row."""
    review = locked(
        review,
        queryset=SellerReview.objects.select_related("seller_order__order"),
        of=("self",),
    )
    if not review.hidden:
        raise ReviewRefused(gettext("This review is not hidden."))
    review.hidden = False
    review.hidden_reason = ""
    review.save(update_fields=["hidden", "hidden_reason"])
    refurbisher_rating_refresh(refurbisher_id=review.refurbisher_id)
    return review
