"""The cart as the shopper sees it: lines re-checked, grouped by seller, totals.

Every view of the cart re-checks each line against the offer as it is now
(price, stock, the seller's status and trial cap, the shopper's market), so
the cart says plainly what changed and counts only what can be bought. The
lead's checkout reads the same ``cart_view``, so the cart and checkout agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils.translation import gettext

from listings.models import Grade, Offer
from marketplace.markets import MARKETS, Market
from marketplace.money import format_money
from orders.models import MAX_QUANTITY_PER_LINE, Cart, CartLine
from refurbishers.models import SELLING_STATUSES, RefurbisherStatus, SaleDay
from refurbishers.services.sales import local_date

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

ZERO = Decimal("0.00")


@dataclass
class CartLineView:
    line: CartLine
    offer: Offer
    title: str
    variant_label: str
    grade: str
    grade_label: str
    url: str
    image_kind: str
    image_colour: str
    seller_name: str
    warranty_months: int
    battery_min_pct: int
    price: Decimal
    currency: str
    # What the shopper buys: the line's quantity, lowered to the stock left.
    quantity: int
    max_quantity: int
    line_total: Decimal
    shipping: Decimal
    buyable: bool
    notices: list[str] = field(default_factory=list)
    price_changed: bool = False
    price_before: Decimal | None = None
    quantity_lowered: bool = False
    # The same listing's offer in the shopper's market, after a market change.
    alternative: Offer | None = None

    @property
    def line_id(self) -> int:
        return self.line.pk


@dataclass
class SellerGroup:
    refurbisher_id: int
    name: str
    on_trial: bool
    lines: list[CartLineView]
    subtotal: Decimal = ZERO
    shipping: Decimal = ZERO
    buyable_count: int = 0

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping


@dataclass
class CartView:
    market: Market
    currency: str
    sellers: list[SellerGroup]
    all_lines: list[CartLineView]
    subtotal: Decimal
    shipping: Decimal
    total: Decimal
    # Items (sum of quantities) in every line, and in the lines that can be bought.
    item_count: int
    buyable_item_count: int

    @property
    def can_checkout(self) -> bool:
        return self.buyable_item_count > 0

    @property
    def has_notices(self) -> bool:
        return any(line.notices for line in self.all_lines)

    @property
    def is_empty(self) -> bool:
        return not self.all_lines


def cart_find(*, user: AbstractBaseUser | None, session_key: str | None) -> Cart | None:
    """The shopper's cart if they have one: the signed-in ``user``'s, else the
    one of the browser session ``session_key``; never creates it (pages read this).
    """
    if user is not None:
        return Cart.objects.filter(user=user).first()
    if not session_key:
        return None
    return Cart.objects.filter(session_key=session_key).first()


def cart_items_total(*, cart: Cart | None) -> int:
    """The items in a cart (the sum of its lines' quantities), in one query."""
    if cart is None or cart.pk is None:
        return 0
    total = CartLine.objects.filter(cart=cart).aggregate(n=Sum("quantity"))
    return total["n"] or 0


def _caps_reached(offers: list[Offer]) -> set[int]:
    """Trial refurbishers whose sales today (held or paid) fill their cap.

    One query for every trial seller in the cart: each has its own "today",
    in its own time zone.
    """
    today = {}
    for offer in offers:
        seller = offer.refurbisher
        if seller.status == RefurbisherStatus.TRIAL and seller.pk not in today:
            today[seller.pk] = local_date(seller)
    if not today:
        return set()
    condition = Q()
    for seller_id, day in today.items():
        condition |= Q(refurbisher_id=seller_id, local_date=day)
    return {
        day.refurbisher_id
        for day in SaleDay.objects.filter(condition).only(
            "refurbisher_id", "cap", "reserved", "confirmed"
        )
        if day.reserved + day.confirmed >= day.cap
    }


def _alternatives(lines: list[CartLine], market: Market) -> dict[int, Offer]:
    """The same listings' purchasable offers in the shopper's market, by listing."""
    listing_ids = {line.offer.listing_id for line in lines}
    if not listing_ids:
        return {}
    return {
        offer.listing_id: offer
        for offer in Offer.objects.filter(
            listing_id__in=listing_ids, market=market.code, is_purchasable=True
        ).select_related("listing")
    }


def _money(amount: Decimal, currency: str, market: Market) -> str:
    return format_money(amount, currency, market)


def _line_view(
    line: CartLine,
    market: Market,
    capped: set[int],
    alternatives: dict[int, Offer],
) -> CartLineView:
    offer = line.offer
    listing, seller = offer.listing, offer.refurbisher
    stock = max(listing.stock, 0)
    max_quantity = min(stock, MAX_QUANTITY_PER_LINE)
    notices: list[str] = []
    buyable = True
    price_changed = quantity_lowered = False
    alternative = None
    quantity = line.quantity
    name = f"{offer.brand.name} {offer.device_model.name}"

    if offer.market != market.code:
        buyable = False
        line_market = MARKETS.get(offer.market)
        values = {
            "market": market.name,
            "added_in": line_market.name if line_market else "",
        }
        alternative = alternatives.get(offer.listing_id)
        # One whole sentence per case (the market it was added in known or not).
        if alternative is not None:
            values["price"] = _money(
                alternative.price_amount, alternative.currency, market
            )
            notices.append(
                (
                    gettext(
                        "Not sold in %(market)s at this price (you added it in "
                        "%(added_in)s). The same item is sold in %(market)s at "
                        "%(price)s."
                    )
                    if line_market
                    else gettext(
                        "Not sold in %(market)s at this price. The same item is "
                        "sold in %(market)s at %(price)s."
                    )
                )
                % values
            )
        else:
            notices.append(
                (
                    gettext(
                        "Not sold in %(market)s (you added it in %(added_in)s): "
                        "remove it, or switch back to that market to buy it."
                    )
                    if line_market
                    else gettext(
                        "Not sold in %(market)s: remove it, or switch back to that "
                        "market to buy it."
                    )
                )
                % values
            )
    elif seller.status not in SELLING_STATUSES:
        buyable = False
        notices.append(
            gettext("%(seller)s is not selling on ReMarket at the moment.")
            % {"seller": seller.name}
        )
    elif seller.pk in capped:
        buyable = False
        notices.append(
            gettext(
                "%(seller)s is a new seller on ReMarket and has reached today's "
                "limit of %(cap)s sales. Choose another offer, or come back "
                "tomorrow."
            )
            % {"seller": seller.name, "cap": seller.daily_sales_cap}
        )
    elif stock == 0:
        buyable = False
        notices.append(
            gettext("Sold out: %(seller)s has none left.") % {"seller": seller.name}
        )
    elif not offer.is_purchasable:
        buyable = False
        notices.append(gettext("No longer on sale: choose another offer."))
    else:
        if quantity > stock:
            notices.append(
                gettext(
                    "Only %(stock)s left: we lowered the quantity from "
                    "%(quantity)s to %(stock)s."
                )
                % {"stock": stock, "quantity": quantity}
            )
            quantity, quantity_lowered = stock, True
        if line.price_seen != offer.price_amount:
            price_changed = True
            notices.append(
                gettext("Price changed since you added it: %(before)s → %(now)s.")
                % {
                    "before": _money(line.price_seen, line.currency, market),
                    "now": _money(offer.price_amount, offer.currency, market),
                }
            )

    return CartLineView(
        line=line,
        offer=offer,
        title=name,
        variant_label=str(offer.variant),
        grade=offer.grade,
        grade_label=Grade(offer.grade).label,
        url=(
            reverse("device", args=[offer.device_model.slug])
            + f"?variant={offer.variant_id}&grade={offer.grade}"
        ),
        image_kind=offer.category.kind,
        image_colour=offer.variant.colour_hex,
        seller_name=seller.name,
        warranty_months=offer.warranty_months,
        battery_min_pct=offer.battery_min_pct,
        price=offer.price_amount,
        currency=offer.currency,
        quantity=quantity,
        max_quantity=max_quantity,
        line_total=offer.price_amount * quantity,
        shipping=offer.shipping_amount,
        buyable=buyable,
        notices=notices,
        price_changed=price_changed,
        price_before=line.price_seen if price_changed else None,
        quantity_lowered=quantity_lowered,
        alternative=alternative,
    )


def cart_view(*, cart: Cart | None, market: Market) -> CartView:
    """The cart re-checked now, grouped by seller, in at most three queries.

    One query reads the lines with their offers, listings, sellers and catalog
    names; one reads today's sale days of the trial sellers in the cart; one
    reads the same listings' offers in the shopper's market when a line was
    added in another market. The count does not grow with the lines.
    """
    lines: list[CartLine] = []
    if cart is not None and cart.pk is not None:
        lines = list(
            CartLine.objects.filter(cart=cart)
            .select_related(
                "offer__listing",
                "offer__refurbisher",
                "offer__variant",
                "offer__device_model",
                "offer__brand",
                "offer__category",
            )
            .order_by("added_at", "pk")
        )
    offers = [line.offer for line in lines]
    capped = _caps_reached(offers)
    alternatives = _alternatives(
        [line for line in lines if line.offer.market != market.code], market
    )

    groups: dict[int, SellerGroup] = {}
    views = []
    for line in lines:
        view = _line_view(line, market, capped, alternatives)
        views.append(view)
        seller = line.offer.refurbisher
        group = groups.get(seller.pk)
        if group is None:
            group = groups[seller.pk] = SellerGroup(
                refurbisher_id=seller.pk,
                name=seller.name,
                on_trial=seller.status == RefurbisherStatus.TRIAL,
                lines=[],
            )
        group.lines.append(view)
        if view.buyable:
            group.subtotal += view.line_total
            group.buyable_count += view.quantity
            # A seller sends everything it sells in one order as one parcel,
            # so the shopper pays shipping once per seller: the highest
            # shipping among the lines bought from it (the dearest item to
            # send sets the parcel's cost), not one charge per line or unit.
            group.shipping = max(group.shipping, view.shipping)

    sellers = list(groups.values())
    subtotal = sum((g.subtotal for g in sellers), ZERO)
    shipping = sum((g.shipping for g in sellers), ZERO)
    return CartView(
        market=market,
        currency=market.currency,
        sellers=sellers,
        all_lines=views,
        subtotal=subtotal,
        shipping=shipping,
        total=subtotal + shipping,
        item_count=sum(line.quantity for line in lines),
        buyable_item_count=sum(v.quantity for v in views if v.buyable),
    )
