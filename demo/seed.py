"""One demo seeding run: logins, static data, refurbishers, then listings in bulk.

Refurbishers are onboarded through the refurbishers' services (see
``onboarding``), so each has an owner, an application QA approved, and a
status history.

A refurbisher that already has listings is skipped, so running again adds
nothing; listings of several refurbishers go in per batch of ~BATCH_LISTINGS,
each batch in one transaction, so a refurbisher is never half written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from demo.catalog import RefurbisherSpec
from demo.generate import (
    LISTING_FIELDS,
    OFFER_FIELDS,
    ListingDraft,
    ListingMaker,
    ModelEntry,
)
from demo.orders import demo_orders_seed
from demo.second_factor import demo_second_factors_ensure
from demo.seller_tools import demo_seller_tools_seed
from demo.sync import (
    DEFAULT_LISTINGS,
    catalog_load,
    demo_logins_ensure,
    refurbisher_plan,
    refurbisher_slug,
    refurbishers_load,
)
from listings.models import Listing, Offer
from listings.services import catalog_version_bump, offers_refresh
from marketplace.bulk_copy import ids_reserve, rows_copy, tables_analyze
from marketplace.progress import ProgressBar
from quality.models import SellerMetrics
from quality.services.metrics import seller_metrics_compute
from quality.services.ranking import rank_scores_recompute
from refurbishers.models import Refurbisher

DEFAULT_SEED = 2025
# A batch of ~5,000 listings (~12,000 offers) per COPY and transaction: large
# enough that per-statement costs vanish, small enough to keep memory flat.
BATCH_LISTINGS = 5000

__all__ = ["DEFAULT_LISTINGS", "DEFAULT_SEED", "SeedReport", "demo_seed"]


@dataclass
class SeedReport:
    catalog_rows_written: int = 0
    refurbishers: int = 0
    refurbishers_filled: int = 0
    listings_created: int = 0
    offers_created: int = 0
    seller_orders_created: int = 0
    # Passwords set by this run, by username, and a random API key made by it
    # (printed once by seed_demo; a production seed's are never stored).
    passwords: dict[str, str] = field(default_factory=dict)
    api_key: str | None = None


@transaction.atomic
def listings_write(drafts: list[ListingDraft]) -> int:
    """Insert drafted listings and their offers; return how many offers.

    Offers go in with placeholder copies and are then refreshed in one statement
    in the same transaction, which also decides which can be bought.
    """
    ids = ids_reserve(Listing, len(drafts))
    pairs = list(zip(ids, drafts, strict=True))
    rows_copy(Listing, ["id", *LISTING_FIELDS], ((pk, *d.listing) for pk, d in pairs))
    count = rows_copy(
        Offer,
        ["listing_id", *OFFER_FIELDS],
        ((pk, *offer) for pk, d in pairs for offer in d.offers),
    )
    offers_refresh(listing_ids=ids)
    return count


def demo_seed(
    *,
    listings: int = DEFAULT_LISTINGS,
    seed: int = DEFAULT_SEED,
    progress_stream: TextIO | None = None,
    published: bool = True,
) -> SeedReport:
    """Load the demo data with ``listings`` listings in all; safe to run again.

    ``published``: the logins and the API key printed in the README
    (development). Off, they get random secrets, returned in the report.
    """
    report = SeedReport()
    # First the logins: QA vets the demo refurbishers, two of them own one.
    report.passwords = demo_logins_ensure(published=published)
    # QA and the demo sellers' owners get the published authenticator (DEBUG).
    demo_second_factors_ensure(published=published)
    catalog, report.catalog_rows_written = catalog_load()
    specs = refurbisher_plan(listings=listings, seed=seed)
    refurbishers = refurbishers_load(specs)
    report.refurbishers = len(refurbishers)
    stocked = set(
        Listing.objects.filter(refurbisher__in=list(refurbishers.values()))
        .values_list("refurbisher_id", flat=True)
        .distinct()
    )
    todo = [
        (refurbishers[refurbisher_slug(spec)], spec)
        for spec in specs
        if spec.listings and refurbishers[refurbisher_slug(spec)].pk not in stocked
    ]
    if todo:
        _listings_generate(todo, catalog, seed, progress_stream, report)
        tables_analyze(Listing, Offer)  # offers_refresh bumped the catalog version
    elif report.catalog_rows_written:
        catalog_version_bump()
    # Orders last: they buy the listings just made (through the services).
    report.seller_orders_created = demo_orders_seed()
    report.api_key = demo_seller_tools_seed(published=published).new_key
    # Then the sellers' scorecards and the offers' rank scores, so the shop
    # features and explains offers at once (both write only what changed).
    scorecards_history_seed()
    rank_scores_recompute()
    return report


def scorecards_history_seed(days: int = 90) -> int:
    """Each day's scorecard over the last ``days`` (as the nightly task would
    have written them), so the sellers' metrics charts show a history; days
    already computed are skipped, so a rerun costs one query."""
    today = timezone.localdate()
    done = set(
        SellerMetrics.objects.filter(day__gt=today - dt.timedelta(days=days))
        .values_list("day", flat=True)
        .distinct()
    )
    missing = [
        today - dt.timedelta(days=back)
        for back in range(days - 1, -1, -1)
        if today - dt.timedelta(days=back) not in done
    ]
    for day in missing:
        seller_metrics_compute(day=day)
    return len(missing)


def _listings_generate(
    todo: list[tuple[Refurbisher, RefurbisherSpec]],
    catalog: list[ModelEntry],
    seed: int,
    progress_stream: TextIO | None,
    report: SeedReport,
) -> None:
    batch: list[ListingDraft] = []

    def flush() -> None:
        report.offers_created += listings_write(batch)
        report.listings_created += len(batch)
        batch.clear()

    total = sum(spec.listings for _, spec in todo)
    with ProgressBar(total, "Generating listings", progress_stream) as bar:
        for refurbisher, spec in todo:
            maker = ListingMaker(
                refurbisher=refurbisher, spec=spec, catalog=catalog, seed=seed
            )
            batch.extend(maker.draft(n) for n in range(1, spec.listings + 1))
            report.refurbishers_filled += 1
            if len(batch) >= BATCH_LISTINGS:
                flush()
            bar.update(spec.listings)
        if batch:
            flush()
