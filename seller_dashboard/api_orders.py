"""The seller API for orders, warranty claims, messages and payouts.

A key acts as its refurbisher only: every query is scoped by
``request.auth.refurbisher``, so another seller's order, claim, thread or
payout is a 404 that reveals nothing. Every write calls the service the
dashboard calls, with the key's creator as the actor; the services' refusals
become 400 (naming a field) or 409 (the object's state) in
``marketplace.api.errors``.
"""

from __future__ import annotations

import re

from django.db.models import QuerySet
from django.utils.translation import gettext
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from orders.exceptions import FulfilmentRefused
from orders.models import MessageAuthor, Payout, SellerOrder, WarrantyClaim
from orders.selectors.claims import claim_of_refurbisher, claims_of_refurbisher
from orders.selectors.messages import message_thread, seller_order_for_refurbisher
from orders.selectors.payouts import payout_of_refurbisher
from orders.selectors.seller_api import (
    payouts_for_api,
    seller_order_for_api,
    seller_orders_for_api,
    threads_for_api,
)
from orders.services.cancellation import seller_order_cancel_by_seller
from orders.services.claims import claim_answer
from orders.services.fulfilment import seller_order_accept, seller_order_ship
from orders.services.messages import message_send
from refurbishers.models import Refurbisher
from seller_dashboard.filters_orders import ClaimFilter, PayoutFilter, SellerOrderFilter
from seller_dashboard.serializers_orders import (
    CancelSerializer,
    ClaimAnswerSerializer,
    ClaimDetailSerializer,
    ClaimSerializer,
    MessageSendSerializer,
    MessageSerializer,
    PayoutDetailSerializer,
    PayoutSerializer,
    SellerOrderDetailSerializer,
    SellerOrderSerializer,
    ShipSerializer,
    ThreadDetailSerializer,
    ThreadSerializer,
)

REFERENCE = OpenApiParameter(
    "reference", str, OpenApiParameter.PATH, description="The order's reference."
)
ID = OpenApiParameter("id", int, OpenApiParameter.PATH)
# The dashboard names a unit's serial field serial_<line id>_<unit index>.
SERIAL_FIELD = re.compile(r"serial_(\d+)_(\d+)")


def _refurbisher(request) -> Refurbisher:
    return request.auth.refurbisher


def _id(view) -> int:
    """The id in the URL; one that is not a number is a 404 like any unknown id
    (in the API's JSON, not the site's HTML page)."""
    value = view.kwargs["pk"]
    if not re.fullmatch(r"[0-9]+", value):
        raise NotFound()
    return int(value)


# --- Orders -----------------------------------------------------------------------


def _ship_field(field: str | None, positions: dict[int, int]) -> str | None:
    """The service's serial field as the API's: ``lines.<i>.serials.<j>``."""
    match = SERIAL_FIELD.fullmatch(field or "")
    if match is None:
        return field
    line_id, unit = int(match[1]), int(match[2])
    if line_id not in positions:
        return "lines"
    return f"lines.{positions[line_id]}.serials.{unit}"


