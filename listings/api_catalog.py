"""The public catalog API: categories, device models, variants, and the
offers on sale in a market, ranked as the shop ranks them.

Read only and open to everyone: no key, throttled per client address by the
default throttles. Each list costs a fixed number of queries.
"""

from __future__ import annotations

from django.db.models import QuerySet
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
from listings.models import DeviceModel, Offer
from listings.selectors.catalog_api import (
    categories_for_api,
    device_model_by_slug_or_id,
    device_models_for_api,
    offers_on_sale_for_api,
    variants_for_api,
)
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
    queryset = categories_for_api()
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
        return device_models_for_api(with_variants=self.action == "retrieve")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return DeviceModelDetailSerializer
        return DeviceModelSerializer

    def get_object(self) -> DeviceModel:
        value = self.kwargs["id"]
        model = device_model_by_slug_or_id(self.get_queryset(), value, as_id(value))
        if model is None:
            raise NotFound("No such device model.")
        return model


@extend_schema_view(
    list=extend_schema(tags=TAG, summary="Variants"),
    retrieve=extend_schema(tags=TAG, summary="One variant"),
)
class VariantViewSet(CatalogViewSet):
    queryset = variants_for_api()
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
        return offers_on_sale_for_api()

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action == "retrieve":
            return queryset  # one offer: no market to choose
        return super().filter_queryset(queryset)
