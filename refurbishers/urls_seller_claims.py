"""Seller dashboard: claims."""

urlpatterns: list = []
