"""The shopper's review of a delivered seller order."""

from django.urls import path

from quality.views import reviews

urlpatterns = [
    path(
        "orders/<str:reference>/sellers/<int:seller_order_id>/review/",
        reviews.order_review,
        name="order-review",
    ),
]
