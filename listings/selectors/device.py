"""The device page: a model's variants and every offer in the market, by grade."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.http import Http404
from django.utils.translation import get_language, gettext

from listings.models import (
    GRADE_DEFINITIONS,
    GRADE_ORDER,
    Category,
    DeviceModel,
    Grade,
    Offer,
    Variant,
    VariantNewPrice,
)
from listings.rank_weights import Weights
from listings.services import catalog_version
from marketplace.markets import MARKETS, Market
from marketplace.money import quantize, saving_percent

HIGHLY_RATED = Decimal("4.5")
# A part this strong is worth saying when an offer has no rival in its grade.
STRONG_PART = 0.75
WHY_MAX_REASONS = 3


@dataclass
class OfferLine:
    offer_id: int
    listing_id: int
    price: Decimal
    currency: str
    shipping: Decimal
    saving_pct: int | None
    saving_amount: Decimal | None
    grade: str
    grade_label: str
    battery_min_pct: int
    warranty_months: int
    ships_from: str
    ships_from_name: str
    dispatch_days: int
    stock: int
    seller_name: str
    seller_slug: str
    seller_rating: Decimal | None
    seller_rating_count: int
    seller_on_trial: bool
    rank_score: float
    # The ranking's parts (0 to 1), None until the offer was first ranked.
    score_device: float | None = None
    score_seller: float | None = None
    score_service: float | None = None
    score_price: float | None = None
    why_featured: str = ""


@dataclass
class GradeCard:
    code: str
    label: str
    definition: str
    from_price: Decimal | None
    offer_count: int
    selected: bool
    featured: OfferLine | None = None
    others: list[OfferLine] = field(default_factory=list)


@dataclass
class OptionChoice:
    label: str
    variant_id: int
    selected: bool
    available: bool


@dataclass
class OptionGroup:
    label: str
    choices: list[OptionChoice]


@dataclass
class VariantChoice:
    variant: Variant
    label: str
    available: bool
    from_price: Decimal | None


@dataclass
class DevicePage:
    device_model: DeviceModel
    variants: list[VariantChoice]
    selected_variant: Variant | None
    option_groups: list[OptionGroup]
    grades: list[GradeCard]
    selected_grade: str | None
    featured: OfferLine | None
    others: list[OfferLine]
    new_price: Decimal | None
    currency: str
    specs: dict
    has_offers: bool


def device_model_get(*, slug: str) -> DeviceModel:
    """The device model with its brand and category, or 404."""
    try:
        return DeviceModel.objects.select_related("brand", "category").get(slug=slug)
    except DeviceModel.DoesNotExist:
        raise Http404("No such device.") from None


def _storage_label(gb: int | None) -> str:
    if not gb:
        return ""
    return f"{gb // 1024} TB" if gb >= 1024 and gb % 1024 == 0 else f"{gb} GB"


def _pick_variant(
    variants: list[Variant], best_price: dict[int, Decimal], wanted: int | None
) -> Variant | None:
    by_id = {v.pk: v for v in variants}
    if wanted in by_id:
        return by_id[wanted]
    available = [v for v in variants if v.pk in best_price]
    if available:
        return min(available, key=lambda v: (best_price[v.pk], v.pk))
    return variants[0] if variants else None


def _option_groups(variants: list[Variant], selected: Variant, available: set[int]):
    """Chips per option (storage, colour, connectivity) that keep the other options.

    Each chip links to the variant that changes only that option when one
    exists, else to the closest available variant with that option.
    """
    options = [
        (gettext("Storage"), "storage_gb", _storage_label),
        (gettext("Colour"), "colour", str),
        (gettext("Connectivity"), "connectivity", lambda c: str(dict(
            Variant._meta.get_field("connectivity").choices).get(c, c))),
    ]  # fmt: skip
    groups = []
    for label, attr, show in options:
        values = list(dict.fromkeys(getattr(v, attr) for v in variants))
        if len(values) < 2:
            continue
        choices = []
        for value in values:
            candidates = [v for v in variants if getattr(v, attr) == value]

            def closeness(v, attr=attr):
                same = sum(
                    getattr(v, other) == getattr(selected, other)
                    for _, other, _ in options
                    if other != attr
                )
                return (-same, v.pk not in available, v.pk)

            target = min(candidates, key=closeness)
            choices.append(
                OptionChoice(
                    label=show(value),
                    variant_id=target.pk,
                    selected=getattr(selected, attr) == value,
                    available=any(v.pk in available for v in candidates),
                )
            )
        groups.append(OptionGroup(label, choices))
    return groups


def _offer_line(offer: Offer, new_price: Decimal | None) -> OfferLine:
    listing, seller = offer.listing, offer.refurbisher
    saving_pct = saving_percent(offer.price_amount, new_price)
    return OfferLine(
        offer_id=offer.pk,
        listing_id=offer.listing_id,
        price=offer.price_amount,
        currency=offer.currency,
        shipping=offer.shipping_amount,
        saving_pct=saving_pct,
        saving_amount=quantize(new_price - offer.price_amount) if saving_pct else None,
        grade=offer.grade,
        grade_label=Grade(offer.grade).label,
        battery_min_pct=offer.battery_min_pct,
        warranty_months=offer.warranty_months,
        ships_from=listing.ships_from,
        ships_from_name=MARKETS[listing.ships_from].name,
        dispatch_days=listing.dispatch_days,
        stock=listing.stock,
        seller_name=seller.name,
        seller_slug=seller.slug,
        seller_rating=seller.rating_average,
        seller_rating_count=seller.rating_count,
        seller_on_trial=seller.status == "trial",
        rank_score=offer.rank_score,
        score_device=offer.score_device,
        score_seller=offer.score_seller,
        score_service=offer.score_service,
        score_price=offer.score_price,
    )


def _warranty_words(line: OfferLine) -> str:
    return gettext("%(months)s-month warranty") % {"months": line.warranty_months}


def _battery_words(line: OfferLine) -> str:
    return gettext("battery %(pct)s%%+") % {"pct": line.battery_min_pct}


def _sentence(reasons: list[str]) -> str:
    text = ", ".join(reasons)
    return text[0].upper() + text[1:]


def _part_words(
    part: str, line: OfferLine, others: list[OfferLine], market: Market
) -> list[str]:
    """What a strong part of the offer's score means, in a shopper's words."""
    if part == "seller":
        if line.seller_rating is not None and line.seller_rating >= HIGHLY_RATED:
            best = all(
                other.seller_rating is None or line.seller_rating >= other.seller_rating
                for other in others
            )
            rating = f"{line.seller_rating:.1f}"
            if others and best:
                return [
                    gettext("highest-rated seller (%(rating)s/5)") % {"rating": rating}
                ]
            return [gettext("highly rated seller (%(rating)s/5)") % {"rating": rating}]
        return [gettext("reliable seller: few returns, claims or late parcels")]
    if part == "service":
        return [gettext("fast customer service")]
    if part == "device":
        words = []
        if line.warranty_months > market.warranty_min_months:
            words.append(_warranty_words(line))
        if line.battery_min_pct >= 90:
            words.append(_battery_words(line))
        return words
    total = line.price + line.shipping
    if all(total <= other.price + other.shipping for other in others):
        return [gettext("lowest price in this condition")]
    return [gettext("good price for what you get")]


def _why_featured(line: OfferLine, others: list[OfferLine], market: Market) -> str:
    """One line a shopper can read on why this offer comes first.

    From the stored parts of its rank score: the parts that put it ahead of
    the other offers of its grade (in points of the score), largest first; an
    offer alone in its grade names its strong parts.
    """
    if line.score_device is None:
        return _why_featured_unranked(line, others, market)
    weights = Weights.from_settings()
    advantages = []
    for part in ("seller", "device", "service", "price"):
        mine = getattr(line, f"score_{part}")
        if others:
            rival = max((getattr(o, f"score_{part}") or 0.0) for o in others)
            advantage = weights.points(part) * (mine - rival)
        elif part == "price":
            advantage = 0.0  # alone in its grade: "lowest price" would mislead
        else:
            advantage = weights.points(part) * mine if mine >= STRONG_PART else 0.0
        if advantage > 0.005:
            advantages.append((advantage, part))
    reasons: list[str] = []
    for _, part in sorted(advantages, reverse=True):
        reasons.extend(_part_words(part, line, others, market))
    if not reasons:
        reasons.append(gettext("best balance of condition, service and price"))
    return _sentence(reasons[:WHY_MAX_REASONS])


def _why_featured_unranked(
    line: OfferLine, others: list[OfferLine], market: Market
) -> str:
    """Before the first ranking: the offer's facts that a shopper values."""
    reasons = []
    if line.seller_rating is not None and line.seller_rating >= HIGHLY_RATED:
        reasons.append(
            gettext("highly rated seller (%(rating)s/5)")
            % {"rating": f"{line.seller_rating:.1f}"}
        )
    if line.warranty_months > market.warranty_min_months:
        reasons.append(_warranty_words(line))
    if line.battery_min_pct >= 90:
        reasons.append(_battery_words(line))
    if all(line.price <= other.price for other in others):
        reasons.append(gettext("lowest price in this condition"))
    if not reasons:
        reasons.append(gettext("best balance of condition, service and price"))
    return _sentence(reasons)


