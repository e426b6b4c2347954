"""What the seller API's listing endpoints read and write.

Serializers check shapes and types only (a number is a number, a market's
price has at most two decimals); the marketplace's rules (a warranty meets
the market's minimum, the seller ships there...) are the listing services',
so the API refuses exactly what the dashboard refuses, with the same words.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext, gettext_lazy
from rest_framework import serializers

from listings.models import Grade, Listing, ListingStatus, Offer, Variant
from listings.services.bulk_updates import BULK_UPDATE_MAX_ROWS, BulkRow, PriceChange
from listings.services.listing import SKU_MAX_LENGTH, MarketPrice

# Column limits of the database, so a huge number is a 400, never a 500.
INT_MAX = 2**31 - 1
SMALL_INT_MAX = 2**15 - 1
MARKET_KEYS = "Market codes: US, FR, BE, DE, IT, ES."


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo is an error, not a no-op."""

    read_only_reasons: dict[str, str] = {}

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = {
                name: [self.read_only_reasons.get(name, gettext("Unknown field."))]
                for name in data
                if name not in self.fields or self.fields[name].read_only
            }
            if unknown:
                raise serializers.ValidationError(unknown)
        return super().to_internal_value(data)


# --- Reading ---------------------------------------------------------------


class ListingPriceSerializer(serializers.ModelSerializer):
    """The listing as sold in one market."""

    price = serializers.DecimalField(
        source="price_amount", max_digits=10, decimal_places=2
    )
    shipping = serializers.DecimalField(
        source="shipping_amount", max_digits=8, decimal_places=2
    )
    purchasable = serializers.BooleanField(
        source="is_purchasable",
        help_text="On sale in this market now (active, in stock, seller selling).",
    )
    rank_score = serializers.FloatField(
        help_text="0 to 100: how this offer ranks in the market (quality first)."
    )

    class Meta:
        model = Offer
        fields = [
            "market", "price", "shipping", "currency", "purchasable", "rank_score",
        ]  # fmt: skip


class ListingSerializer(serializers.ModelSerializer):
    variant = serializers.IntegerField(source="variant_id", help_text="Variant id.")
    device = serializers.SerializerMethodField(
        help_text="The catalog device: brand, model and variant, for people."
    )
    ships_from = serializers.CharField(
        help_text="The country the device ships from (your shop's)."
    )
    prices = ListingPriceSerializer(
        source="offers", many=True, help_text="One per market the listing is sold in."
    )

    class Meta:
        model = Listing
        fields = [
            "id", "sku", "variant", "device", "grade", "battery_min_pct", "stock",
            "warranty_months", "dispatch_days", "ships_from", "status", "prices",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_device(self, listing: Listing) -> str:
        model = listing.variant.device_model
        return f"{model.brand.name} {model.name} · {listing.variant}"


# --- Writing ---------------------------------------------------------------


class PriceInputSerializer(StrictSerializer):
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    shipping = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        required=False,
        help_text="Shipping cost to the shopper; left out, the current one is kept "
        "(nothing for a new market).",
    )


def _prices_field(*, allow_null_market: bool, **kwargs) -> serializers.DictField:
    return serializers.DictField(
        child=PriceInputSerializer(allow_null=allow_null_market),
        **kwargs,
    )


class ListingCreateSerializer(StrictSerializer):
    variant = serializers.PrimaryKeyRelatedField(
        queryset=Variant.objects.select_related("device_model"),
        help_text="The catalog variant's id (see the catalog API's variants).",
    )
    sku = serializers.CharField(max_length=SKU_MAX_LENGTH)
    grade = serializers.ChoiceField(choices=Grade.choices)
    battery_min_pct = serializers.IntegerField(max_value=SMALL_INT_MAX)
    stock = serializers.IntegerField(max_value=INT_MAX)
    warranty_months = serializers.IntegerField(max_value=SMALL_INT_MAX)
    dispatch_days = serializers.IntegerField(
        required=False,
        max_value=SMALL_INT_MAX,
        help_text="Left out: your shop's usual dispatch time.",
    )
    status = serializers.ChoiceField(
        choices=ListingStatus.choices, default=ListingStatus.ACTIVE
    )
    prices = _prices_field(
        allow_null_market=False,
        help_text=f'Price per market: {{"FR": {{"price": "459.00", "shipping": '
        f'"0.00"}}}}. {MARKET_KEYS}',
    )

    def service_arguments(self) -> dict:
        data = dict(self.validated_data)
        data["prices"] = {
            code: MarketPrice(price["price"], price.get("shipping", Decimal("0")))
            for code, price in data["prices"].items()
        }
        return data


