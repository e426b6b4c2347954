"""Seller dashboard: listings (inside the ``seller`` namespace)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
