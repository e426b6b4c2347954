"""What the public catalog API answers: the catalog and the offers on sale."""

from __future__ import annotations

from rest_framework import serializers

from listings.models import Brand, Category, DeviceModel, Grade, Offer, Variant


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "slug", "name", "kind", "description"]


class BrandSerializer(serializers.ModelSerializer):
    class Meta:
        model = Brand
        fields = ["id", "slug", "name"]


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "slug", "name"]


class DeviceModelSerializer(serializers.ModelSerializer):
    brand = BrandSerializer()
    category = CategoryRefSerializer()

    class Meta:
        model = DeviceModel
        fields = ["id", "slug", "name", "brand", "category", "release_year"]


class VariantSerializer(serializers.ModelSerializer):
    device_model = serializers.IntegerField(
        source="device_model_id", help_text="Device model id."
    )
    label = serializers.CharField(
        source="__str__", help_text="Storage, colour and connectivity, for people."
    )

    class Meta:
        model = Variant
        fields = [
            "id", "device_model", "label", "storage_gb", "colour", "colour_hex",
            "connectivity",
        ]  # fmt: skip


class DeviceModelDetailSerializer(DeviceModelSerializer):
    variants = VariantSerializer(many=True)

    class Meta(DeviceModelSerializer.Meta):
        fields = [
            *DeviceModelSerializer.Meta.fields, "specs", "description", "variants",
        ]  # fmt: skip


class SellerSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    rating = serializers.DecimalField(
        source="rating_average",
        max_digits=3,
        decimal_places=2,
        allow_null=True,
        help_text="Shoppers' average rating out of 5; null before any review.",
    )
    rating_count = serializers.IntegerField()


class RankPartsSerializer(serializers.Serializer):
    """Each part from 0 to 1; null until the offer was first ranked."""

    device = serializers.FloatField(source="score_device", allow_null=True)
    seller = serializers.FloatField(source="score_seller", allow_null=True)
    service = serializers.FloatField(source="score_service", allow_null=True)
    price = serializers.FloatField(source="score_price", allow_null=True)


class OfferVariantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField(source="__str__")


class OfferDeviceModelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    brand = serializers.CharField(source="brand.name")


class OfferSerializer(serializers.ModelSerializer):
    price = serializers.DecimalField(
        source="price_amount", max_digits=10, decimal_places=2
    )
    shipping = serializers.DecimalField(
        source="shipping_amount", max_digits=8, decimal_places=2
    )
    grade_label = serializers.SerializerMethodField()
    dispatch_days = serializers.IntegerField(source="listing.dispatch_days")
    ships_from = serializers.CharField(source="listing.ships_from")
    device_model = OfferDeviceModelSerializer()
    variant = OfferVariantSerializer()
    seller = SellerSerializer(source="refurbisher")
    rank_score = serializers.FloatField(
        help_text="0 to 100: device quality and the seller's service weigh most, "
        "price counts too."
    )
    rank_parts = RankPartsSerializer(source="*")

    class Meta:
        model = Offer
        fields = [
            "id", "market", "price", "shipping", "currency", "grade", "grade_label",
            "battery_min_pct", "warranty_months", "dispatch_days", "ships_from",
            "device_model", "variant", "seller", "rank_score", "rank_parts",
        ]  # fmt: skip

    def get_grade_label(self, offer: Offer) -> str:
        return Grade(offer.grade).label
