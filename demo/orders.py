"""Demo orders: each after-sale story at the step where someone acts next.

The demo shopper buys from the demo sellers through the same services people
use (checkout, the offline payment gateway and its events, fulfilment,
cancellation, returns, claims, payouts), then each story's dates are moved
into the past so deadlines and windows look as they would in real life: a
parcel delivered 40 days ago is past its return window and paid out; a claim
filed yesterday waits for the seller's answer.

Runs once: if the demo shopper has orders already, nothing is added.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import F
from django.test.utils import override_settings

from listings.models import Offer
from orders.models import (
    ClaimProblem,
    ClaimRemedy,
    ClaimStatusChange,
    Order,
    OrderStatusChange,
    Refund,
    ReturnReason,
    ReturnRequest,
    ReturnStatusChange,
    SellerOrder,
    ShippedUnit,
    Warranty,
    WarrantyClaim,
)
from orders.payment_gateway import payment_gateway
from orders.services.checkout import CheckoutLine, ShippingAddress, checkout_start
from orders.services.checkout_session import checkout_pay
from orders.services.fulfilment import (
    seller_order_accept,
    seller_order_deliver,
    seller_order_ship,
)
from orders.services.payment_events import payment_event_receive
from quality.models import SellerReview
from refurbishers.models import MemberRole, Membership, Refurbisher

SHOPPER = "shopper@remarket.local"
# (refurbisher code in demo.catalog, owner login)
ACTIVE_SELLER = "active-seller@remarket.local"
TRIAL_SELLER = "trial-seller@remarket.local"
ADDRESS = ShippingAddress(
    name="Jordan Lee", line1="350 Fifth Avenue", line2="Apt 21B",
    postal_code="10118", city="New York, NY", country="US", phone="+1 212 555 0142",
)  # fmt: skip
SITE = "http://localhost:8000"
# Carriers and tracking numbers in each carrier's format.
UPS_TRACKING = "1Z999AA10123456784"
USPS_TRACKING = "9400111899223197428490"
RETURN_INSTRUCTIONS = (
    "Pack the device in its original box if you still have it, print the "
    "prepaid UPS label we emailed you, and drop it at any UPS Access Point "
    "within 14 days."
)


@dataclass
class Story:
    title: str
    build: Callable[[SellerOrder, object, object], None]
    days_ago: int


def _user(email: str):
    return get_user_model().objects.filter(email=email).first()


def _refurbisher_of(user) -> Refurbisher | None:
    membership = (
        Membership.objects.filter(user=user, role=MemberRole.OWNER)
        .select_related("refurbisher")
        .first()
    )
    return membership.refurbisher if membership else None


def _offers(refurbisher: Refurbisher, count: int) -> list[Offer]:
    """Purchasable US offers of the refurbisher, one per variant, phones first.

    Each with stock to spare, so the demo's sales never sell a listing out.
    """
    offers = Offer.objects.filter(
        refurbisher=refurbisher, market="US", is_purchasable=True,
        listing__stock__gte=3,
    )  # fmt: skip
    phones = list(
        offers.filter(category__slug="smartphones")
        .order_by("variant_id", "pk")
        .distinct("variant_id")[:count]
    )
    others = list(
        offers.exclude(category__slug="smartphones")
        .order_by("variant_id", "pk")
        .distinct("variant_id")[: count - len(phones)]
    )
    return phones + others


def _paid(offer: Offer, shopper) -> SellerOrder:
    order = checkout_start(
        lines=[CheckoutLine(offer.pk, 1)], email=shopper.email, address=ADDRESS,
        market="US", user=shopper,
    )  # fmt: skip
    checkout_pay(order, SITE)
    order.refresh_from_db()
    for event in payment_gateway().events_for(order.payment_session_id, "paid"):
        payment_event_receive(event)
    return order.seller_orders.get()


def _serials(seller_order: SellerOrder, index: int) -> dict[int, list[str]]:
    return {
        line.pk: [f"DMX{seller_order.pk:05d}{index:02d}{unit}"
                  for unit in range(line.quantity)]
        for line in seller_order.lines.all()
    }  # fmt: skip


def _shipped(seller_order: SellerOrder, seller, index: int) -> None:
    seller_order_accept(seller_order=seller_order, actor=seller)
    seller_order_ship(
        seller_order=seller_order, actor=seller, carrier="ups",
        tracking_number=UPS_TRACKING, serials=_serials(seller_order, index),
    )  # fmt: skip


def _delivered(seller_order: SellerOrder, seller, index: int, shopper) -> None:
    _shipped(seller_order, seller, index)
    seller_order_deliver(seller_order=seller_order, actor=shopper, by="shopper")


def _backdate(seller_order: SellerOrder, days: int) -> None:
    """Move a story's dates ``days`` into the past, keeping their order."""
    if not days:
        return
    delta = dt.timedelta(days=days)
    order_id = seller_order.order_id
    Order.objects.filter(pk=order_id).update(
        created_at=F("created_at") - delta, paid_at=F("paid_at") - delta,
        expires_at=F("expires_at") - delta,
    )  # fmt: skip
    shifted = {
        name: F(name) - delta
        for name in (
            "created_at", "paid_at", "ship_by", "accepted_at", "shipped_at",
            "seller_reported_delivered_at", "delivered_at", "cancelled_at",
            "payable_at",
        )
    }  # fmt: skip
    SellerOrder.objects.filter(pk=seller_order.pk).update(**shifted)
    OrderStatusChange.objects.filter(order_id=order_id).update(
        created_at=F("created_at") - delta
    )
    Warranty.objects.filter(line__seller_order=seller_order).update(
        starts_at=F("starts_at") - delta, ends_at=F("ends_at") - delta
    )
    ShippedUnit.objects.filter(line__seller_order=seller_order).update(
        created_at=F("created_at") - delta
    )
    claims = WarrantyClaim.objects.filter(seller_order=seller_order)
    claims.update(
        created_at=F("created_at") - delta, answer_due_at=F("answer_due_at") - delta,
        answered_at=F("answered_at") - delta, escalated_at=F("escalated_at") - delta,
    )  # fmt: skip
    ClaimStatusChange.objects.filter(claim__in=claims).update(
        created_at=F("created_at") - delta
    )
    SellerReview.objects.filter(seller_order=seller_order).update(
        created_at=F("created_at") - delta,
        editable_until=F("editable_until") - delta,
        answered_at=F("answered_at") - delta,
    )
    ReturnStatusChange.objects.filter(return_request__seller_order=seller_order).update(
        created_at=F("created_at") - delta
    )
    ReturnRequest.objects.filter(seller_order=seller_order).update(
        created_at=F("created_at") - delta,
        authorised_at=F("authorised_at") - delta,
        sent_back_at=F("sent_back_at") - delta,
    )
    Refund.objects.filter(seller_order=seller_order).update(
        created_at=F("created_at") - delta, succeeded_at=F("succeeded_at") - delta
    )


