"""The shopper's returns pages: ask to return a line, follow the return."""

from django.urls import path

from orders.views import returns as views

urlpatterns = [
    path(
        "orders/<str:reference>/lines/<int:line_id>/return/",
        views.return_new,
        name="order-return-new",
    ),
    path(
        "orders/<str:reference>/returns/<int:pk>/",
        views.return_detail,
        name="order-return",
    ),
    path(
        "orders/<str:reference>/returns/<int:pk>/sent-back/",
        views.return_sent_back,
        name="order-return-sent-back",
    ),
    path(
        "orders/<str:reference>/returns/<int:pk>/withdraw/",
        views.return_withdraw_view,
        name="order-return-withdraw",
    ),
]
