"""Seller dashboard: reviews (inside the ``seller`` namespace)."""

from django.urls import path

from seller_dashboard.views import reviews

urlpatterns = [
    path("", reviews.reviews, name="reviews"),
    path("<int:review_id>/answer/", reviews.review_answer_view, name="review-answer"),
]
