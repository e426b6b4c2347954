"""The shopper's cancel pages."""

from django.urls import path

from orders.views import cancel

urlpatterns = [
    path(
        "orders/<str:reference>/sellers/<int:seller_order_id>/cancel/",
        cancel.seller_order_cancel,
        name="order-cancel",
    ),
]
