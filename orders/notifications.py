"""Emails when an order is paid: to the shopper, and to each seller of its sale.

``_send`` is the orders and quality apps' way to write an email: it queues it
in the outbox (``marketplace.emails``), in the caller's transaction, and the
email leaves once that commits. Call the ``*_notify`` functions inside the
transaction of the change they announce.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext

from marketplace.emails import email_queue
from marketplace.markets import MARKETS
from orders.models import Order
from refurbishers.models import MemberRole


def _send(
    subject: str, template: str, context: dict, to: list[str], *, key: str = ""
) -> int:
    """Queue the email made of ``template`` (.txt and .html); returns 1, or 0
    when ``key`` (the event it is about) was queued before."""
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    return email_queue(message=message, kind=template, key=key or None)


def order_paid_key_prefix(order_id: int) -> str:
    """The start of the keys of an order's payment emails (see ``emails_requeue``)."""
    return f"order-paid:{order_id}:"


def order_paid_notify(*, order_id: int) -> int:
    """Confirm the order to the shopper and tell each refurbisher of its sale.

    Called in the transaction that marks the order paid, so the emails exist
    exactly when the payment does; keyed, so they are written once.
    """
    order = Order.objects.prefetch_related(
        "seller_orders__lines", "seller_orders__refurbisher__memberships__user"
    ).get(pk=order_id)
    context = {
        "order": order,
        "market": MARKETS[order.market],
        "site_url": settings.SITE_URL,
        "order_url": f"{settings.SITE_URL}/orders/access/{order.access_token}/",
    }
    sent = _send(
        gettext("ReMarket: your order %(reference)s is confirmed")
        % {"reference": order.reference},
        "order_paid_shopper",
        context,
        [order.email],
        key=order_paid_key_prefix(order.pk) + "shopper",
    )
    for seller_order in order.seller_orders.all():
        owners = [
            m.user.email
            for m in seller_order.refurbisher.memberships.all()
            if m.role == MemberRole.OWNER and m.user.email
        ]
        if owners:
            sent += _send(
                gettext("ReMarket: new order %(reference)s")
                % {"reference": order.reference},
                "seller_new_order",
                {**context, "seller_order": seller_order},
                owners,
                key=f"{order_paid_key_prefix(order.pk)}seller-order:{seller_order.pk}",
            )
    return sent


def owner_emails(refurbisher) -> list[str]:
    """The refurbisher's owners' email addresses: where seller emails go."""
    return list(
        refurbisher.memberships.filter(role=MemberRole.OWNER)
        .exclude(user__email="")
        .order_by("pk")
        .values_list("user__email", flat=True)
    )


def refund_notify(*, refund_id: int) -> int:
    """Tell the shopper money is on its way back, how much and why."""
    from orders.models import Refund

    refund = Refund.objects.select_related("order", "seller_order__refurbisher").get(
        pk=refund_id
    )
    order = refund.order
    context = {
        "order": order,
        "refund": refund,
        "market": MARKETS[order.market],
        "site_url": settings.SITE_URL,
        "order_url": f"{settings.SITE_URL}/orders/access/{order.access_token}/",
    }
    return _send(
        gettext("ReMarket: a refund on your order %(reference)s")
        % {"reference": order.reference},
        "refund_issued",
        context,
        [order.email],
        key=f"refund-issued:{refund.pk}",
    )
