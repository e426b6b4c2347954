"""Public quality pages: a seller's page with its scorecard and reviews."""

from django.urls import include, path

urlpatterns: list = [
    path("", include("quality.urls_reviews")),
]
