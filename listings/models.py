"""Catalog (categories, brands, device models, variants) and offers.

A *listing* is a refurbisher's stock of one variant in one grade; an *offer* is
that listing as sold in one market, with the market's price. Offers carry copies
of the catalog keys they are searched and faceted by, kept in step by
``listings.services`` so the shop's pages read one table.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from marketplace.audit import AuditRecord
from marketplace.markets import MARKET_CHOICES, MARKETS, PLATFORM_WARRANTY_MIN_MONTHS


class DeviceKind(models.TextChoices):
    PHONE = "phone", gettext_lazy("Phone")
    LAPTOP = "laptop", gettext_lazy("Laptop")
    TABLET = "tablet", gettext_lazy("Tablet")
    WATCH = "watch", gettext_lazy("Watch")
    CONSOLE = "console", gettext_lazy("Console")


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=10, choices=DeviceKind.choices)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Brand(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeviceModel(models.Model):
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="models"
    )
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="models")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    release_year = models.PositiveSmallIntegerField()
    # Key specs shown on the device page, e.g. {"Screen": "6.1-inch OLED"}.
    specs = models.JSONField(default=dict, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["brand__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "name"], name="device_model_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(release_year__gte=2000) & Q(release_year__lte=2100),
                name="device_model_release_year_sane",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.brand.name} {self.name}" if "brand" in self.__dict__ else self.name
        )


class Connectivity(models.TextChoices):
    WIFI = "wifi", gettext_lazy("Wi-Fi")
    CELLULAR = "cellular", gettext_lazy("Wi-Fi + Cellular")
    UNLOCKED = "unlocked", gettext_lazy("Unlocked")
    NONE = "", gettext_lazy("—")


class Variant(models.Model):
    device_model = models.ForeignKey(
        DeviceModel, on_delete=models.PROTECT, related_name="variants"
    )
    storage_gb = models.PositiveIntegerField(null=True, blank=True)
    colour = models.CharField(max_length=40)
    colour_hex = models.CharField(max_length=7, default="#333333")
    connectivity = models.CharField(
        max_length=10, choices=Connectivity.choices, blank=True, default=""
    )
    # Brand, model, storage, colour, connectivity and category words, kept by
    # listings.services.variant_search_text_refresh for full-text search.
    search_text = models.TextField(blank=True, default="")
    search_vector = models.GeneratedField(
        expression=SearchVector("search_text", config="simple"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["device_model", "storage_gb", "colour"]
        constraints = [
            models.UniqueConstraint(
                fields=["device_model", "storage_gb", "colour", "connectivity"],
                name="variant_unique_options",
                nulls_distinct=False,
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="variant_search_vector"),
            GinIndex(
                fields=["search_text"],
                name="variant_search_trgm",
                opclasses=["gin_trgm_ops"],
            ),
        ]

    def __str__(self) -> str:
        parts = [f"{self.storage_gb} GB" if self.storage_gb else "", self.colour]
        if self.connectivity:
            parts.append(self.get_connectivity_display())
        return " · ".join(p for p in parts if p)


class VariantNewPrice(models.Model):
    """What the variant costs new in a market: the base of "save X% against new"."""

    variant = models.ForeignKey(
        Variant, on_delete=models.CASCADE, related_name="new_prices"
    )
    market = models.CharField(max_length=2, choices=MARKET_CHOICES)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["variant", "market"], name="new_price_one_per_market"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="new_price_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id} new in {self.market}: {self.amount} {self.currency}"


class _GradeChoicesType(type(models.TextChoices)):
    """Keeps ``Grade.choices`` lazy (translated where it is shown) while a
    member's ``label`` is a plain str in the active language."""

    @property
    def choices(cls):
        return [(member.value, member._label_) for member in cls]


class Grade(models.TextChoices, metaclass=_GradeChoicesType):
    """Cosmetic grades; every grade is fully working with a battery of at least 80%."""

    PREMIUM = "P", gettext_lazy("Premium")
    EXCELLENT = "A", gettext_lazy("Excellent")
    GOOD = "B", gettext_lazy("Good")
    FAIR = "C", gettext_lazy("Fair")

    @property
    def label(self) -> str:
        # The label in the active language as a plain str: shop code and tests
        # use it in string operations (``label in page``) that a lazy string fails.
        return str(self._label_)


GRADE_ORDER = [Grade.PREMIUM, Grade.EXCELLENT, Grade.GOOD, Grade.FAIR]
GRADE_DEFINITIONS = {
    Grade.PREMIUM: gettext_lazy(
        "Like new: no visible signs of use, battery at least 90%."
    ),
    Grade.EXCELLENT: gettext_lazy(
        "Barely used: micro-scratches invisible at arm's length."
    ),
    Grade.GOOD: gettext_lazy(
        "Light signs of use: fine scratches you may see up close."
    ),
    Grade.FAIR: gettext_lazy("Visible wear: scratches and small dents, fully working."),
}
BATTERY_MIN_PCT = 80


class ListingStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("Draft")
    ACTIVE = "active", gettext_lazy("Active")
    PAUSED = "paused", gettext_lazy("Paused")
    ARCHIVED = "archived", gettext_lazy("Archived")


class Listing(models.Model):
    """A refurbisher's stock of one variant in one grade.

    A refurbisher names each listing by a SKU of its own, unique per refurbisher:
    it may hold several listings of one variant and grade (say, two battery
    guarantees), and CSV and API updates find a listing by SKU.
    """

    refurbisher = models.ForeignKey(
        "refurbishers.Refurbisher", on_delete=models.PROTECT, related_name="listings"
    )
    variant = models.ForeignKey(
        Variant, on_delete=models.PROTECT, related_name="listings"
    )
    sku = models.CharField(max_length=64)
    grade = models.CharField(max_length=1, choices=Grade.choices)
    battery_min_pct = models.PositiveSmallIntegerField(default=BATTERY_MIN_PCT)
    stock = models.IntegerField(default=0)
    warranty_months = models.PositiveSmallIntegerField(default=12)
    ships_from = models.CharField(max_length=2, choices=MARKET_CHOICES)
    dispatch_days = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=ListingStatus.choices, default=ListingStatus.ACTIVE
    )
    # Not read by the shop: offers are ranked per market (Offer.rank_score, owned
    # by quality.services.ranking). Demo seeding still writes a placeholder here.
    rank_score = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["refurbisher", "sku"], name="listing_unique_sku"
            ),
            models.CheckConstraint(
                condition=Q(stock__gte=0), name="listing_stock_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(warranty_months__gte=PLATFORM_WARRANTY_MIN_MONTHS),
                name="listing_warranty_min",
            ),
            models.CheckConstraint(
                condition=Q(
                    battery_min_pct__gte=BATTERY_MIN_PCT, battery_min_pct__lte=100
                ),
                name="listing_battery_range",
            ),
            models.CheckConstraint(
                condition=Q(grade__in=Grade.values), name="listing_grade_valid"
            ),
        ]
        indexes = [models.Index(fields=["refurbisher", "status"])]

    def __str__(self) -> str:
        return f"{self.sku} ({self.get_grade_display()})"


class ListingChange(AuditRecord):
    """Who changed a listing, when, and what: one row per seller's write.

    ``reason`` says what changed in words ("Stock 3 → 5; price in France
    €199.00 → €189.00"); ``actor`` is the member who did it (on the
    dashboard, through an API key they made, or by uploading an import),
    None for the system.
    """

    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="changes"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.listing_id}: {self.reason}"


def _warranty_meets_market_minimum() -> Q:
    """warranty_months >= the offer's market minimum, as one database check."""
    condition = Q()
    for minimum in sorted({m.warranty_min_months for m in MARKETS.values()}):
        codes = [c for c, m in MARKETS.items() if m.warranty_min_months == minimum]
        condition |= Q(market__in=codes, warranty_months__gte=minimum)
    return condition


def _currency_matches_market() -> Q:
    condition = Q()
    for currency in sorted({m.currency for m in MARKETS.values()}):
        codes = [c for c, m in MARKETS.items() if m.currency == currency]
        condition |= Q(market__in=codes, currency=currency)
    return condition