class ListingUpdateSerializer(StrictSerializer):
    """A PATCH: only what is sent changes."""

    read_only_reasons = {
        "sku": gettext_lazy(
            "A listing keeps its SKU: create a new listing for another."
        ),
        "variant": gettext_lazy(
            "A listing keeps its variant: create a new listing for another."
        ),
        "ships_from": gettext_lazy("Listings ship from your shop's country."),
    }

    grade = serializers.ChoiceField(choices=Grade.choices, required=False)
    battery_min_pct = serializers.IntegerField(required=False, max_value=SMALL_INT_MAX)
    stock = serializers.IntegerField(required=False, max_value=INT_MAX)
    warranty_months = serializers.IntegerField(required=False, max_value=SMALL_INT_MAX)
    dispatch_days = serializers.IntegerField(required=False, max_value=SMALL_INT_MAX)
    status = serializers.ChoiceField(choices=ListingStatus.choices, required=False)
    prices = _prices_field(
        allow_null_market=True,
        required=False,
        help_text='New prices per market: {"FR": {"price": "449.00"}, "DE": null}. '
        "null stops selling in that market; markets left out keep their price. "
        + MARKET_KEYS,
    )

    def service_arguments(self, listing: Listing) -> dict:
        """listing_update's arguments; a price without shipping keeps the
        market's current shipping (``listing.offers`` as just read)."""
        data = dict(self.validated_data)
        if "prices" in data:
            current = {offer.market: offer for offer in listing.offers.all()}
            data["prices"] = {
                code: _market_price(price, current.get(code))
                for code, price in data["prices"].items()
            }
        return data


def _market_price(price: dict | None, offer: Offer | None) -> MarketPrice | None:
    if price is None:
        return None
    shipping = price.get("shipping")
    if shipping is None:
        shipping = offer.shipping_amount if offer else Decimal("0")
    return MarketPrice(price["price"], shipping)


class BulkRowSerializer(StrictSerializer):
    sku = serializers.CharField(max_length=SKU_MAX_LENGTH)
    stock = serializers.IntegerField(required=False, max_value=INT_MAX)
    prices = _prices_field(
        allow_null_market=True,
        required=False,
        help_text='{"FR": {"price": "449.00"}, "DE": null}: null stops selling '
        "there, markets left out keep their price, a price without shipping keeps "
        "the current shipping.",
    )

    def validate(self, attrs: dict) -> dict:
        if "stock" not in attrs and "prices" not in attrs:
            raise serializers.ValidationError(gettext("Give a stock, prices, or both."))
        return attrs


class BoundedListField(serializers.ListField):
    """Counts the rows before checking each, so an oversized request is
    refused at once, not after thousands of rows were read."""

    def to_internal_value(self, data):
        if isinstance(data, list) and self.max_length and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class BulkUpdateSerializer(StrictSerializer):
    rows = BoundedListField(
        child=BulkRowSerializer(),
        min_length=1,
        max_length=BULK_UPDATE_MAX_ROWS,
        help_text=f"1 to {BULK_UPDATE_MAX_ROWS} rows, one per SKU.",
    )

    def bulk_rows(self) -> list[BulkRow]:
        return [
            BulkRow(
                sku=row["sku"],
                stock=row.get("stock"),
                prices=_price_changes(row["prices"]) if "prices" in row else None,
            )
            for row in self.validated_data["rows"]
        ]


def _price_changes(prices: dict) -> dict[str, PriceChange | None]:
    return {
        code: PriceChange(price["price"], price.get("shipping")) if price else None
        for code, price in prices.items()
    }


class BulkUpdateResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="How many rows were applied.")
    skus = serializers.ListField(
        child=serializers.CharField(), help_text="The SKUs updated, in row order."
    )
