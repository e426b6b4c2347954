"""Reads of seller metrics and rank scores: scorecards, warnings, the seller's
performance page and the public seller page. Each costs a fixed number of
queries, whatever the history or the number of listings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Min, Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from listings.models import Grade, Listing, ListingStatus, Offer
from listings.rank_weights import PARTS, Weights
from marketplace.markets import MARKETS
from quality.models import SellerMetrics
from quality.services.metrics import LIMITS, LIMITS_BY_METRIC, percent
from quality.services.ranking import (
    ANSWER_GOOD_HOURS,
    CLAIM_GOOD_HOURS,
    DEVICE_BATTERY,
    DEVICE_WARRANTY,
    PRICE_ZERO_ABOVE,
    WARRANTY_FULL_EXTRA_MONTHS,
)
from refurbishers.models import Refurbisher, RefurbisherStatus

Status = RefurbisherStatus
PUBLIC_STATUSES = (Status.TRIAL, Status.ACTIVE)
PERFORMANCE_PAGE_SIZE = 20
PART_LABELS = {
    "device": gettext_lazy("Device"),
    "seller": gettext_lazy("Seller"),
    "service": gettext_lazy("Service"),
    "price": gettext_lazy("Price"),
}


def metrics_latest(refurbisher: Refurbisher) -> SellerMetrics | None:
    """The refurbisher's current scorecard row (one query), or None."""
    return (
        SellerMetrics.objects.filter(refurbisher=refurbisher).order_by("-day").first()
    )


# --- Words ---------------------------------------------------------------------


def share(rate: float) -> str:
    """A share of orders for people: 0.98 "98%", 0.995 "99.5%", 0.004 "0.4%"."""
    value = rate * 100
    if abs(value - round(value)) < 0.05 or 10 <= value < 99:
        return f"{round(value)}%"
    return f"{value:.1f}%"


def duration(hours: float) -> str:
    """3.2 hours as "about 3 hours", 50 hours as "about 2 days"."""
    if hours < 1:
        return gettext("under an hour")
    if hours < 36:
        count = round(hours)
        return ngettext("about %(count)s hour", "about %(count)s hours", count) % {
            "count": count
        }
    days = round(hours / 24)
    return ngettext("about %(count)s day", "about %(count)s days", days) % {
        "count": days
    }


def selling_for(since: dt.date | None, today: dt.date | None = None) -> str:
    """How long a refurbisher has sold on ReMarket: "2 years", "5 months"."""
    if since is None:
        return ""
    today = today or timezone.localdate()
    months = (today.year - since.year) * 12 + today.month - since.month
    if today.day < since.day:
        months -= 1
    if months >= 12:
        years = months // 12
        return ngettext("%(count)s year", "%(count)s years", years) % {"count": years}
    if months >= 1:
        return ngettext("%(count)s month", "%(count)s months", months) % {
            "count": months
        }
    return gettext("less than a month")


@dataclass
class ScoreLine:
    """One figure of a scorecard in plain words."""

    key: str
    label: str
    value: str  # "98% of orders", or "" when not measured
    ok: bool | None = None  # within its limit; None when it has none or no data
    limit: str = ""  # "under 4%"
    missing: str = gettext_lazy("Not enough orders yet")


@dataclass
class Scorecard:
    day: dt.date | None
    window_days: int
    sales: int
    lines: list[ScoreLine]
    crossed: list[str] = field(default_factory=list)


def _limit_ok(metric: str, metrics: SellerMetrics) -> bool | None:
    if getattr(metrics, metric) is None:
        return None
    return metric not in (metrics.thresholds_crossed or [])


