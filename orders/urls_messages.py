"""Messages: the buyer's thread with a seller, and message images."""

from django.urls import path

from orders.views import messages as views

urlpatterns = [
    path(
        "orders/<str:reference>/messages/<int:seller_order_id>/",
        views.thread,
        name="order-messages",
    ),
    path("messages/images/<int:message_id>/", views.image, name="message-image"),
]
