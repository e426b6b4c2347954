"""The seller dashboard's listings: the table (search, filters, sort, pages),
why a listing is not on the site, and the variant picker of the listing form.

Every function takes the refurbisher and reads its rows only; a listing of
another refurbisher is None here, which the views turn into a 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from listings.models import (
    DeviceModelRequest,
    Grade,
    Listing,
    ListingPhoto,
    ListingStatus,
    Offer,
    Variant,
)
from refurbishers.models import SELLING_STATUSES, Refurbisher

LISTINGS_PAGE_SIZE = 25
PAGE_SIZES = (25, 50, 100)
LOW_STOCK = 2
STOCK_FILTERS = {
    "in": (gettext_lazy("In stock"), Q(stock__gt=0)),
    "out": (gettext_lazy("Out of stock"), Q(stock=0)),
    "low": (
        format_lazy(gettext_lazy("Low ({count} or fewer)"), count=LOW_STOCK),
        Q(stock__gt=0, stock__lte=LOW_STOCK),
    ),
}
# Sort key -> (label, ordering); "-key" sorts the other way.
SORTS = {
    "sku": (gettext_lazy("SKU"), ["sku"]),
    "model": (
        gettext_lazy("Model"),
        [
            "variant__device_model__brand__name",
            "variant__device_model__name",
            "variant__storage_gb",
            "variant__colour",
        ],
    ),
    "grade": (gettext_lazy("Grade"), ["grade_rank"]),
    "price": (gettext_lazy("Price"), ["price_sort"]),
    "stock": (gettext_lazy("Stock"), ["stock"]),
    "updated": (gettext_lazy("Updated"), ["updated_at"]),
}
DEFAULT_SORT = "-updated"

# Why a listing is not on the site, in the order offers_refresh's conditions
# are read by a seller: its own choice first, then stock, then the account.
HIDDEN_REASONS = {
    "draft": gettext_lazy("Draft: not published yet."),
    "paused": gettext_lazy("Paused by you."),
    "archived": gettext_lazy("Archived."),
    "suspended": gettext_lazy("Your shop is suspended: no listing is on the site."),
    "out_of_stock": gettext_lazy("Out of stock."),
    "trial_cap": gettext_lazy(
        "Today's trial sales cap is reached: back on the site at midnight in your "
        "time zone."
    ),
    "no_market": gettext_lazy("Not priced in any market you ship to."),
}

# The SQL twin of the trial-cap clause in offers_refresh: a trial
# refurbisher whose confirmed sales today (its own time zone) reached the cap.
_TRIAL_CAP_REACHED = RawSQL(
    """EXISTS (
        SELECT 1 FROM refurbishers_saleday d
        JOIN refurbishers_refurbisher r ON r.id = d.refurbisher_id
        WHERE d.refurbisher_id = listings_listing.refurbisher_id
          AND r.status = 'trial'
          AND d.local_date = (now() AT TIME ZONE r.time_zone)::date
          AND d.confirmed >= d.cap
    )""",
    [],
)


@dataclass(frozen=True)
class ListingFilters:
    """What the seller typed and picked above the table (already cleaned)."""

    q: str = ""
    status: str = ""
    grade: str = ""
    category: int | None = None
    market: str = ""
    stock: str = ""
    sort: str = DEFAULT_SORT

    @property
    def active(self) -> bool:
        return any(
            (self.q, self.status, self.grade, self.category, self.market, self.stock)
        )


def listing_filters_from(params, *, markets: list[str]) -> ListingFilters:
    """Clean the query string: anything unknown is ignored, never an error."""
    category = params.get("category", "")
    sort = params.get("sort", "")
    return ListingFilters(
        q=params.get("q", "").strip()[:100],
        status=s if (s := params.get("status", "")) in ListingStatus.values else "",
        grade=g if (g := params.get("grade", "")) in Grade.values else "",
        category=int(category) if category.isdigit() and len(category) < 10 else None,
        market=m if (m := params.get("market", "")) in markets else "",
        stock=st if (st := params.get("stock", "")) in STOCK_FILTERS else "",
        sort=sort if sort.lstrip("-") in SORTS else DEFAULT_SORT,
    )


def _with_visibility(
    listings: QuerySet[Listing], refurbisher: Refurbisher
) -> QuerySet[Listing]:
    """Annotate ``hidden_reason``: None when the listing is on the site.

    The same conditions as ``offers_refresh``'s ``is_purchasable``, read from
    the listing and its refurbisher in the one query of the page.
    """
    return listings.annotate(
        trial_cap_reached=_TRIAL_CAP_REACHED,
        sells_somewhere=Exists(
            Offer.objects.filter(
                listing=OuterRef("pk"), market__in=list(refurbisher.ships_to)
            )
        ),
    ).annotate(
        hidden_reason=Case(
            When(status=ListingStatus.DRAFT, then=Value("draft")),
            When(status=ListingStatus.PAUSED, then=Value("paused")),
            When(status=ListingStatus.ARCHIVED, then=Value("archived")),
            When(~Q(refurbisher__status__in=SELLING_STATUSES), then=Value("suspended")),
            When(stock__lte=0, then=Value("out_of_stock")),
            When(trial_cap_reached=True, then=Value("trial_cap")),
            When(sells_somewhere=False, then=Value("no_market")),
            default=Value(None),
            output_field=CharField(),
        )
    )


def seller_listings(
    *,
    refurbisher: Refurbisher,
    filters: ListingFilters,
    page: str | int | None = None,
    per_page: int = LISTINGS_PAGE_SIZE,
) -> Page:
    """One page of the refurbisher's listings: three queries whatever its size
    (the count, the rows with their variant and visibility, their offers)."""
    listings = Listing.objects.filter(refurbisher=refurbisher)
    if filters.q:
        for word in filters.q.split()[:6]:
            listings = listings.filter(
                Q(sku__icontains=word)
                | Q(variant__device_model__name__icontains=word)
                | Q(variant__device_model__brand__name__icontains=word)
            )
    if filters.status:
        listings = listings.filter(status=filters.status)
    if filters.grade:
        listings = listings.filter(grade=filters.grade)
    if filters.category:
        listings = listings.filter(variant__device_model__category_id=filters.category)
    if filters.market:
        listings = listings.filter(
            Exists(Offer.objects.filter(listing=OuterRef("pk"), market=filters.market))
        )
    if filters.stock:
        listings = listings.filter(STOCK_FILTERS[filters.stock][1])

    # Prices of different currencies do not compare: with a market chosen the
    # sort reads that market's price, else each listing's lowest amount.
    prices = Offer.objects.filter(listing=OuterRef("pk"))
    if filters.market:
        prices = prices.filter(market=filters.market)
    listings = listings.annotate(
        price_sort=Subquery(prices.order_by("price_amount").values("price_amount")[:1]),
        grade_rank=Case(
            *(When(grade=g, then=Value(n)) for n, g in enumerate(Grade.values)),
            default=Value(9),
        ),
    )
    key = filters.sort.lstrip("-")
    descending = filters.sort.startswith("-")
    ordering = [
        F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
        for name in SORTS[key][1]
    ]
    listings = (
        _with_visibility(listings, refurbisher)
        .select_related("refurbisher", "variant__device_model__brand")
        .prefetch_related(Prefetch("offers", queryset=Offer.objects.order_by("market")))
        .order_by(*ordering, "pk")
    )
    size = per_page if per_page in PAGE_SIZES else LISTINGS_PAGE_SIZE
    return Paginator(listings, size).get_page(page)


def seller_listing(*, refurbisher: Refurbisher, listing_id: int) -> Listing | None:
    """One of the refurbisher's listings with its offers, photos and
    visibility; None for another refurbisher's (a 404 to the view)."""
    return (
        _with_visibility(
            Listing.objects.filter(refurbisher=refurbisher, pk=listing_id), refurbisher
        )
        .select_related("refurbisher", "variant__device_model__brand")
        .prefetch_related(
            Prefetch("offers", queryset=Offer.objects.order_by("market")),
            Prefetch(
                "photos", queryset=ListingPhoto.objects.order_by("position", "pk")
            ),
        )
        .first()
    )


