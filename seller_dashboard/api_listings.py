"""The seller API's listings: list, create, read, change, pause, resume,
delete, and bulk price and stock updates by SKU.

Every request acts as the refurbisher of its API key: every query is scoped
to it, so another refurbisher's listing is a 404. Every write calls the
listing service the dashboard calls, and lets its refusal become the error
answer (``marketplace.api.errors``).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from listings.models import Listing, ListingStatus
from listings.selectors.seller_api import listings_for_api
from listings.services import (
    listing_create,
    listing_delete,
    listing_status_set,
    listing_update,
)
from listings.services.bulk_updates import BulkUpdateRefused, listings_bulk_update
from marketplace.api.errors import error_body
from seller_dashboard.filters_listings import (
    LISTING_DEFAULT_ORDERING,
    LISTING_ORDERING_FIELDS,
    ListingFilter,
    StableOrderingFilter,
)
from seller_dashboard.serializers_listings import (
    BulkUpdateResultSerializer,
    BulkUpdateSerializer,
    ListingCreateSerializer,
    ListingSerializer,
    ListingUpdateSerializer,
)

TAG = ["Seller: listings"]


@extend_schema_view(
    list=extend_schema(
        tags=TAG,
        summary="Your listings",
        description="Filtered, ordered (`ordering=stock`, `-updated_at`...) and "
        "paged; each with its price in every market it is sold in.",
    ),
    retrieve=extend_schema(tags=TAG, summary="One listing"),
)
class ListingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = ListingSerializer
    # Any segment reaches the view, so a malformed id is the API's JSON 404.
    lookup_value_regex = "[^/]+"
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = ListingFilter
    ordering_fields = LISTING_ORDERING_FIELDS
    ordering = LISTING_DEFAULT_ORDERING

    def get_queryset(self) -> QuerySet[Listing]:
        if getattr(self, "swagger_fake_view", False):  # the schema's dry run
            return Listing.objects.none()
        return listings_for_api(refurbisher=self.request.auth.refurbisher)

    def _answer(self, listing: Listing, code: int = status.HTTP_200_OK) -> Response:
        """The listing as stored now (re-read, with its offers)."""
        listing = self.get_queryset().get(pk=listing.pk)
        return Response(self.get_serializer(listing).data, status=code)

    @extend_schema(
        tags=TAG,
        summary="Create a listing",
        request=ListingCreateSerializer,
        responses={201: ListingSerializer},
    )
    def create(self, request) -> Response:
        form = ListingCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        listing = listing_create(
            refurbisher=request.auth.refurbisher,
            actor=request.user,
            **form.service_arguments(),
        )
        return self._answer(listing, status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAG,
        summary="Change a listing",
        description="Only what is sent changes. A market's price set to null "
        "stops selling there; the listing must keep at least one market.",
        request=ListingUpdateSerializer,
        responses={200: ListingSerializer},
    )
    def partial_update(self, request, pk=None) -> Response:
        listing = self.get_object()
        form = ListingUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        listing = listing_update(
            listing=listing, actor=request.user, **form.service_arguments(listing)
        )
        return self._answer(listing)

    @extend_schema(
        tags=TAG,
        summary="Delete a listing never sold",
        description="A listing with orders stays on record (409): archive it "
        "with a PATCH of its status instead.",
        responses={204: OpenApiResponse(description="Deleted.")},
    )
    def destroy(self, request, pk=None) -> Response:
        listing_delete(listing=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        tags=TAG,
        summary="Pause a listing",
        description="It leaves the shop in every market until resumed.",
        request=None,
        responses={200: ListingSerializer},
    )
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None) -> Response:
        listing = listing_status_set(
            listing=self.get_object(), status=ListingStatus.PAUSED, actor=request.user
        )
        return self._answer(listing)

    @extend_schema(
        tags=TAG,
        summary="Resume a listing",
        description="Back on sale where it is priced, if in stock.",
        request=None,
        responses={200: ListingSerializer},
    )
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None) -> Response:
        listing = listing_status_set(
            listing=self.get_object(), status=ListingStatus.ACTIVE, actor=request.user
        )
        return self._answer(listing)

    @extend_schema(
        tags=TAG,
        summary="Update stock and prices of many listings by SKU",
        description="All rows apply, or none: every row is checked with the "
        "same rules as a single change, and if one is refused nothing changes "
        "and the answer lists every refused row as `rows.<i>.<field>` (i from "
        "0). A SKU you do not have is refused as unknown.",
        request=BulkUpdateSerializer,
        responses={200: BulkUpdateResultSerializer},
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def bulk(self, request) -> Response:
        form = BulkUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            result = listings_bulk_update(
                refurbisher=request.auth.refurbisher,
                rows=form.bulk_rows(),
                actor=request.user,
            )
        except BulkUpdateRefused as refusal:
            # The one error shape, with the refusal's own message ("Nothing
            # was changed: 2 rows...") and each row's fields.
            fields = {
                f"rows.{index}.{name}": messages
                for index, row in sorted(refusal.rows.items())
                for name, messages in row.items()
            }
            return Response(
                error_body("validation_error", refusal.message, fields),
                status=status.HTTP_400_BAD_REQUEST,
            )
        skus = [listing.sku for listing in result.updated]
        return Response(
            BulkUpdateResultSerializer({"updated": len(skus), "skus": skus}).data
        )
