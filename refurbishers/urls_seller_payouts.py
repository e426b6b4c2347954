"""Seller dashboard: payouts."""

urlpatterns: list = []