def scorecard(metrics: SellerMetrics | None) -> Scorecard:
    """The scorecard's lines in plain words, from a metrics row (no query)."""
    if metrics is None:
        return Scorecard(day=None, window_days=90, sales=0, lines=[])
    m = metrics

    def rate_line(key, label, value, metric=None, **kwargs):
        limit = LIMITS_BY_METRIC.get(metric or key)
        return ScoreLine(
            key=key,
            label=label,
            value=value if getattr(m, metric or key) is not None else "",
            ok=_limit_ok(metric or key, m) if limit else None,
            limit=limit.describe() if limit else "",
            **kwargs,
        )

    lines = [
        rate_line(
            "late_shipment_rate", gettext("Ships on time"),
            gettext("%(share)s of orders")
            % {"share": share(1 - m.late_shipment_rate)}
            if m.late_shipment_rate is not None else "",
        ),
        rate_line(
            "defect_rate", gettext("Orders without a problem"),
            gettext("%(share)s (no return for a fault, claim or poor review)")
            % {"share": share(1 - m.defect_rate)}
            if m.defect_rate is not None else "",
        ),
        rate_line(
            "cancellation_rate", gettext("Orders cancelled by the seller"),
            gettext("%(share)s of orders") % {"share": share(m.cancellation_rate)}
            if m.cancellation_rate is not None else "",
        ),
        rate_line(
            "valid_tracking_rate", gettext("Parcels with valid tracking"),
            gettext("%(share)s of parcels")
            % {"share": share(m.valid_tracking_rate)}
            if m.valid_tracking_rate is not None else "",
            missing=gettext("No parcels shipped yet"),
        ),
        rate_line(
            "median_first_answer_hours", gettext("Answers messages"),
            gettext("in %(duration)s")
            % {"duration": duration(m.median_first_answer_hours)}
            if m.median_first_answer_hours is not None else "",
            missing=gettext("No messages from shoppers yet"),
        ),
        rate_line(
            "median_claim_resolution_hours", gettext("Settles warranty claims"),
            gettext("in %(duration)s")
            % {"duration": duration(m.median_claim_resolution_hours)}
            if m.median_claim_resolution_hours is not None else "",
            missing=gettext("No warranty claims"),
        ),
        rate_line(
            "rating_average", gettext("Rated by shoppers"),
            ngettext(
                "%(rating)s out of 5 (%(count)s review)",
                "%(rating)s out of 5 (%(count)s reviews)",
                m.rating_count,
            )
            % {"rating": f"{m.rating_average:.1f}", "count": m.rating_count}
            if m.rating_average is not None else "",
            missing=gettext("No reviews in this period"),
        ),
    ]  # fmt: skip
    if m.trial_pass_rate is not None:
        lines.append(
            ScoreLine(
                key="trial_pass_rate",
                label=gettext("Trial sales passed by ReMarket's quality team"),
                value=share(m.trial_pass_rate),
            )
        )
    return Scorecard(
        day=m.day,
        window_days=m.window_days,
        sales=m.sales,
        lines=lines,
        crossed=list(m.thresholds_crossed or []),
    )


# --- The seller's dashboard warning -------------------------------------------


@dataclass
class MetricsWarning:
    day: dt.date
    items: list[str]


def metrics_warning(refurbisher: Refurbisher) -> MetricsWarning | None:
    """What the seller's overview warns about: limits its latest metrics cross.

    One query; None when all is well or nothing was measured.
    """
    metrics = metrics_latest(refurbisher)
    if metrics is None or not metrics.thresholds_crossed:
        return None
    items = []
    for limit in LIMITS:
        if limit.metric in metrics.thresholds_crossed:
            value = getattr(metrics, limit.metric)
            items.append(
                gettext(
                    "%(label)s: %(value)s over the last %(days)s days "
                    "(keep it %(limit)s)"
                )
                % {
                    "label": limit.label,
                    "value": percent(value),
                    "days": metrics.window_days,
                    "limit": limit.describe(),
                }
            )
    return MetricsWarning(day=metrics.day, items=items)


# --- The public seller page -----------------------------------------------------


@dataclass
class SellerPage:
    refurbisher: Refurbisher
    country_name: str
    selling_for: str
    scorecard: Scorecard
    on_trial: bool


def seller_public(*, slug: str) -> SellerPage:
    """A selling refurbisher's public page figures: two queries, or 404.

    Refurbishers that do not sell (applying, rejected, suspended) have no page.
    """
    try:
        refurbisher = Refurbisher.objects.get(slug=slug, status__in=PUBLIC_STATUSES)
    except Refurbisher.DoesNotExist:
        raise Http404("No such seller.") from None
    return SellerPage(
        refurbisher=refurbisher,
        country_name=MARKETS[refurbisher.country].name,
        selling_for=selling_for(refurbisher.selling_since),
        scorecard=scorecard(metrics_latest(refurbisher)),
        on_trial=refurbisher.status == Status.TRIAL,
    )


