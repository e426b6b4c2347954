"""Seller dashboard: reviews."""

urlpatterns: list = []
