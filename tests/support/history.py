"""Seller histories written as rows with past dates, for the quality tests.

The services that make such rows are tested in tests/orders; these rows stand
for what they left behind, so the metrics' SQL can be checked by hand.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
from decimal import Decimal

from django.utils import timezone

from orders.models import (
    Carrier,
    ClaimStatus,
    Message,
    Order,
    OrderLine,
    ReturnRequest,
    SellerOrder,
    SellerOrderStatus,
    ShippedUnit,
    Warranty,
    WarrantyClaim,
)
from quality.models import SellerReview
from refurbishers.models import Refurbisher
from tests.support.factories import make_listing

S = SellerOrderStatus
_numbers = itertools.count(1)


def ago(days: float = 0, hours: float = 0) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days, hours=hours)


class History:
    """Seller orders and what followed them, written with past dates."""

    def __init__(self, refurbisher: Refurbisher):
        self.refurbisher = refurbisher
        self.listing = make_listing(refurbisher=refurbisher, prices={"FR": "400"})

    def sale(
        self,
        *,
        paid: float,
        status: str = S.DELIVERED,
        ship_within: float | None = 10,
        late: bool = False,
        carrier: str = Carrier.COLISSIMO,
        tracking: str = "6A12345678901",
        cancelled_by_seller: bool = False,
    ) -> SellerOrder:
        """A seller order paid ``paid`` days ago, due 48 hours later, shipped
        ``ship_within`` hours after payment (None: not shipped)."""
        number = next(_numbers)
        paid_at = ago(paid)
        order = Order.objects.create(
            reference=f"RM-T{number:06d}", access_token=secrets.token_hex(16),
            email="camille@example.com", market="FR", currency="EUR",
            ship_name="Camille Martin", ship_line1="8 rue Oberkampf",
            ship_postal_code="75011", ship_city="Paris", ship_country="FR",
            items_amount=Decimal("400"), shipping_amount=Decimal("0"),
            total_amount=Decimal("400"), status="paid", expires_at=paid_at,
            paid_at=paid_at if status != S.VOID else None,
        )  # fmt: skip
        shipped_at = (
            paid_at + dt.timedelta(hours=ship_within)
            if ship_within is not None
            else None
        )
        seller_order = SellerOrder.objects.create(
            order=order, refurbisher=self.refurbisher, status=status,
            currency="EUR", items_amount=Decimal("400"),
            shipping_amount=Decimal("0"), total_amount=Decimal("400"),
            commission_rate=Decimal("0.1"),
            paid_at=paid_at if status != S.VOID else None,
            ship_by=paid_at + dt.timedelta(hours=48), late_shipment=late,
            shipped_at=shipped_at, carrier=carrier if shipped_at else "",
            tracking_number=tracking if shipped_at else "",
            cancelled_at=paid_at + dt.timedelta(hours=5)
            if status == S.CANCELLED else None,
            cancelled_by_seller=cancelled_by_seller,
        )  # fmt: skip
        seller_order.line = OrderLine.objects.create(
            seller_order=seller_order, listing=self.listing, title="iPhone 13",
            variant_label="128 GB", grade="A", battery_min_pct=85,
            warranty_months=12, unit_price=Decimal("400"), quantity=1,
            line_amount=Decimal("400"), currency="EUR",
        )  # fmt: skip
        return seller_order

    def fault_return(self, so, *, at_fault=True, status="requested", days=5):
        created = ReturnRequest.objects.create(
            seller_order=so, line=so.line, reason="defective",
            seller_at_fault=at_fault, status=status,
        )  # fmt: skip
        ReturnRequest.objects.filter(pk=created.pk).update(created_at=ago(days))

    def claim(self, so, *, filed: float, settled_after: float | None, qa=False):
        """A claim filed ``filed`` days ago, settled ``settled_after`` hours later."""
        unit = ShippedUnit.objects.create(line=so.line, serial=f"SN{so.pk:08d}")
        start = ago(filed + 30)
        warranty = Warranty.objects.create(
            unit=unit, line=so.line, months=12, starts_at=start,
            ends_at=start + dt.timedelta(days=365),
            certificate_token=secrets.token_hex(16),
        )  # fmt: skip
        filed_at = ago(filed)
        settled = (
            filed_at + dt.timedelta(hours=settled_after) if settled_after else None
        )
        status = ClaimStatus.OPEN
        if settled:
            status = ClaimStatus.RESOLVED if qa else ClaimStatus.ACCEPTED
        claim = WarrantyClaim.objects.create(
            warranty=warranty, seller_order=so, refurbisher=self.refurbisher,
            problem="battery", description="Drains fast.", status=status,
            answer_due_at=filed_at + dt.timedelta(days=2),
            accepted_at=settled if settled and not qa else None,
            decided_at=settled if settled and qa else None,
        )  # fmt: skip
        WarrantyClaim.objects.filter(pk=claim.pk).update(created_at=filed_at)

    def review(self, so, rating: int, *, hidden=False, days=3):
        review = SellerReview.objects.create(
            seller_order=so, refurbisher=self.refurbisher, author_name="Camille M.",
            rating=rating, editable_until=ago(-30), hidden=hidden,
        )  # fmt: skip
        SellerReview.objects.filter(pk=review.pk).update(created_at=ago(days))

    def message(self, so, *, sent: dt.datetime, answered: dt.datetime | None):
        message = Message.objects.create(
            seller_order=so, author="shopper", body="Hello?", answered_at=answered
        )
        Message.objects.filter(pk=message.pk).update(created_at=sent)