def _claim_filed(seller_order, seller, shopper, *, problem, description):
    from orders.services.claims import claim_file

    warranty = Warranty.objects.filter(line__seller_order=seller_order).first()
    return claim_file(
        warranty=warranty, problem=problem, description=description, photos=[],
        actor=shopper,
    )  # fmt: skip


def _story_to_ship(seller_order, seller, shopper) -> None:
    """Paid this morning: the seller accepts and ships it."""


def _story_in_transit(seller_order, seller, shopper) -> None:
    _shipped(seller_order, seller, 1)


def _story_reported_delivered(seller_order, seller, shopper) -> None:
    """The seller says it arrived; the shopper has not confirmed: no clock yet."""
    from orders.services.delivery import seller_order_delivery_report

    _shipped(seller_order, seller, 9)
    seller_order_delivery_report(seller_order=seller_order, actor=seller)


def _reviewed(seller_order, seller, shopper, rating, comment, answer=""):
    from quality.services.reviews import review_answer, review_write

    review = review_write(
        seller_order=seller_order, actor=shopper, rating=rating, comment=comment
    )
    if answer:
        review_answer(review=review, actor=seller, answer=answer)


def _story_delivered(seller_order, seller, shopper) -> None:
    _delivered(seller_order, seller, 2, shopper)
    _reviewed(
        seller_order, seller, shopper, 5,
        "Looks brand new, battery at 96%. Arrived in two days, well packed.",
        "Thank you Jordan, enjoy it!",
    )  # fmt: skip


def _story_claim_waiting(seller_order, seller, shopper) -> None:
    _delivered(seller_order, seller, 3, shopper)
    _claim_filed(
        seller_order, seller, shopper, problem=ClaimProblem.BATTERY,
        description="The battery drops from 60% to 0% in a few minutes since "
        "last week, even with the screen off.",
    )  # fmt: skip


def _story_claim_answered(seller_order, seller, shopper) -> None:
    from orders.services.claims import claim_answer

    _delivered(seller_order, seller, 4, shopper)
    claim = _claim_filed(
        seller_order, seller, shopper, problem=ClaimProblem.CHARGING,
        description="The phone only charges when the cable is held at an angle.",
    )  # fmt: skip
    claim_answer(
        claim=claim, actor=seller, remedy=ClaimRemedy.REPAIR,
        message="Sorry about that. We will replace the charging port: we email "
        "you a prepaid label, and the repair takes 3 business days.",
    )  # fmt: skip


