"""Forms of the seller's listings pages: they read what was typed; the rules
(markets, warranty, SKU, stock) belong to the listing services."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext, gettext_lazy, ngettext_lazy

from listings.models import (
    BATTERY_MIN_PCT,
    Category,
    Grade,
    Listing,
    ListingStatus,
    Variant,
)
from listings.selectors.seller_listings import variant_label, variant_matches
from listings.services import MAX_DISPATCH_DAYS, SKU_MAX_LENGTH, MarketPrice
from listings.services.photos import MAX_PHOTOS
from marketplace.markets import MARKETS
from refurbishers.models import Refurbisher

PRICE = {"max_digits": 10, "decimal_places": 2}
DECIMAL_ATTRS = {"step": "0.01", "inputmode": "decimal"}


def _price_field(label: str, *, required: bool) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs=DECIMAL_ATTRS),
        error_messages={"min_value": gettext_lazy("A price is above zero.")},
        **PRICE,
    )


class QuickEditForm(forms.Form):
    """A table row: the stock and the price in each market it is sold in."""

    stock = forms.IntegerField(
        min_value=0,
        max_value=100_000,
        error_messages={"min_value": gettext_lazy("Stock cannot be negative.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, listing: Listing, **kwargs):
        kwargs.setdefault("prefix", f"l{listing.pk}")
        initial = {"stock": listing.stock}
        super().__init__(*args, initial=initial, **kwargs)
        self.listing = listing
        self.markets = [offer.market for offer in listing.offers.all()]
        for offer in listing.offers.all():
            name = f"price_{offer.market}"
            self.fields[name] = _price_field(
                gettext("Price in %(market)s (%(currency)s)")
                % {"market": MARKETS[offer.market].name, "currency": offer.currency},
                required=True,
            )
            self.initial[name] = offer.price_amount

    def price_fields(self) -> list[tuple[str, forms.BoundField]]:
        return [(code, self[f"price_{code}"]) for code in self.markets]

    def changed_prices(self) -> dict[str, MarketPrice]:
        """The markets whose price was changed (shipping is kept)."""
        return {
            offer.market: MarketPrice(amount, offer.shipping_amount)
            for offer in self.listing.offers.all()
            if (amount := self.cleaned_data[f"price_{offer.market}"])
            != offer.price_amount
        }


BULK_ACTIONS = [
    ("pause", gettext_lazy("Pause")),
    ("resume", gettext_lazy("Resume")),
    ("percent", gettext_lazy("Change price by %")),
    ("set", gettext_lazy("Set price")),
]


class _Selected(forms.TypedMultipleChoiceField):
    """Ids of rows: any integers; the service keeps the seller's own only."""

    def valid_value(self, value) -> bool:
        return str(value).isdigit()


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(choices=BULK_ACTIONS)
    market = forms.ChoiceField(required=False)
    value = forms.DecimalField(
        required=False,
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs=DECIMAL_ATTRS),
    )
    selected = _Selected(coerce=int)

    def __init__(self, *args, refurbisher: Refurbisher, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["market"].choices = [("", gettext("All markets"))] + [
            (code, MARKETS[code].name) for code in refurbisher.ships_to
        ]
        self.fields["selected"].error_messages["required"] = gettext(
            "Select at least one listing."
        )

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in ("percent", "set") and data.get("value") is None:
            self.add_error(
                "value",
                gettext("Give the percentage.")
                if action == "percent"
                else gettext("Give the price."),
            )
        if action == "set" and not data.get("market"):
            self.add_error(
                "market", gettext("A price is set for one market: choose it.")
            )
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ListingForm(forms.Form):
    """Create (``listing`` None) or edit a listing. A listing's variant and
    SKU are its identity: they are chosen once, at creation."""

    variant_q = forms.CharField(
        label=gettext_lazy("Find the device"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "placeholder": gettext_lazy("e.g. iphone 13 128 blue"),
            }
        ),
    )
    variant = forms.ModelChoiceField(
        label=gettext_lazy("Device"),
        queryset=Variant.objects.select_related("device_model__brand"),
        empty_label=gettext_lazy("Choose a device"),
        error_messages={"required": gettext_lazy("Choose the device you are listing.")},
    )
    sku = forms.CharField(label=gettext_lazy("SKU"), max_length=SKU_MAX_LENGTH)
    grade = forms.ChoiceField(
        label=gettext_lazy("Grade"), choices=Grade.choices, initial=Grade.EXCELLENT
    )
    battery_min_pct = forms.IntegerField(
        label=gettext_lazy("Battery health guaranteed (%)"),
        min_value=BATTERY_MIN_PCT,
        max_value=100,
        initial=85,
    )
    stock = forms.IntegerField(
        label=gettext_lazy("Stock"), min_value=0, max_value=100_000, initial=1
    )
    warranty_months = forms.IntegerField(
        label=gettext_lazy("Warranty (months)"), min_value=0, max_value=60, initial=12
    )
    dispatch_days = forms.IntegerField(
        label=gettext_lazy("Dispatch time (working days)"),
        min_value=0,
        max_value=MAX_DISPATCH_DAYS,
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=ListingStatus.choices, initial="active"
    )
    photos = MultipleFileField(
        label=gettext_lazy("Add photos"),
        required=False,
        help_text=ngettext_lazy(
            "Up to %(count)d JPEG, PNG or WebP photo, 10 MB each.",
            "Up to %(count)d JPEG, PNG or WebP photos, 10 MB each.",
            "count",
        )
        % {"count": MAX_PHOTOS},
    )

    def __init__(
        self,
        *args,
        refurbisher: Refurbisher,
        listing: Listing | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.refurbisher = refurbisher
        self.listing = listing
        self.markets = [code for code in MARKETS if code in refurbisher.ships_to]
        self.fields["dispatch_days"].initial = refurbisher.dispatch_days
        for code in self.markets:
            market = MARKETS[code]
            self.fields[f"price_{code}"] = _price_field(
                gettext("Price in %(market)s (%(currency)s)")
                % {"market": market.name, "currency": market.currency},
                required=False,
            )
            self.fields[f"shipping_{code}"] = forms.DecimalField(
                label=gettext("Shipping to %(market)s (%(currency)s)")
                % {"market": market.name, "currency": market.currency},
                required=False,
                min_value=Decimal("0"),
                initial=Decimal("0"),
                widget=forms.NumberInput(attrs=DECIMAL_ATTRS),
                max_digits=8,  # the offer's shipping column
                decimal_places=2,
            )
        if listing is not None:
            del self.fields["variant_q"]
            self.fields["variant"].disabled = True
            self.fields["variant"].required = False
            self.fields["sku"].disabled = True
            self.fields["sku"].required = False
            self.initial.update(
                variant=listing.variant_id,
                sku=listing.sku,
                grade=listing.grade,
                battery_min_pct=listing.battery_min_pct,
                stock=listing.stock,
                warranty_months=listing.warranty_months,
                dispatch_days=listing.dispatch_days,
                status=listing.status,
            )
            for offer in listing.offers.all():
                self.initial[f"price_{offer.market}"] = offer.price_amount
                self.initial[f"shipping_{offer.market}"] = offer.shipping_amount
        self._variant_choices()

    def _variant_choices(self) -> None:
        """The select lists what the search box found (without JS, "Find"
        re-draws the form with these), plus the variant already chosen."""
        field = self.fields["variant"]
        source = self.data if self.is_bound else self.initial
        q = source.get("variant_q") or ""
        chosen = source.get("variant")
        matches = variant_matches(q=q) if q.strip() else []
        if chosen and str(chosen).isdigit():
            current = (
                Variant.objects.select_related("device_model__brand")
                .filter(pk=int(chosen))
                .first()
            )
            if current and current not in matches:
                matches.insert(0, current)
        field.widget.choices = [("", gettext("Choose a device"))] + [
            (variant.pk, variant_label(variant)) for variant in matches
        ]

    def market_rows(self) -> list[dict]:
        return [
            {
                "code": code,
                "market": MARKETS[code],
                "price": self[f"price_{code}"],
                "shipping": self[f"shipping_{code}"],
            }
            for code in self.markets
        ]

    def clean(self):
        data = super().clean()
        for code in self.markets:
            if data.get(f"price_{code}") is None and data.get(f"shipping_{code}"):
                self.add_error(
                    f"price_{code}",
                    gettext("Give a price here, or clear the shipping cost."),
                )
        return data

    def prices(self) -> dict[str, MarketPrice | None]:
        """Each market's price, or None where the price was left blank."""
        prices: dict[str, MarketPrice | None] = {}
        for code in self.markets:
            amount = self.cleaned_data.get(f"price_{code}")
            shipping = self.cleaned_data.get(f"shipping_{code}") or Decimal("0")
            prices[code] = None if amount is None else MarketPrice(amount, shipping)
        return prices


class ModelRequestForm(forms.Form):
    brand_name = forms.CharField(label=gettext_lazy("Brand"), max_length=80)
    model_name = forms.CharField(label=gettext_lazy("Model"), max_length=120)
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=gettext_lazy("Not sure"),
    )
    details = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Details"),
        help_text=gettext_lazy(
            "Storage sizes, colours, year, a link to the maker's page."
        ),
    )