# --- The seller's performance page ----------------------------------------------


@dataclass
class OfferScore:
    market: str
    market_name: str
    score: float
    parts: dict[str, float | None]
    purchasable: bool

    @property
    def ranked(self) -> bool:
        return self.parts["device"] is not None

    @property
    def percents(self) -> list[tuple[str, str, int | None]]:
        """(part, label, percentage of its full marks), in PARTS order."""
        return [
            (part, PART_LABELS[part], None if value is None else round(value * 100))
            for part, value in self.parts.items()
        ]


@dataclass
class ListingScore:
    listing: Listing
    title: str
    grade_label: str
    offers: list[OfferScore]  # lowest score first
    weakest: str | None  # the part with the most points to gain
    suggestion: str
    gain: float  # points the weakest part could still add

    @property
    def lowest(self) -> OfferScore | None:
        return self.offers[0] if self.offers else None


@dataclass
class PerformancePage:
    scorecard: Scorecard
    weights: dict[str, float]
    page: Page
    rows: list[ListingScore]
    metrics: SellerMetrics | None


def _points_to_gain(parts: dict[str, float | None], weights: Weights) -> dict:
    return {
        part: weights.points(part) * (1 - value)
        for part, value in parts.items()
        if value is not None
    }


def _device_tip(offer: Offer, weights: Weights) -> str:
    minimum = MARKETS[offer.market].warranty_min_months
    extra = max(0, offer.warranty_months - minimum)
    if extra < WARRANTY_FULL_EXTRA_MONTHS:
        target = minimum + WARRANTY_FULL_EXTRA_MONTHS
        points = (
            weights.points("device")
            * DEVICE_WARRANTY
            * (1 - extra / WARRANTY_FULL_EXTRA_MONTHS)
        )
        return gettext(
            "Offer a %(target)s-month warranty (now %(months)s months): up to "
            "%(points)s more points."
        ) % {
            "target": target,
            "months": offer.warranty_months,
            "points": f"{points:.0f}",
        }
    if offer.battery_min_pct < 100:
        points = (
            weights.points("device")
            * DEVICE_BATTERY
            * (100 - offer.battery_min_pct)
            / 20
        )
        return gettext(
            "Guarantee a higher battery level (now %(battery)s%%): up to "
            "%(points)s more points at 100%%."
        ) % {"battery": offer.battery_min_pct, "points": f"{points:.0f}"}
    return gettext("The grade sets the rest: better-graded units score higher.")


def _seller_tip(metrics: SellerMetrics | None, refurbisher: Refurbisher) -> str:
    if metrics is not None:
        worst = None
        for limit in LIMITS[:3]:  # defects, cancellations, late shipments
            value = getattr(metrics, limit.metric)
            if value is not None and value > 0:
                ratio = value / limit.value
                if worst is None or ratio > worst[0]:
                    worst = (ratio, limit, value)
        if worst is not None:
            _, limit, value = worst
            # One whole sentence per limit (the words around the figure differ).
            tip = {
                "defect_rate": gettext(
                    "Cut returns for faults, claims and poor reviews: order "
                    "defect rate %(value)s (keep it %(limit)s)."
                ),
                "cancellation_rate": gettext(
                    "Cancel fewer orders (keep stock up to date): seller "
                    "cancellations %(value)s (keep it %(limit)s)."
                ),
                "late_shipment_rate": gettext(
                    "Ship every order by its ship-by time: late shipments "
                    "%(value)s (keep it %(limit)s)."
                ),
            }[limit.metric]
            return tip % {"value": percent(value), "limit": limit.describe()}
    if refurbisher.status == Status.TRIAL:
        return gettext(
            "Your seller score rises when your trial ends well and reviews come in."
        )
    if refurbisher.rating_average is not None and refurbisher.rating_average < 4.5:
        return gettext(
            "Earn better reviews: shoppers rate you %(rating)s out of 5."
        ) % {"rating": f"{refurbisher.rating_average:.1f}"}
    return gettext("Keep sales free of returns, claims and delays: the score follows.")


