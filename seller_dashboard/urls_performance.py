"""Seller dashboard: performance (inside the ``seller`` namespace)."""

from django.urls import path

from seller_dashboard.views import performance

urlpatterns = [
    path("", performance.performance, name="performance"),
]
