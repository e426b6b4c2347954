"""Seller API URLs of the orders app, under /api/v1/seller/: seller orders,
warranty claims, message threads and payouts."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from orders import api_seller

router = SimpleRouter()
router.register("orders", api_seller.SellerOrderViewSet, basename="api-seller-order")
router.register("claims", api_seller.ClaimViewSet, basename="api-seller-claim")
router.register("payouts", api_seller.PayoutViewSet, basename="api-seller-payout")

urlpatterns = [
    path(
        "messages/",
        api_seller.ThreadListView.as_view(),
        name="api-seller-message-threads",
    ),
    path(
        "messages/<str:reference>/",
        api_seller.ThreadView.as_view(),
        name="api-seller-message-thread",
    ),
    *router.urls,
]
