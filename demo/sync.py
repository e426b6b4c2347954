"""Write the static demo data by natural key: catalog, refurbishers, logins.

Rows are found by slug (or a variant's options, a price's variant and market),
created when missing and updated when they differ, so a second run writes
nothing and a run after a catalog edit writes only the edit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import secrets
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from demo import DEMO_EMAIL_DOMAIN, DEMO_LOGINS, DEMO_SUPERUSERS
from demo.catalog import (
    BRANDS,
    CATEGORIES,
    DEVICES,
    NEW_PRICE_FACTORS,
    PARTNER_COUNTRIES,
    PARTNER_LISTINGS,
    PARTNER_TIME_ZONES,
    REFURBISHERS,
    DeviceSpec,
    RefurbisherSpec,
)
from demo.generate import ModelEntry, VariantEntry
from listings.models import (
    Brand,
    Category,
    DeviceKind,
    DeviceModel,
    Variant,
    VariantNewPrice,
)
from listings.services import variant_search_text_refresh
from marketplace.markets import MARKETS, markets_reachable_from
from refurbishers.models import DEFAULT_TRIAL_DAYS, Refurbisher, RefurbisherStatus

DEFAULT_LISTINGS = sum(spec.listings for spec in REFURBISHERS)


def rows_sync(
    model: type[models.Model],
    key_fields: Sequence[str],
    rows: Iterable[dict[str, Any]],
    existing: Iterable[models.Model],
) -> tuple[dict[tuple, Any], int]:
    """Create missing rows and update changed ones, found by their natural key.

    ``existing`` is a queryset holding at least the rows ``rows`` name. Returns
    every row by key, and how many were created or updated.
    """
    found = {tuple(getattr(obj, f) for f in key_fields): obj for obj in existing}
    missing, changed, changed_fields = [], [], set()
    result = {}
    for row in rows:
        key = tuple(row[f] for f in key_fields)
        obj = found.get(key)
        if obj is None:
            obj = model(**row)
            missing.append(obj)
        else:
            diff = [name for name, value in row.items() if getattr(obj, name) != value]
            for name in diff:
                setattr(obj, name, row[name])
            if diff:
                changed.append(obj)
                changed_fields.update(diff)
        result[key] = obj
    model.objects.bulk_create(missing, batch_size=1000)
    if changed:
        model.objects.bulk_update(changed, sorted(changed_fields), batch_size=1000)
    return result, len(missing) + len(changed)


# --- Catalog ------------------------------------------------------------------


def _model_slug(spec: DeviceSpec) -> str:
    return slugify(f"{spec.brand} {spec.name}")


def _connectivities(spec: DeviceSpec, kind: str) -> list[str]:
    if kind == DeviceKind.PHONE:
        return ["unlocked"]
    if kind == DeviceKind.TABLET:
        return ["wifi", "cellular"] if spec.cellular_extra is not None else ["wifi"]
    if kind == DeviceKind.WATCH:  # "" is the GPS-only model
        if spec.cellular_only:
            return ["cellular"]
        return ["", "cellular"] if spec.cellular_extra is not None else [""]
    return [""]


def _new_price(us_dollars: int, market: str) -> Decimal:
    """A maker's list price in a market: euro prices end in 9, as makers set them."""
    if market == "US":
        return Decimal(us_dollars)
    return Decimal(round(us_dollars * NEW_PRICE_FACTORS[market] / 10) * 10 - 1)


def _model_description(spec: DeviceSpec) -> str:
    """One line for the device page, e.g. "Apple iPhone 13 from 2021: 6.1-inch ..."."""
    year = str(spec.release_year)
    text = f"{spec.brand} {spec.name}" + ("" if year in spec.name else f" from {year}")
    facts = [spec.specs.get(k) for k in ("Screen", "Display", "Chip", "CPU")]
    details = ", ".join(f for f in facts if f)
    return f"{text}: {details}." if details else f"{text}."


def _sku_part(storage_gb: int | None, colour: str, connectivity: str) -> str:
    storage = ""
    if storage_gb:
        storage = f"{storage_gb // 1024}TB" if storage_gb >= 1024 else str(storage_gb)
    words = "".join(c if c.isalnum() else " " for c in colour).split()
    words = [w for w in words if w != "PRODUCT"] or words  # (PRODUCT)RED: RED
    code = words[0][:3] if len(words) == 1 else "".join(w[0] for w in words[:3])
    parts = [storage, code.upper(), "CEL" if connectivity == "cellular" else ""]
    return "-".join(p for p in parts if p)


