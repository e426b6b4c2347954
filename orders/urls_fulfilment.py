"""Fulfilment pages of the shopper: confirm a delivery, a warranty certificate."""

from django.urls import path

from orders.views import orders, warranty

urlpatterns = [
    path(
        "orders/<str:reference>/sellers/<int:seller_order_id>/confirm-delivery/",
        orders.delivery_confirm,
        name="order-delivery-confirm",
    ),
    path("warranty/<str:token>/", warranty.certificate, name="warranty-certificate"),
]