def _story_claim_escalated(seller_order, seller, shopper) -> None:
    from orders.services.claims import claim_answer, claim_escalate

    _delivered(seller_order, seller, 5, shopper)
    claim = _claim_filed(
        seller_order, seller, shopper, problem=ClaimProblem.SCREEN,
        description="A green line appeared down the middle of the screen. The "
        "phone was never dropped and has always been in a case.",
    )  # fmt: skip
    claim_answer(
        claim=claim, actor=seller, remedy=ClaimRemedy.DECLINE,
        message="A line on the screen usually comes from a drop, which the "
        "warranty does not cover.",
    )  # fmt: skip
    claim_escalate(
        claim=claim, actor=shopper,
        reason="It was never dropped: there is not a mark on it. Please look "
        "at the photos of the frame.",
    )  # fmt: skip


def _story_return_requested(seller_order, seller, shopper) -> None:
    from orders.services.returns import return_request

    _delivered(seller_order, seller, 6, shopper)
    return_request(
        line=seller_order.lines.first(), reason=ReturnReason.CHANGED_MIND,
        details="I prefer a bigger screen after all.", actor=shopper,
    )  # fmt: skip


def _story_return_on_its_way(seller_order, seller, shopper) -> None:
    from orders.services.returns import (
        return_authorise,
        return_mark_sent_back,
        return_request,
    )

    _delivered(seller_order, seller, 7, shopper)
    return_request_ = return_request(
        line=seller_order.lines.first(), reason=ReturnReason.NOT_AS_DESCRIBED,
        details="Sold as Excellent, but the back glass has two deep scratches.",
        actor=shopper,
    )  # fmt: skip
    return_authorise(
        return_request=return_request_, actor=seller, instructions=RETURN_INSTRUCTIONS
    )
    return_mark_sent_back(
        return_request=return_request_, actor=shopper, carrier="USPS",
        tracking_number=USPS_TRACKING,
    )  # fmt: skip


def _story_cancelled(seller_order, seller, shopper) -> None:
    from orders.services.cancellation import seller_order_cancel_by_shopper

    seller_order_cancel_by_shopper(
        seller_order=seller_order, actor=shopper,
        reason="Ordered the wrong colour by mistake.",
    )  # fmt: skip


def _story_paid_out(seller_order, seller, shopper) -> None:
    _delivered(seller_order, seller, 8, shopper)
    _reviewed(
        seller_order, seller, shopper, 4,
        "Works perfectly. A tiny scuff on the frame, as the grade said.",
    )  # fmt: skip


# Oldest first: the payout run at the end pays what is past its return window.
ACTIVE_STORIES = [
    Story("paid out", _story_paid_out, 45),
    Story("paid out", _story_paid_out, 38),
    Story("delivered, in warranty", _story_delivered, 20),
    Story("claim escalated to ReMarket", _story_claim_escalated, 9),
    Story("claim answered", _story_claim_answered, 6),
    Story("return on its way back", _story_return_on_its_way, 8),
    Story("return requested", _story_return_requested, 4),
    Story("claim waiting for the seller", _story_claim_waiting, 1),
    Story("cancelled by the shopper", _story_cancelled, 2),
    Story("reported delivered by the seller", _story_reported_delivered, 3),
    Story("in transit", _story_in_transit, 2),
    Story("to ship", _story_to_ship, 0),
]
TRIAL_STORIES = [
    Story("delivered", _story_delivered, 5),
    Story("to ship", _story_to_ship, 0),
]


@override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
def demo_orders_seed() -> int:
    """Create the demo orders once; return how many seller orders were made.

    No emails go out: these are past events of made-up people.
    """
    from orders.services.payouts import payouts_run

    shopper = _user(SHOPPER)
    if shopper is None or Order.objects.filter(user=shopper).exists():
        return 0
    made = 0
    for seller_email, stories in (
        (ACTIVE_SELLER, ACTIVE_STORIES),
        (TRIAL_SELLER, TRIAL_STORIES),
    ):
        seller = _user(seller_email)
        refurbisher = _refurbisher_of(seller) if seller else None
        if refurbisher is None:
            continue
        offers = _offers(refurbisher, len(stories))
        for story, offer in zip(stories, offers, strict=False):
            seller_order = _paid(offer, shopper)
            story.build(seller_order, seller, shopper)
            _backdate(seller_order, story.days_ago)
            made += 1
    payouts_run()
    return made