@transaction.atomic
def catalog_load() -> tuple[list[ModelEntry], int]:
    """Create or update the demo categories, brands, models, variants and prices.

    Returns what listing generation needs, and how many rows were written.
    """
    categories, written = rows_sync(
        Category,
        ["slug"],
        (
            {
                "slug": c.slug,
                "name": c.name,
                "kind": c.kind,
                "description": c.description,
                "position": position,
            }
            for position, c in enumerate(CATEGORIES, start=1)
        ),
        Category.objects.filter(slug__in=[c.slug for c in CATEGORIES]),
    )
    brands, count = rows_sync(
        Brand,
        ["name"],
        ({"name": name, "slug": slugify(name)} for name in BRANDS),
        Brand.objects.filter(name__in=BRANDS),
    )
    written += count
    model_rows = [
        {
            "slug": _model_slug(s),
            "name": s.name,
            "brand_id": brands[(s.brand,)].pk,
            "category_id": categories[(s.category,)].pk,
            "release_year": s.release_year,
            "specs": s.specs,
            "description": _model_description(s),
        }
        for s in DEVICES
    ]
    device_models, count = rows_sync(
        DeviceModel,
        ["slug"],
        model_rows,
        DeviceModel.objects.filter(slug__in=[row["slug"] for row in model_rows]),
    )
    written += count
    entries = [
        ModelEntry(
            spec=s,
            id=device_models[(_model_slug(s),)].pk,
            category_id=categories[(s.category,)].pk,
            brand_id=brands[(s.brand,)].pk,
        )
        for s in DEVICES
    ]
    written += _variants_load(entries, {c.slug: c.kind for c in CATEGORIES})
    if written:
        variant_search_text_refresh(
            variant_ids=[v.id for entry in entries for v in entry.variants]
        )
    return entries, written


def _variants_load(entries: list[ModelEntry], kinds: dict[str, str]) -> int:
    """Sync every model's variants and their new prices; fill ``entries``."""
    rows, wanted = [], {}
    for entry in entries:
        spec = entry.spec
        for rank, (storage_gb, us_dollars) in enumerate(sorted(spec.prices.items())):
            for connectivity in _connectivities(spec, kinds[spec.category]):
                cellular = connectivity == "cellular"
                extra = (spec.cellular_extra or 0) if cellular else 0
                # Base storage and Wi-Fi models are the most common second-hand.
                weight = (0.35 if cellular else 1.0) / (rank + 1)
                for colour, colour_hex in spec.colours:
                    key = (entry.id, storage_gb, colour, connectivity)
                    rows.append(
                        {"device_model_id": entry.id, "storage_gb": storage_gb,
                         "colour": colour, "colour_hex": colour_hex,
                         "connectivity": connectivity}
                    )  # fmt: skip
                    wanted[key] = (us_dollars + extra, weight)
    model_ids = [e.id for e in entries]
    variants, written = rows_sync(
        Variant,
        ["device_model_id", "storage_gb", "colour", "connectivity"],
        rows,
        Variant.objects.filter(device_model_id__in=model_ids),
    )
    price_rows = [
        {"variant_id": variants[key].pk, "market": code,
         "amount": _new_price(us_dollars, code), "currency": market.currency}
        for key, (us_dollars, _) in wanted.items()
        for code, market in MARKETS.items()
    ]  # fmt: skip
    prices, count = rows_sync(
        VariantNewPrice,
        ["variant_id", "market"],
        price_rows,
        VariantNewPrice.objects.filter(variant__device_model_id__in=model_ids),
    )
    by_id = {e.id: e for e in entries}
    for key, (_, weight) in wanted.items():
        variant_id = variants[key].pk
        by_id[key[0]].variants.append(
            VariantEntry(
                id=variant_id,
                sku_part=_sku_part(*key[1:]),
                weight=weight,
                new_prices={
                    code: prices[(variant_id, code)].amount for code in MARKETS
                },
            )
        )
    return written + count


# --- Refurbishers -------------------------------------------------------------


def _partner_spec(number: int, listings: int, seed: int) -> RefurbisherSpec:
    """A generated refurbisher for --scale runs, the same for a seed and number."""
    rng = random.Random(f"{seed}:partner:{number}")
    country = PARTNER_COUNTRIES[(number - 1) % len(PARTNER_COUNTRIES)]
    others = [m for m in markets_reachable_from(country) if m != country]
    return RefurbisherSpec(
        code=f"P{number:03d}",
        name=f"Refurb Partner {number:03d}",
        country=country,
        time_zone=rng.choice(PARTNER_TIME_ZONES[country]),
        status="trial" if number % 20 == 0 else "active",
        ships_to=(country, *rng.sample(others, k=rng.randint(0, len(others)))),
        dispatch_days=rng.choice([1, 1, 2, 2, 3]),
        rating_average=f"{rng.uniform(3.6, 4.9):.2f}",
        rating_count=rng.randint(20, 4000),
        selling_since=str(date(2016, 1, 4) + timedelta(days=rng.randint(0, 3200))),
        listings=listings,
    )


def refurbisher_plan(*, listings: int, seed: int) -> list[RefurbisherSpec]:
    """The refurbishers a run with ``listings`` listings in all needs.

    Up to the demo's own size the demo refurbishers share the listings; past it,
    "Refurb Partner" refurbishers carry the rest, PARTNER_LISTINGS each.
    """
    if listings <= DEFAULT_LISTINGS:
        share = listings / DEFAULT_LISTINGS
        return [
            dataclasses.replace(spec, listings=round(spec.listings * share))
            for spec in REFURBISHERS
        ]
    extra = listings - DEFAULT_LISTINGS
    partners = [
        _partner_spec(number, min(PARTNER_LISTINGS, extra - start), seed)
        for number, start in enumerate(range(0, extra, PARTNER_LISTINGS), start=1)
    ]
    return [*REFURBISHERS, *partners]


