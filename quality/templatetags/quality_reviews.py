"""Template tags of the shopper's pages: the review of a seller order."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils import timezone

from quality.models import SellerReview
from quality.selectors import reviews_of_order

register = template.Library()


@register.simple_tag(takes_context=True)
def seller_order_review(context, seller_order) -> SellerReview | None:
    """The review of a seller order on its order's page, with ``editable``.

    The order's reviews are read once (one query) and kept on the page's
    ``order``, so an order with several sellers costs no more.
    """
    order = context.get("order")
    if order is None or order.pk != seller_order.order_id:
        reviews = reviews_of_order(order_id=seller_order.order_id)
    else:
        reviews = getattr(order, "_quality_reviews", None)
        if reviews is None:
            reviews = order._quality_reviews = reviews_of_order(order_id=order.pk)
    review = reviews.get(seller_order.pk)
    if review is not None:
        review.editable = timezone.now() <= review.editable_until
    return review


@register.simple_tag
def review_edit_days() -> int:
    """For how many days a shopper may change a review."""
    return settings.REVIEW_EDIT_DAYS


@register.filter
def line_titles(lines) -> str:
    """The titles of what a review's order bought, comma-separated, so a template
    can put them into one translatable sentence ("Bought {{ devices }}")."""
    return ", ".join(str(line.title) for line in lines)
