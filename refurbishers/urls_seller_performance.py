"""Seller dashboard: performance (inside the ``seller`` namespace)."""

from django.urls import path

from refurbishers.views import performance

urlpatterns = [
    path("", performance.performance, name="performance"),
]
