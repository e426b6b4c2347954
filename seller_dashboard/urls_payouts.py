"""Seller dashboard: payouts."""

from django.urls import path

from seller_dashboard.views import payouts

urlpatterns = [
    path("", payouts.payouts, name="payouts"),
    path("account/", payouts.payout_account, name="payout-account"),
    path("<int:payout_id>/", payouts.payout_detail, name="payout"),
]
