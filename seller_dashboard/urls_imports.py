"""Seller dashboard: CSV imports and the listings export (``seller`` namespace)."""

from django.urls import path

from seller_dashboard.views import imports

urlpatterns = [
    path("", imports.imports, name="imports"),
    path("template.csv", imports.import_template, name="import-template"),
    path("variants.csv", imports.catalog_variants, name="import-variants"),
    path("export.csv", imports.listings_export, name="listings-export"),
    path("<int:import_id>/", imports.import_detail, name="import"),
    path("<int:import_id>/progress/", imports.import_progress, name="import-progress"),
    path(
        "<int:import_id>/problems.csv", imports.import_problems, name="import-problems"
    ),
    path("<int:import_id>/apply/", imports.import_apply, name="import-apply"),
    path("<int:import_id>/discard/", imports.import_discard, name="import-discard"),
]
