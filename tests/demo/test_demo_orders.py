"""The demo's orders: every after-sale story, made through the services, once."""

from __future__ import annotations

import pytest

from demo.orders import ACTIVE_STORIES, SHOPPER, TRIAL_STORIES
from demo.seed import demo_seed
from orders.models import (
    ClaimStatus,
    Order,
    Payout,
    PayoutStatus,
    RefundStatus,
    ReturnStatus,
    SellerOrder,
    SellerOrderStatus,
    WarrantyClaim,
)
from quality.models import SellerReview, TrialSaleReview

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_demo_tells_each_story_at_the_step_someone_acts_next():
    report = demo_seed(listings=600)

    assert report.seller_orders_created == len(ACTIVE_STORIES) + len(TRIAL_STORIES)
    mine = SellerOrder.objects.filter(order__user__email=SHOPPER)
    statuses = sorted(mine.values_list("status", flat=True))
    assert statuses.count(SellerOrderStatus.DELIVERED) == 9
    assert {SellerOrderStatus.PAID, SellerOrderStatus.SHIPPED} <= set(statuses)
    cancelled = mine.get(status=SellerOrderStatus.CANCELLED)
    assert cancelled.refunds.get().status == RefundStatus.SUCCEEDED
    claims = set(WarrantyClaim.objects.values_list("status", flat=True))
    assert claims == {ClaimStatus.OPEN, ClaimStatus.ANSWERED, ClaimStatus.ESCALATED}
    # The claim waiting for the seller is not overdue the moment the demo starts.
    waiting = WarrantyClaim.objects.get(status=ClaimStatus.OPEN)
    assert waiting.answer_due_at > waiting.created_at
    from orders.models import ReturnRequest

    assert set(ReturnRequest.objects.values_list("status", flat=True)) == {
        ReturnStatus.REQUESTED,
        ReturnStatus.SENT_BACK,
    }
    # The two deliveries past their return window were paid out (a test payout).
    payout = Payout.objects.get()
    assert payout.status == PayoutStatus.PAID and payout.lines.count() == 2
    assert SellerReview.objects.count() == 4  # two paid out, two delivered
    assert TrialSaleReview.objects.count() == len(TRIAL_STORIES)
    # Past dates: the oldest story was paid about 45 days ago.
    oldest = Order.objects.order_by("paid_at").first()
    assert (cancelled.order.paid_at - oldest.paid_at).days >= 40


def test_a_second_seed_adds_no_orders():
    demo_seed(listings=600)
    orders = Order.objects.count()

    report = demo_seed(listings=600)

    assert report.seller_orders_created == 0
    assert Order.objects.count() == orders
