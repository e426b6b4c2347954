"""Reads of orders for the shopper's pages, each in a fixed number of queries.

Who may see an order is decided here too (``order_visible_to``): its owner,
or whoever holds its access token (a guest's email link, kept in the session).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from orders.models import Order, OrderLine, OrderStatus, SellerOrder
from refurbishers.models import MemberRole, Membership

# Orders a shopper is shown in the list: a failed or expired checkout is not
# an order they placed.
LISTED_STATUSES = (OrderStatus.PAID, OrderStatus.PENDING_PAYMENT)


def orders_for_user(*, user) -> list[Order]:
    """The person's orders, newest first, with their seller orders: two queries."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        Order.objects.filter(user=user, status__in=LISTED_STATUSES)
        .prefetch_related(
            Prefetch(
                "seller_orders",
                queryset=SellerOrder.objects.select_related("refurbisher").order_by(
                    "pk"
                ),
            )
        )
        .order_by("-created_at", "-pk")
    )


def _detail_queryset() -> QuerySet[Order]:
    owners = Membership.objects.filter(role=MemberRole.OWNER).select_related("user")
    return Order.objects.prefetch_related(
        Prefetch(
            "seller_orders",
            queryset=SellerOrder.objects.select_related("refurbisher")
            .prefetch_related(
                Prefetch("lines", queryset=OrderLine.objects.order_by("pk")),
                Prefetch(
                    "refurbisher__memberships",
                    queryset=owners.order_by("pk"),
                    to_attr="owner_memberships",
                ),
            )
            .order_by("pk"),
        )
    )


def order_detail(*, reference: str) -> Order | None:
    """One order with its seller orders, lines and sellers' owners: four queries.

    Each seller order's refurbisher carries ``owner_memberships`` (the owners,
    whose email is the seller's contact).
    """
    return _detail_queryset().filter(reference=reference).first()


def order_for_access_token(*, token: str) -> Order | None:
    """The order a guest's email link opens, or None."""
    if not token or len(token) > 64:
        return None
    return Order.objects.filter(access_token=token).only("pk", "reference").first()


def order_visible_to(
    *, order: Order, user, granted: Iterable[int], token: str = ""
) -> bool:
    """Whether the requester may see the order.

    Its signed-in owner may; anyone whose session was granted the order (the
    browser that paid, or one that opened the email link) may; so may a
    request carrying the order's access token.
    """
    signed_in = user is not None and user.is_authenticated
    if signed_in and order.user_id is not None and order.user_id == user.pk:
        return True
    if order.pk in set(granted):
        return True
    return bool(token) and secrets.compare_digest(
        token.encode(), order.access_token.encode()
    )


def seller_contact_email(seller_order: SellerOrder) -> str:
    """The seller's contact: the email of its first owner, from the prefetch."""
    owners = getattr(seller_order.refurbisher, "owner_memberships", None) or []
    return owners[0].user.email if owners else ""