@extend_schema_view(
    list=extend_schema(summary="Your seller orders", tags=["seller orders"]),
    retrieve=extend_schema(
        summary="One seller order, with its history",
        parameters=[REFERENCE],
        responses=SellerOrderDetailSerializer,
        tags=["seller orders"],
    ),
)
class SellerOrderViewSet(viewsets.ReadOnlyModelViewSet):
    """Paid seller orders of the key's refurbisher, and the moves it makes on them."""

    serializer_class = SellerOrderSerializer
    filterset_class = SellerOrderFilter
    lookup_field = "reference"
    lookup_value_regex = r"[^/]+"
    queryset = SellerOrder.objects.none()  # for the schema; see get_queryset

    def get_queryset(self) -> QuerySet[SellerOrder]:
        return seller_orders_for_api(refurbisher=_refurbisher(self.request))

    def get_object(self) -> SellerOrder:
        return self._seller_order(self.kwargs["reference"])

    def _seller_order(self, reference: str) -> SellerOrder:
        seller_order = seller_order_for_api(
            refurbisher=_refurbisher(self.request), reference=reference
        )
        if seller_order is None:
            raise NotFound(gettext("No such order."))
        return seller_order

    def retrieve(self, request, *args, **kwargs) -> Response:
        return Response(SellerOrderDetailSerializer(self.get_object()).data)

    def _after(self, seller_order: SellerOrder) -> Response:
        """The seller order as it is after a move."""
        fresh = self._seller_order(seller_order.order.reference)
        return Response(SellerOrderDetailSerializer(fresh).data)

    @extend_schema(
        summary="Accept a paid order",
        description="The seller will ship it before its ship-by time.",
        request=None,
        responses=SellerOrderDetailSerializer,
        parameters=[REFERENCE],
        tags=["seller orders"],
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, reference: str) -> Response:
        seller_order = self.get_object()
        seller_order_accept(seller_order=seller_order, actor=request.user)
        return self._after(seller_order)

    @extend_schema(
        summary="Ship an accepted order",
        description=(
            "With the carrier, its tracking number (checked against the carrier's "
            "format) and one serial number or IMEI per unit of every line (IMEIs "
            "are Luhn-checked). A serial's error names `lines.<i>.serials.<j>`. "
            "The shopper is emailed the tracking."
        ),
        request=ShipSerializer,
        responses=SellerOrderDetailSerializer,
        parameters=[REFERENCE],
        tags=["seller orders"],
    )
    @action(detail=True, methods=["post"])
    def ship(self, request, reference: str) -> Response:
        seller_order = self.get_object()
        serializer = ShipSerializer(
            data=request.data,
            context={"line_ids": {line.pk for line in seller_order.lines.all()}},
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        positions = {line["line_id"]: i for i, line in enumerate(data["lines"])}
        try:
            seller_order_ship(
                seller_order=seller_order,
                actor=request.user,
                carrier=data["carrier"],
                carrier_name=data["carrier_name"],
                tracking_number=data["tracking_number"],
                serials={line["line_id"]: line["serials"] for line in data["lines"]},
            )
        except FulfilmentRefused as refused:
            field = _ship_field(refused.field, positions)
            if field == refused.field:
                raise
            raise FulfilmentRefused(refused.message, field) from refused
        return self._after(seller_order)

    @extend_schema(
        summary="Cancel a paid or accepted order",
        description=(
            "With a reason; the shopper is refunded in full and told why. Units go "
            "back to stock when the shopper asked or the address cannot be served."
        ),
        request=CancelSerializer,
        responses=SellerOrderDetailSerializer,
        parameters=[REFERENCE],
        tags=["seller orders"],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, reference: str) -> Response:
        seller_order = self.get_object()
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        seller_order_cancel_by_seller(
            seller_order=seller_order,
            actor=request.user,
            reason_code=serializer.validated_data["reason_code"],
            note=serializer.validated_data["note"],
        )
        return self._after(seller_order)


# --- Warranty claims --------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Your warranty claims",
        description="Those waiting for your answer first (soonest due first), "
        "then the others, newest first.",
        tags=["warranty claims"],
    ),
    retrieve=extend_schema(
        summary="One warranty claim, with its history",
        parameters=[ID],
        responses=ClaimDetailSerializer,
        tags=["warranty claims"],
    ),
)
class ClaimViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilter
    lookup_value_regex = r"[^/]+"
    queryset = WarrantyClaim.objects.none()  # for the schema; see get_queryset

    def get_queryset(self) -> QuerySet[WarrantyClaim]:
        return claims_of_refurbisher(refurbisher=_refurbisher(self.request), show="all")

    def get_object(self) -> WarrantyClaim:
        claim = claim_of_refurbisher(
            refurbisher=_refurbisher(self.request), claim_id=_id(self)
        )
        if claim is None:
            raise NotFound(gettext("No such claim."))
        return claim

    def retrieve(self, request, *args, **kwargs) -> Response:
        return Response(ClaimDetailSerializer(self.get_object()).data)

    @extend_schema(
        summary="Answer an open claim",
        description=(
            "Offer a repair, a replacement or a refund (at most the device's "
            "price), or decline with a message saying why. Only while the claim "
            "waits for you; the shopper is emailed."
        ),
        request=ClaimAnswerSerializer,
        responses=ClaimDetailSerializer,
        parameters=[ID],
        tags=["warranty claims"],
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk: str) -> Response:
        claim = self.get_object()
        serializer = ClaimAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim_answer(claim=claim, actor=request.user, **serializer.validated_data)
        return Response(ClaimDetailSerializer(self.get_object()).data)


# --- Messages ---------------------------------------------------------------------


@extend_schema(
    summary="Your message threads",
    description="One per seller order with messages: those waiting for your "
    "answer first (longest waiting at the top), then by latest message.",
    tags=["messages"],
)
class ThreadListView(generics.ListAPIView):
    serializer_class = ThreadSerializer
    queryset = SellerOrder.objects.none()  # for the schema; see get_queryset

    def get_queryset(self) -> QuerySet[SellerOrder]:
        return threads_for_api(refurbisher=_refurbisher(self.request))


class ThreadView(generics.GenericAPIView):
    serializer_class = ThreadDetailSerializer
    queryset = SellerOrder.objects.none()  # for the schema

    def _seller_order(self, reference: str) -> SellerOrder:
        seller_order = seller_order_for_refurbisher(
            refurbisher=_refurbisher(self.request), reference=reference
        )
        if seller_order is None:
            raise NotFound(gettext("No such conversation."))
        return seller_order

    @extend_schema(
        summary="A thread's messages",
        description="The seller order's messages, oldest first.",
        parameters=[REFERENCE],
        tags=["messages"],
    )
    def get(self, request, reference: str) -> Response:
        seller_order = self._seller_order(reference)
        seller_order.thread = message_thread(seller_order=seller_order)
        return Response(ThreadDetailSerializer(seller_order).data)

    @extend_schema(
        summary="Write to the shopper",
        description="Answers every shopper message still waiting; the shopper is "
        "emailed. Photos can be sent from the dashboard.",
        request=MessageSendSerializer,
        responses={201: MessageSerializer},
        parameters=[REFERENCE],
        tags=["messages"],
    )
    def post(self, request, reference: str) -> Response:
        seller_order = self._seller_order(reference)
        serializer = MessageSendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = message_send(
            seller_order=seller_order,
            author=MessageAuthor.SELLER,
            sender=request.user,
            body=serializer.validated_data["body"],
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


# --- Payouts ----------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Your payouts", tags=["payouts"]),
    retrieve=extend_schema(
        summary="One payout with its lines",
        parameters=[ID],
        responses=PayoutDetailSerializer,
        tags=["payouts"],
    ),
)
class PayoutViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = PayoutSerializer
    filterset_class = PayoutFilter
    lookup_value_regex = r"[^/]+"
    queryset = Payout.objects.none()  # for the schema; see get_queryset

    def get_queryset(self) -> QuerySet[Payout]:
        return payouts_for_api(refurbisher=_refurbisher(self.request))

    def get_object(self) -> Payout:
        payout = payout_of_refurbisher(
            refurbisher=_refurbisher(self.request), payout_id=_id(self)
        )
        if payout is None:
            raise NotFound(gettext("No such payout."))
        return payout

    def retrieve(self, request, *args, **kwargs) -> Response:
        return Response(PayoutDetailSerializer(self.get_object()).data)