def device_page(
    *,
    device_model: DeviceModel,
    market: Market,
    variant_id: int | None = None,
    grade: str | None = None,
) -> DevicePage:
    """Everything the device page shows (cached per catalog version)."""
    key = (
        f"device:{catalog_version()}:{get_language()}:{market.code}:{device_model.pk}:"
        f"{variant_id or ''}:{grade or ''}"
    )
    page = cache.get(key)
    if page is None:
        page = _device_page(device_model, market, variant_id, grade)
        cache.set(key, page, timeout=settings.SEARCH_CACHE_SECONDS)
    return page


def _device_page(
    device_model: DeviceModel,
    market: Market,
    variant_id: int | None,
    grade: str | None,
) -> DevicePage:
    """Everything the device page shows, in four queries whatever the offer count."""
    variants = list(device_model.variants.all())
    stats = (
        Offer.objects.filter(
            market=market.code, is_purchasable=True, device_model=device_model
        )
        .values("variant_id", "grade")
        .annotate(from_price=Min("price_amount"), count=Count("id"))
    )
    best_price: dict[int, Decimal] = {}
    per_grade: dict[tuple[int, str], tuple[Decimal, int]] = {}
    for row in stats:
        key = row["variant_id"]
        best_price[key] = min(best_price.get(key, row["from_price"]), row["from_price"])
        per_grade[(key, row["grade"])] = (row["from_price"], row["count"])

    selected = _pick_variant(variants, best_price, variant_id)
    offers: list[Offer] = []
    new_price = None
    if selected is not None:
        offers = list(
            Offer.objects.filter(
                market=market.code, is_purchasable=True, variant=selected
            )
            .select_related("listing", "refurbisher")
            .order_by("grade", "-rank_score", "price_amount", "pk")
        )
        new_price = (
            VariantNewPrice.objects.filter(variant=selected, market=market.code)
            .values_list("amount", flat=True)
            .first()
        )

    lines_by_grade: dict[str, list[OfferLine]] = {code: [] for code in GRADE_ORDER}
    for offer in offers:
        lines_by_grade[offer.grade].append(_offer_line(offer, new_price))

    if grade not in lines_by_grade or not lines_by_grade[grade]:
        # Default to the grade of the best-ranked offer of this variant.
        ranked = [line for lines in lines_by_grade.values() for line in lines[:1]]
        best = max(
            ranked, key=lambda line: (line.rank_score, -line.price), default=None
        )
        grade = best.grade if best else (grade if grade in Grade.values else None)

    cards = []
    for code in GRADE_ORDER:
        lines = lines_by_grade[code]
        featured = lines[0] if lines else None
        if featured:
            featured.why_featured = _why_featured(featured, lines[1:], market)
        price, count = (
            per_grade.get((selected.pk, code), (None, 0)) if selected else (None, 0)
        )
        cards.append(
            GradeCard(
                code=code,
                label=Grade(code).label,
                definition=GRADE_DEFINITIONS[code],
                from_price=price,
                offer_count=count,
                selected=code == grade,
                featured=featured,
                others=lines[1:],
            )
        )
    chosen = next((card for card in cards if card.selected), None)
    available = set(best_price)
    variant_choices = [
        VariantChoice(v, str(v), v.pk in available, best_price.get(v.pk))
        for v in variants
    ]
    return DevicePage(
        device_model=device_model,
        variants=variant_choices,
        selected_variant=selected,
        option_groups=_option_groups(variants, selected, available) if selected else [],
        grades=cards,
        selected_grade=grade,
        featured=chosen.featured if chosen else None,
        others=chosen.others if chosen else [],
        new_price=new_price,
        currency=market.currency,
        specs=device_model.specs,
        has_offers=bool(best_price),
    )


def category_get(*, slug: str) -> Category:
    """The category of a slug, or 404."""
    try:
        return Category.objects.get(slug=slug)
    except Category.DoesNotExist:
        raise Http404("No such category.") from None


def device_model_suggestions(*, text: str, market: Market, limit: int = 8) -> list:
    """Device models sold in the market whose brand or name contain every word."""
    words = text.split()[:6]
    if not words or len(text) < 2:
        return []
    condition = Q()
    for word in words:
        condition &= Q(name__icontains=word) | Q(brand__name__icontains=word)
    sold_here = Offer.objects.filter(
        market=market.code, is_purchasable=True, device_model=OuterRef("pk")
    )
    return list(
        DeviceModel.objects.filter(condition)
        .filter(Exists(sold_here))
        .select_related("brand")
        .order_by("-release_year", "brand__name", "name")[:limit]
    )
