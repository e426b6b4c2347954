"""Seller dashboard: returns (inside the ``seller`` namespace, at /seller/returns/)."""

from django.urls import path

from seller_dashboard.views import returns as views

urlpatterns = [
    path("", views.returns, name="returns"),
    path("<int:pk>/", views.return_detail, name="return"),
    path("<int:pk>/authorise/", views.return_authorise_view, name="return-authorise"),
    path("<int:pk>/received/", views.return_received_view, name="return-received"),
]