def _service_tip(metrics: SellerMetrics | None) -> str:
    answer = metrics.median_first_answer_hours if metrics else None
    claims = metrics.median_claim_resolution_hours if metrics else None
    if answer is not None and answer > ANSWER_GOOD_HOURS:
        return gettext(
            "Answer shoppers' messages faster: you answer in %(duration)s (full "
            "marks under %(hours)s hours)."
        ) % {"duration": duration(answer), "hours": f"{ANSWER_GOOD_HOURS:.0f}"}
    if claims is not None and claims > CLAIM_GOOD_HOURS:
        return gettext(
            "Settle warranty claims faster: %(duration)s now (full marks within "
            "%(days)s days)."
        ) % {"duration": duration(claims), "days": f"{CLAIM_GOOD_HOURS / 24:.0f}"}
    return gettext(
        "Answer messages within two hours and settle claims within three days: "
        "the service score grows as shoppers see it."
    )


def _price_tip(offer: Offer) -> str:
    market = MARKETS[offer.market].name
    grade = Grade(offer.grade).label
    if offer.score_price is None or offer.score_price >= 1:
        return gettext("You have the lowest %(grade)s price in %(market)s.") % {
            "grade": grade,
            "market": market,
        }
    if offer.score_price <= 0:
        above = gettext("%(share)s or more") % {"share": f"{PRICE_ZERO_ABOVE:.0%}"}
    else:
        above = percent((1 - offer.score_price) * PRICE_ZERO_ABOVE)
    return gettext(
        "Your price with shipping is %(above)s above the lowest %(grade)s offer "
        "in %(market)s: a lower price raises this part."
    ) % {"above": above, "grade": grade, "market": market}


def _listing_row(
    listing: Listing,
    weights: Weights,
    metrics: SellerMetrics | None,
    refurbisher: Refurbisher,
) -> ListingScore:
    offers = sorted(listing.offers.all(), key=lambda o: (o.rank_score, o.market))
    scores = [
        OfferScore(
            market=offer.market,
            market_name=MARKETS[offer.market].name,
            score=offer.rank_score,
            parts={part: getattr(offer, f"score_{part}") for part in PARTS},
            purchasable=offer.is_purchasable,
        )
        for offer in offers
    ]
    weakest, suggestion, gain = None, "", 0.0
    if offers and offers[0].score_device is not None:
        # The offer with the lowest score says what would help most.
        lowest = offers[0]
        gains = _points_to_gain(scores[0].parts, weights)
        weakest = max(gains, key=lambda part: (gains[part], part))
        gain = gains[weakest]
        suggestion = {
            "device": lambda: _device_tip(lowest, weights),
            "seller": lambda: _seller_tip(metrics, refurbisher),
            "service": lambda: _service_tip(metrics),
            "price": lambda: _price_tip(lowest),
        }[weakest]()
    model = listing.variant.device_model
    return ListingScore(
        listing=listing,
        title=f"{model.brand.name} {model.name} · {listing.variant}",
        grade_label=Grade(listing.grade).label,
        offers=scores,
        weakest=weakest,
        suggestion=suggestion,
        gain=gain,
    )


def performance_page(
    *, refurbisher: Refurbisher, page: str | int | None
) -> PerformancePage:
    """The refurbisher's scorecard and one page of its listings with their
    scores, weakest first: four queries (metrics, count, listings, offers)."""
    weights = Weights.from_settings()
    metrics = metrics_latest(refurbisher)
    listings = (
        Listing.objects.filter(refurbisher=refurbisher)
        .exclude(status=ListingStatus.ARCHIVED)
        .select_related("variant__device_model__brand")
        .prefetch_related(Prefetch("offers", queryset=Offer.objects.order_by("pk")))
        .annotate(lowest_score=Min("offers__rank_score"))
        .order_by("lowest_score", "pk")
    )
    paginated = Paginator(listings, PERFORMANCE_PAGE_SIZE).get_page(page)
    rows = [
        _listing_row(listing, weights, metrics, refurbisher)
        for listing in paginated.object_list
    ]
    return PerformancePage(
        scorecard=scorecard(metrics),
        weights={part: weights.points(part) for part in PARTS},
        page=paginated,
        rows=rows,
        metrics=metrics,
    )
