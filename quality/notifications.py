"""Emails of the quality app: a failed trial sale and a new review to the seller's
owners, the seller's answer to the shopper. Plain and short; queued in the
outbox in the change's transaction, sent after it commits.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext, ngettext

from orders.notifications import _send, owner_emails
from quality.models import SellerReview, TrialSaleReview


def _order_url(order) -> str:
    return f"{settings.SITE_URL}/orders/access/{order.access_token}/"


def trial_sale_failed_notify(*, review_id: int) -> int:
    """Tell the refurbisher's owners a trial sale failed QA's review, and why."""
    review = TrialSaleReview.objects.select_related(
        "seller_order__order", "refurbisher"
    ).get(pk=review_id)
    to = owner_emails(review.refurbisher)
    if not to:
        return 0
    reference = review.seller_order.order.reference
    return _send(
        gettext("ReMarket: trial sale %(reference)s did not pass our review")
        % {"reference": reference},
        "trial_sale_failed",
        {
            "review": review,
            "refurbisher": review.refurbisher,
            "reference": reference,
            "order_url": f"{settings.SITE_URL}/seller/orders/{reference}/",
        },
        to,
    )


def _review(review_id: int) -> SellerReview:
    return (
        SellerReview.objects.select_related("seller_order__order", "refurbisher")
        .prefetch_related("seller_order__lines")
        .get(pk=review_id)
    )


def review_new_notify(*, review_id: int) -> int:
    """Tell the seller's owners a shopper reviewed an order; they may answer."""
    review = _review(review_id)
    to = owner_emails(review.refurbisher)
    if not to:
        return 0
    reference = review.seller_order.order.reference
    return _send(
        ngettext(
            "ReMarket: a new %(rating)s star review for order %(reference)s",
            "ReMarket: a new %(rating)s stars review for order %(reference)s",
            review.rating,
        )
        % {"rating": review.rating, "reference": reference},
        "review_new_seller",
        {
            "review": review,
            "refurbisher": review.refurbisher,
            "order": review.seller_order.order,
            "lines": review.seller_order.lines.all(),
            "reviews_url": f"{settings.SITE_URL}/seller/reviews/?show=unanswered",
        },
        to,
    )


def review_answered_notify(*, review_id: int) -> int:
    """Tell the shopper the seller answered their review, publicly."""
    review = _review(review_id)
    order = review.seller_order.order
    return _send(
        gettext("ReMarket: %(seller)s answered your review")
        % {"seller": review.refurbisher.name},
        "review_answered_shopper",
        {
            "review": review,
            "refurbisher": review.refurbisher,
            "order": order,
            "order_url": _order_url(order),
        },
        [order.email],
    )
