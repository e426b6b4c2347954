"""Seller API: who a key acts as (``GET /api/v1/seller/me/``).

A stock system calls it first to check its key and to learn where the
refurbisher may sell: its status, the markets it ships to and, on trial,
today's sales against the daily cap.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.markets import MARKETS
from refurbishers.models import RefurbisherStatus
from refurbishers.selectors import trial_progress


class MarketSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="ISO 3166-1 country code, e.g. FR.")
    name = serializers.CharField()
    currency = serializers.CharField(help_text="ISO 4217 code of its prices.")


class TrialSerializer(serializers.Serializer):
    ends_at = serializers.DateTimeField()
    days_left = serializers.IntegerField(min_value=0)
    daily_sales_cap = serializers.IntegerField(
        min_value=0, help_text="Sales a day at most, in the seller's time zone."
    )
    sales_today = serializers.IntegerField(min_value=0)
    capped_today = serializers.BooleanField(
        help_text="True when today's cap is reached: listings are hidden until "
        "midnight in the seller's time zone."
    )


class KeySerializer(serializers.Serializer):
    name = serializers.CharField()
    prefix = serializers.CharField(help_text="The key starts rmk_<prefix>_.")


@extend_schema_field(
    {
        "type": "string",
        "enum": RefurbisherStatus.values,
        "description": "trial and active sell; suspended does not.",
    }
)
class RefurbisherStatusField(serializers.ChoiceField):
    """Documented inline: other parts of the API have fields named status too,
    and a shared enum component name would collide."""

    def __init__(self, **kwargs):
        super().__init__(choices=RefurbisherStatus.choices, **kwargs)


class SellerMeSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    status = RefurbisherStatusField()
    is_selling = serializers.BooleanField(
        help_text="Whether its listings can be on the site (on trial or active)."
    )
    country = serializers.CharField(help_text="Where it ships from.")
    time_zone = serializers.CharField()
    ships_to = MarketSerializer(many=True)
    trial = TrialSerializer(
        allow_null=True, help_text="Its trial today; null when not on trial."
    )
    key = KeySerializer(help_text="The key this call was made with.")


class SellerMeView(APIView):
    @extend_schema(
        operation_id="seller_me",
        summary="The seller this key acts as",
        tags=["seller"],
        responses={200: SellerMeSerializer},
    )
    def get(self, request):
        refurbisher = request.auth.refurbisher
        trial = trial_progress(refurbisher)
        body = {
            "name": refurbisher.name,
            "slug": refurbisher.slug,
            "status": refurbisher.status,
            "is_selling": refurbisher.is_selling,
            "country": refurbisher.country,
            "time_zone": refurbisher.time_zone,
            "ships_to": [
                MARKETS[code] for code in refurbisher.ships_to if code in MARKETS
            ],
            "trial": trial
            and {
                "ends_at": trial.ends_at,
                "days_left": trial.days_left,
                "daily_sales_cap": trial.cap,
                "sales_today": trial.sales_today,
                "capped_today": trial.capped_today,
            },
            "key": request.auth,
        }
        return Response(SellerMeSerializer(body).data)