class Offer(models.Model):
    """A listing as sold in one market: its price there and whether it can be bought.

    Only a market the refurbisher ships to has an offer. Catalog keys, grade,
    battery, warranty, rank and ``is_purchasable`` are copies kept in step with
    the listing and refurbisher by ``listings.services`` so search, facets and
    the device page read this table alone.
    """

    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="offers"
    )
    market = models.CharField(max_length=2, choices=MARKET_CHOICES)
    price_amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    shipping_amount = models.DecimalField(max_digits=8, decimal_places=2, default=0)

    refurbisher = models.ForeignKey(
        "refurbishers.Refurbisher", on_delete=models.CASCADE, related_name="+"
    )
    variant = models.ForeignKey(
        Variant, on_delete=models.CASCADE, related_name="offers"
    )
    device_model = models.ForeignKey(
        DeviceModel, on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+")
    grade = models.CharField(max_length=1, choices=Grade.choices)
    battery_min_pct = models.PositiveSmallIntegerField()
    warranty_months = models.PositiveSmallIntegerField()
    # The ranking (quality.services.ranking) owns the score and its parts: each
    # part is 0 to 1, the score 0 to 100 their weighted sum; None until ranked.
    rank_score = models.FloatField(default=0)
    score_device = models.FloatField(null=True, blank=True)
    score_seller = models.FloatField(null=True, blank=True)
    score_service = models.FloatField(null=True, blank=True)
    score_price = models.FloatField(null=True, blank=True)
    is_purchasable = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "market"], name="offer_one_per_market"
            ),
            models.CheckConstraint(
                condition=Q(price_amount__gt=0), name="offer_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(shipping_amount__gte=0), name="offer_shipping_not_negative"
            ),
            models.CheckConstraint(
                condition=_currency_matches_market(), name="offer_currency_of_market"
            ),
            models.CheckConstraint(
                condition=_warranty_meets_market_minimum(),
                name="offer_warranty_market_min",
            ),
        ]
        indexes = [
            # Shop pages: purchasable offers of a market, by category or model.
            models.Index(
                fields=["market", "category", "device_model", "grade"],
                name="offer_market_category",
                condition=Q(is_purchasable=True),
            ),
            models.Index(
                fields=["market", "device_model", "variant", "grade"],
                name="offer_market_model",
                condition=Q(is_purchasable=True),
            ),
        ]
        # No index holds rank_score or its parts: the recompute rewrites them
        # for many offers at once, and with room left on each page
        # (fillfactor 85, migration 0003) those writes are HOT updates that
        # touch no index. The shop groups offers per model, never reads them
        # in rank order across a market.

    def __str__(self) -> str:
        return (
            f"{self.listing_id} in {self.market}: {self.price_amount} {self.currency}"
        )


def listing_photo_path(photo: ListingPhoto, filename: str) -> str:
    return f"listings/{photo.listing_id}/{uuid.uuid4().hex}"


class ListingPhoto(models.Model):
    """A photo of the listed device, checked to be an image when uploaded;
    ``thumbnail`` is made in the background (blank until then)."""

    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField(upload_to=listing_photo_path, max_length=200)
    thumbnail = models.FileField(
        upload_to=listing_photo_path, max_length=200, blank=True
    )
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["listing", "position", "pk"]

    def __str__(self) -> str:
        return f"Photo {self.position} of listing {self.listing_id}"


class DeviceModelRequestStatus(models.TextChoices):
    OPEN = "open", gettext_lazy("Waiting for QA")
    ADDED = "added", gettext_lazy("Added to the catalog")
    DECLINED = "declined", gettext_lazy("Declined")


class DeviceModelRequest(models.Model):
    """A refurbisher asks for a device model the catalog lacks; QA adds it in
    the admin (or says why not)."""

    refurbisher = models.ForeignKey(
        "refurbishers.Refurbisher", on_delete=models.CASCADE, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    brand_name = models.CharField(max_length=80)
    model_name = models.CharField(max_length=120)
    details = models.TextField(
        blank=True,
        help_text="Storage sizes, colours, year, a link to the maker's page.",
    )
    status = models.CharField(
        max_length=10,
        choices=DeviceModelRequestStatus.choices,
        default=DeviceModelRequestStatus.OPEN,
    )
    device_model = models.ForeignKey(
        DeviceModel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    qa_note = models.TextField("note to the refurbisher", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.brand_name} {self.model_name}"


class ListingImportStatus(models.TextChoices):
    CHECKING = "checking", gettext_lazy("Checking the file")
    CHECKED = "checked", gettext_lazy("Checked: waiting for you")
    APPLYING = "applying", gettext_lazy("Applying")
    APPLIED = "applied", gettext_lazy("Applied")
    FAILED = "failed", gettext_lazy("Could not be read")
    DISCARDED = "discarded", gettext_lazy("Discarded")


def listing_import_path(listing_import: ListingImport, filename: str) -> str:
    return f"imports/{listing_import.refurbisher_id}/{uuid.uuid4().hex}.csv"


class ListingImport(models.Model):
    """A CSV of listings: checked in full first (the dry run), then applied
    all at once, or discarded. ``errors`` lists what is wrong by row and
    column; ``rows_done`` of ``rows_total`` drives the progress bar."""

    refurbisher = models.ForeignKey(
        "refurbishers.Refurbisher", on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file = models.FileField(upload_to=listing_import_path, max_length=200)
    filename = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10,
        choices=ListingImportStatus.choices,
        default=ListingImportStatus.CHECKING,
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    # [{"row": 3, "column": "price_FR", "message": "..."}], capped in size.
    errors = models.JSONField(default=list, blank=True)
    listings_created = models.PositiveIntegerField(default=0)
    listings_updated = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.filename}"

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))
