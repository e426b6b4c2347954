"""Seller dashboard: returns."""

urlpatterns: list = []