def listings_summary(*, refurbisher: Refurbisher) -> dict[str, int]:
    """Counts above the table: all, out of stock, paused, drafts."""
    return Listing.objects.filter(refurbisher=refurbisher).aggregate(
        total=Count("pk"),
        out_of_stock=Count("pk", filter=Q(stock=0)),
        paused=Count("pk", filter=Q(status=ListingStatus.PAUSED)),
        drafts=Count("pk", filter=Q(status=ListingStatus.DRAFT)),
    )


VARIANT_MATCHES = 10


def variant_matches(*, q: str, limit: int = VARIANT_MATCHES) -> list[Variant]:
    """Catalog variants whose words (brand, model, storage, colour...) contain
    every word typed, most recent models first."""
    words = q.lower().split()[:6]
    if not words:
        return []
    variants = Variant.objects.all()
    for word in words:
        variants = variants.filter(search_text__contains=word)
    return list(
        variants.select_related("device_model__brand").order_by(
            "-device_model__release_year",
            "device_model__brand__name",
            "device_model__name",
            "storage_gb",
            "colour",
        )[:limit]
    )


def variant_label(variant: Variant) -> str:
    model = variant.device_model
    return f"{model.brand.name} {model.name} · {variant}"


def model_requests_for_seller(
    *, refurbisher: Refurbisher, limit: int = 50
) -> list[DeviceModelRequest]:
    return list(
        DeviceModelRequest.objects.filter(refurbisher=refurbisher)
        .select_related("category", "device_model__brand")
        .order_by("-created_at", "-pk")[:limit]
    )
