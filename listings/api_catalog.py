"""The public catalog API: categories, device models, variants, and the
offers on sale in a market, ranked as the shop ranks them.

Read only and open to everyone: no key, throttled per client address by the
default throttles. Each list costs a fixed number of queries.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Lower
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny

from listings.filters_catalog import (
    DeviceModelFilter,
    OfferFilter,
    VariantFilter,
    as_id,
)
from listings.models import Category, DeviceModel, Offer, Variant
from listings.serializers_catalog import (
    CategorySerializer,
    DeviceModelDetailSerializer,
    DeviceModelSerializer,
    OfferSerializer,
    VariantSerializer,
)

TAG = ["Catalog"]


class CatalogViewSet(viewsets.ReadOnlyModelViewSet):
    """Open to all, no key (a session is not read either)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    # Any segment reaches the view, so a malformed id is the API's JSON 404.
    lookup_value_regex = "[^/]+"


@extend_schema_view(
    list=extend_schema(tags=TAG, summary="Categories"),
    retrieve=extend_schema(tags=TAG, summary="One category"),
)
class CategoryViewSet(CatalogViewSet):
    queryset = Category.objects.order_by("position", "name", "id")
    serializer_class = CategorySerializer


SLUG_OR_ID = OpenApiParameter(
    "id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The device model's slug (iphone-13) or id.",
)


@extend_schema_view(
    list=extend_schema(tags=TAG, summary="Device models"),
    retrieve=extend_schema(
        tags=TAG, summary="One device model, with its variants", parameters=[SLUG_OR_ID]
    ),
)
class DeviceModelViewSet(CatalogViewSet):
    filterset_class = DeviceModelFilter
    lookup_url_kwarg = "id"

    def get_queryset(self) -> QuerySet[DeviceModel]:
        # Case-blind, so "iPhone" sorts among the I's, not after every capital.
        models = DeviceModel.objects.select_related("brand", "category").order_by(
            Lower("brand__name"), Lower("name"), "id"
        )
        if self.action == "retrieve":
            models = models.prefetch_related(
                Prefetch("variants", queryset=Variant.objects.order_by(
                    "storage_gb", "colour", "connectivity", "id"))
            )  # fmt: skip
        return models

    def get_serializer_class(self):
        if self.action == "retrieve":
            return DeviceModelDetailSerializer
        return DeviceModelSerializer

    def get_object(self) -> DeviceModel:
        value = self.kwargs["id"]
        models = self.get_queryset()
        model = models.filter(slug=value).first()
        if model is None and (pk := as_id(value)) is not None:
            model = models.filter(pk=pk).first()
        if model is None:
            raise NotFound("No such device model.")
        return model


@extend_schema_view(
    list=extend_schema(tags=TAG, summary="Variants"),
    retrieve=extend_schema(tags=TAG, summary="One variant"),
)
class VariantViewSet(CatalogViewSet):
    queryset = Variant.objects.order_by(
        "device_model_id", "storage_gb", "colour", "connectivity", "id"
    )
    serializer_class = VariantSerializer
    filterset_class = VariantFilter


@extend_schema_view(
    list=extend_schema(
        tags=TAG,
        summary="Offers on sale in a market",
        description="Only offers a shopper can buy now in that market, in the "
        "shop's order by default (`recommended`: the rank score, which weighs "
        "device quality and the seller's service above price), or by price.",
    ),
    retrieve=extend_schema(tags=TAG, summary="One offer on sale"),
)
class OfferViewSet(CatalogViewSet):
    serializer_class = OfferSerializer
    filterset_class = OfferFilter

    def get_queryset(self) -> QuerySet[Offer]:
        return Offer.objects.filter(is_purchasable=True).select_related(
            "listing", "refurbisher", "variant", "device_model__brand"
        )

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action == "retrieve":
            return queryset  # one offer: no market to choose
        return super().filter_queryset(queryset)
