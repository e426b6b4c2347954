"""Public quality pages: a seller's page with its scorecard and reviews."""

from django.urls import include, path

from quality.views import sellers

urlpatterns: list = [
    path("", include("quality.urls_reviews")),
    path("sellers/<slug:slug>/", sellers.seller_page, name="seller-page"),
]
