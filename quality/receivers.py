"""What quality does when the apps below it report something or ask it.

``connect`` is called once, in ``QualityConfig.ready``. Each event is
documented where it is declared (``listings.events``, ``orders.events``,
``refurbishers.events``) and listed in the README's "Events between apps".
"""

from __future__ import annotations

from listings.events import offers_changed
from orders.events import seller_order_paid
from orders.models import SellerOrder
from quality.selectors import trial_sales_all_passed
from quality.services.ranking import rank_recompute_soon
from quality.services.trial_reviews import trial_review_open
from refurbishers.events import trial_graduation_check_register


def rank_recompute_on_offers_changed(sender, **kwargs) -> None:
    """Ask for a rank recompute after the commit: an offer's facts or price moved."""
    rank_recompute_soon()


def trial_review_open_on_paid(
    sender, *, seller_order: SellerOrder, trial_sale: bool, **kwargs
) -> None:
    """Open QA's review of a trial sale, in the payment's transaction."""
    if trial_sale:
        trial_review_open(seller_order=seller_order)


def connect() -> None:
    """Connect quality's receivers and register its trial graduation check."""
    offers_changed.connect(
        rank_recompute_on_offers_changed,
        dispatch_uid="quality.rank_recompute_on_offers_changed",
    )
    seller_order_paid.connect(
        trial_review_open_on_paid, dispatch_uid="quality.trial_review_open_on_paid"
    )
    # Every trial sale reviewed by QA and passed.
    trial_graduation_check_register(trial_sales_all_passed)
