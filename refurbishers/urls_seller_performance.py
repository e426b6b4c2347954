"""Seller dashboard: performance."""

urlpatterns: list = []
