"""Seller dashboard: warranty claims (inside the ``seller`` namespace)."""

from django.urls import path

from seller_dashboard.views import claims

urlpatterns = [
    path("", claims.claims, name="claims"),
    path("<int:claim_id>/", claims.claim, name="claim"),
    path("<int:claim_id>/answer/", claims.claim_answer_view, name="claim-answer"),
]
