"""The seller API's URLs, under /api/v1/seller/: listings, seller orders,
warranty claims, message threads, payouts, and who a key acts as."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from seller_dashboard import api_orders
from seller_dashboard.api_listings import ListingViewSet
from seller_dashboard.api_me import SellerMeView

listings = SimpleRouter()
listings.register("listings", ListingViewSet, basename="api-seller-listing")

orders = SimpleRouter()
orders.register("orders", api_orders.SellerOrderViewSet, basename="api-seller-order")
orders.register("claims", api_orders.ClaimViewSet, basename="api-seller-claim")
orders.register("payouts", api_orders.PayoutViewSet, basename="api-seller-payout")

# In the order the three apps' URL modules were included before they moved here.
urlpatterns = [
    *listings.urls,
    path(
        "messages/",
        api_orders.ThreadListView.as_view(),
        name="api-seller-message-threads",
    ),
    path(
        "messages/<str:reference>/",
        api_orders.ThreadView.as_view(),
        name="api-seller-message-thread",
    ),
    *orders.urls,
    path("me/", SellerMeView.as_view(), name="api-seller-me"),
]
