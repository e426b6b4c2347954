"""Starting a checkout: reserve stock and trial sale slots, priced on the server.

Lock order (the one global order for a checkout): listing rows by pk
(``select_for_update``), then each trial seller's sale day (the conditional
UPDATE in ``sale_slot_reserve``), then the new order rows. Concurrent
checkouts for the last unit queue on the listing row; the first to commit
takes it, the others see stock 0 after the lock and are refused before any
payment starts. The stock ``CheckConstraint`` is the last guard.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from listings.models import Listing, Offer
from listings.services import catalog_version_bump, offers_refresh
from marketplace.markets import MARKETS
from marketplace.money import quantize
from orders.exceptions import CheckoutRefused
from orders.models import (
    MAX_QUANTITY_PER_LINE,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
    SellerOrder,
    StockReservation,
)
from orders.services.installation import provider_key
from refurbishers.exceptions import SaleCapReached
from refurbishers.services import sale_slot_reserve

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class CheckoutLine:
    offer_id: int
    quantity: int


@dataclass(frozen=True)
class ShippingAddress:
    name: str
    line1: str
    postal_code: str
    city: str
    country: str
    line2: str = ""
    phone: str = ""


def _reference() -> str:
    return "RM-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def _check_lines(lines: Sequence[CheckoutLine]) -> dict[int, int]:
    if not lines:
        raise CheckoutRefused("Your cart is empty.")
    quantities: dict[int, int] = {}
    for line in lines:
        if not 1 <= line.quantity <= MAX_QUANTITY_PER_LINE:
            raise CheckoutRefused(
                f"A quantity is 1 to {MAX_QUANTITY_PER_LINE}.", field="quantity"
            )
        quantities[line.offer_id] = quantities.get(line.offer_id, 0) + line.quantity
    return quantities


def _offers(quantities: dict[int, int], market: str) -> list[Offer]:
    offers = list(
        Offer.objects.filter(pk__in=quantities)
        .select_related(
            "listing", "listing__variant__device_model__brand", "refurbisher"
        )
        .order_by("pk")
    )
    if len(offers) != len(quantities):
        raise CheckoutRefused(
            "An item in your cart is no longer sold. Remove it to go on."
        )
    for offer in offers:
        if offer.market != market:
            raise CheckoutRefused(
                f"{_title(offer)} is not sold in {MARKETS[market].name}."
            )
    return offers


def _title(offer: Offer) -> str:
    model = offer.listing.variant.device_model
    return f"{model.brand.name} {model.name}"


def _lock_and_take_stock(offers: list[Offer], quantities: dict[int, int]) -> None:
    """Lock the listings in pk order, check and decrement their stock."""
    listing_ids = sorted({offer.listing_id for offer in offers})
    locked = {
        listing.pk: listing
        for listing in Listing.objects.filter(pk__in=listing_ids)
        .order_by("pk")
        .select_for_update(of=("self",))
    }
    needed: dict[int, int] = {}
    for offer in offers:
        needed[offer.listing_id] = (
            needed.get(offer.listing_id, 0) + quantities[offer.pk]
        )
    # Purchasability is read after the locks, so it reflects committed sales.
    purchasable = set(
        Offer.objects.filter(pk__in=[o.pk for o in offers], is_purchasable=True)
        .values_list("pk", flat=True)
    )  # fmt: skip
    for offer in offers:
        listing = locked[offer.listing_id]
        if listing.stock == 0:
            raise CheckoutRefused(f"{_title(offer)} has just sold out.")
        if offer.pk not in purchasable:
            raise CheckoutRefused(
                f"{_title(offer)} cannot be bought right now: its seller paused it "
                "or reached today's sales limit."
            )
        if listing.stock < needed[listing.pk]:
            raise CheckoutRefused(
                f"Only {listing.stock} of {_title(offer)} left: lower the quantity."
            )
    for listing_id, quantity in needed.items():
        Listing.objects.filter(pk=listing_id).update(stock=F("stock") - quantity)


@transaction.atomic
def checkout_start(
    *,
    lines: Sequence[CheckoutLine],
    email: str,
    address: ShippingAddress,
    market: str,
    user=None,
) -> Order:
    """Reserve everything the shopper is about to pay for and price it.

    Refuses (CheckoutRefused, nothing written) with the item and the reason
    when stock or a trial seller's sale slot cannot be had. Prices, currency
    and shipping come from the offers in the database, never from the client.
    """
    market_obj = MARKETS.get(market)
    if market_obj is None:
        raise CheckoutRefused("Choose a country to ship to.")
    if address.country != market:
        raise CheckoutRefused(
            f"We ship to {market_obj.name} from this shop: the address must be there.",
            field="country",
        )
    quantities = _check_lines(lines)
    offers = _offers(quantities, market)
    _lock_and_take_stock(offers, quantities)

    by_seller: dict[int, list[Offer]] = {}
    for offer in offers:
        by_seller.setdefault(offer.refurbisher_id, []).append(offer)
    now = timezone.now()
    hold = timedelta(minutes=settings.SALE_SLOT_HOLD_MINUTES)
    seller_totals = []
    for seller_offers in by_seller.values():
        items = sum(
            (offer.price_amount * quantities[offer.pk] for offer in seller_offers),
            Decimal(0),
        )
        # One parcel per seller: its shipping is the highest of its lines.
        shipping = max(offer.shipping_amount for offer in seller_offers)
        seller_totals.append((seller_offers, quantize(items), quantize(shipping)))
    items_amount = sum((items for _, items, _ in seller_totals), Decimal(0))
    shipping_amount = sum((ship for _, _, ship in seller_totals), Decimal(0))
    reference = _reference()
    order = Order.objects.create(
        reference=reference,
        payment_idempotency_key=provider_key("order", reference, "session"),
        access_token=secrets.token_urlsafe(32),
        user=user if user is not None and user.is_authenticated else None,
        email=email.strip().lower(),
        market=market,
        currency=market_obj.currency,
        ship_name=address.name,
        ship_line1=address.line1,
        ship_line2=address.line2,
        ship_postal_code=address.postal_code,
        ship_city=address.city,
        ship_country=address.country,
        ship_phone=address.phone,
        items_amount=items_amount,
        shipping_amount=shipping_amount,
        total_amount=items_amount + shipping_amount,
        expires_at=now + hold,
    )
    OrderStatusChange.objects.create(
        order=order, to_status=OrderStatus.PENDING_PAYMENT, reason="Checkout started"
    )
    for seller_offers, items, shipping in seller_totals:
        refurbisher = seller_offers[0].refurbisher
        seller_order = SellerOrder.objects.create(
            order=order,
            refurbisher=refurbisher,
            currency=market_obj.currency,
            items_amount=items,
            shipping_amount=shipping,
            total_amount=items + shipping,
            commission_rate=settings.PLATFORM_COMMISSION_RATE,
        )
        reference = f"order:{order.pk}:seller:{refurbisher.pk}"
        try:
            slot = sale_slot_reserve(
                refurbisher=refurbisher, reference=reference, at=now, hold=hold
            )
        except SaleCapReached as refusal:
            raise CheckoutRefused(refusal.message) from None
        if slot is not None:
            seller_order.sale_slot_reference = reference
            seller_order.save(update_fields=["sale_slot_reference"])
        for offer in seller_offers:
            listing, quantity = offer.listing, quantities[offer.pk]
            line = OrderLine.objects.create(
                seller_order=seller_order,
                listing=listing,
                offer=offer,
                title=_title(offer),
                variant_label=str(listing.variant),
                grade=offer.grade,
                battery_min_pct=offer.battery_min_pct,
                warranty_months=offer.warranty_months,
                unit_price=offer.price_amount,
                quantity=quantity,
                line_amount=offer.price_amount * quantity,
                currency=offer.currency,
            )
            StockReservation.objects.create(
                line=line, listing=listing, quantity=quantity
            )
    # Sold-out listings leave the shop at once.
    offers_refresh(listing_ids=sorted({offer.listing_id for offer in offers}))
    catalog_version_bump()
    return order
