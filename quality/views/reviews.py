"""The shopper's review of a delivered seller order: write it, or edit it.

The order is found as on the order pages: its signed-in owner, or a browser
the order was granted to (the one that paid, or one that opened the email
link); anyone else gets a 404, the same as for an order that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from orders.models import SellerOrder, SellerOrderStatus
from orders.selectors.messages import seller_order_for_shopper
from orders.selectors.orders import order_visible_to
from quality.forms import ReviewForm
from quality.selectors import review_of_seller_order
from quality.services.reviews import ReviewRefused, review_write

# Where the order pages (orders.views.orders) keep the orders this browser
# was granted; apps never import each other's views, so the key is repeated.
SESSION_GRANTED = "orders_granted"


def _seller_order(request, reference: str, seller_order_id: int) -> SellerOrder:
    seller_order = seller_order_for_shopper(
        reference=reference, seller_order_id=seller_order_id
    )
    granted = [
        pk for pk in request.session.get(SESSION_GRANTED, []) if isinstance(pk, int)
    ]
    if seller_order is None or not order_visible_to(
        order=seller_order.order,
        user=request.user,
        granted=granted,
        token=request.GET.get("token", ""),
    ):
        raise Http404("No such order.")
    return seller_order


@require_http_methods(["GET", "HEAD", "POST"])
def order_review(request, reference: str, seller_order_id: int):
    """Rate a delivered seller order 1 to 5 with a comment, or change that review."""
    seller_order = _seller_order(request, reference, seller_order_id)
    review = review_of_seller_order(seller_order=seller_order)
    status = 200
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                review_write(
                    seller_order=seller_order,
                    actor=request.user,
                    rating=form.cleaned_data["rating"],
                    comment=form.cleaned_data["comment"],
                )
            except ReviewRefused as refusal:
                field = refusal.field if refusal.field in form.fields else None
                form.add_error(field, refusal.message)
                status = 400 if field else 409
            else:
                messages.success(
                    request,
                    gettext("Thank you: your review is published.")
                    if review is None
                    else gettext("Your review is updated."),
                )
                url = reverse("order-detail", args=[seller_order.order.reference])
                return redirect(f"{url}#seller-order-{seller_order.pk}")
        else:
            status = 400
    elif review is not None:
        form = ReviewForm(initial={"rating": review.rating, "comment": review.comment})
    else:
        form = ReviewForm()
    return render(
        request,
        "quality/review_form.html",
        {
            "order": seller_order.order,
            "so": seller_order,
            "refurbisher": seller_order.refurbisher,
            "lines": list(seller_order.lines.all()),
            "review": review,
            "form": form,
            "delivered": seller_order.status == SellerOrderStatus.DELIVERED,
            "editable": review is None or timezone.now() <= review.editable_until,
        },
        status=status,
    )
