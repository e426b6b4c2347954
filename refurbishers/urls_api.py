"""Seller API URLs of the refurbishers app, under /api/v1/seller/."""

from django.urls import path

from refurbishers.api import SellerMeView

urlpatterns = [
    path("me/", SellerMeView.as_view(), name="api-seller-me"),
]