def refurbisher_slug(spec: RefurbisherSpec) -> str:
    return slugify(spec.name)


def _ships_to(spec: RefurbisherSpec) -> list[str]:
    """Markets in the spec, within reach of its country, always its own."""
    reachable = markets_reachable_from(spec.country)
    wanted = set(spec.ships_to or reachable) | {spec.country}
    return [m for m in reachable if m in wanted]


def refurbishers_load(specs: list[RefurbisherSpec]) -> dict[str, Refurbisher]:
    """Create the refurbishers of a plan that are missing; return them by slug.

    The demo's own refurbishers are onboarded through the services
    (``demo.onboarding``). The "Refurb Partner" ones of --scale runs
    are written directly: onboarding takes about 25 service calls each, and a
    100,000-listing run has 390 partners; they exist only for benchmarks.
    """
    from demo.onboarding import demo_refurbishers_onboard

    demo_codes = {spec.code for spec in REFURBISHERS}
    found, _ = demo_refurbishers_onboard([s for s in specs if s.code in demo_codes])
    partners = [spec for spec in specs if spec.code not in demo_codes]
    if partners:
        found.update(partners_load(partners))
    return found


@transaction.atomic
def partners_load(specs: list[RefurbisherSpec]) -> dict[str, Refurbisher]:
    """Create or update the partner refurbishers of --scale runs, by slug.

    They get what onboarding would have left: an active partner went through
    a 40-day trial when it started selling; a partner on trial started it
    when this run created it (within the last 30 days, so trials end on
    different days), and sells since then.
    """
    rows = []
    for spec in specs:
        row = {
            "slug": refurbisher_slug(spec),
            "name": spec.name,
            "country": spec.country,
            "time_zone": spec.time_zone,
            "status": spec.status,
            "ships_to": _ships_to(spec),
            "dispatch_days": spec.dispatch_days,
            "rating_average": Decimal(spec.rating_average),
            "rating_count": spec.rating_count,
            "legal_name": spec.name,
        }
        if spec.status != RefurbisherStatus.TRIAL:
            since = date.fromisoformat(spec.selling_since)
            started = dt.datetime.combine(since, dt.time(9), tzinfo=dt.UTC)
            row |= {
                "selling_since": since,
                "trial_started_at": started,
                "trial_ends_at": started + timedelta(days=DEFAULT_TRIAL_DAYS),
            }
        rows.append(row)
    found, _ = rows_sync(
        Refurbisher,
        ["slug"],
        rows,
        Refurbisher.objects.filter(slug__in=[row["slug"] for row in rows]),
    )
    now = timezone.now()
    for refurbisher in found.values():
        if refurbisher.status == RefurbisherStatus.TRIAL and (
            refurbisher.trial_started_at is None
        ):
            started = now - timedelta(days=refurbisher.pk % 30)
            refurbisher.trial_started_at = started
            refurbisher.trial_ends_at = started + timedelta(days=DEFAULT_TRIAL_DAYS)
            refurbisher.selling_since = started.date()
            refurbisher.save(
                update_fields=["trial_started_at", "trial_ends_at", "selling_since"]
            )
    return {slug: refurbisher for (slug,), refurbisher in found.items()}


# --- Logins -------------------------------------------------------------------


@transaction.atomic
def demo_logins_ensure(*, published: bool = True) -> dict[str, str]:
    """Create the demo logins, or put back their rights; return new passwords.

    ``published`` (development): each login gets the password printed in the
    README, put back if it changed. Otherwise (a production database seeded
    on purpose) a login gets a random password when it is new or still has a
    published or unusable one; a password someone chose is kept. Returns
    ``{username: password}`` for each password set now (random ones are not
    stored anywhere else: the caller prints them once).
    """
    user_model = get_user_model()
    passwords = {}
    for login in DEMO_LOGINS:
        staff = login.username in DEMO_SUPERUSERS
        wanted = {
            # Sellers sign in with their email, which is their username.
            "email": login.username
            if "@" in login.username
            else f"{login.username}@{DEMO_EMAIL_DOMAIN}",
            "is_staff": staff,
            "is_superuser": staff,
            "is_active": True,
        }
        user, created = user_model.objects.get_or_create(
            username=login.username, defaults=wanted
        )
        diff = [name for name, value in wanted.items() if getattr(user, name) != value]
        if published:
            password = None if user.check_password(login.password) else login.password
        elif (
            created
            or not user.has_usable_password()
            or user.check_password(login.password)
        ):
            password = secrets.token_urlsafe(12)
        else:
            password = None
        if created or diff or password:
            for name, value in wanted.items():
                setattr(user, name, value)
            if password:
                user.set_password(password)
                passwords[login.username] = password
            user.save()
    return passwords
