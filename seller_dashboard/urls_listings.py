"""Seller dashboard: listings (inside the ``seller`` namespace)."""

from django.urls import path

from seller_dashboard.views import listing_form, listing_requests, listings

urlpatterns = [
    path("", listings.listings, name="listings"),
    path("new/", listing_form.listing_new, name="listing-new"),
    path("variants/", listings.variant_search, name="listing-variants"),
    path("model-requests/", listing_requests.model_requests, name="model-requests"),
    path("<int:listing_id>/", listing_form.listing_edit, name="listing-edit"),
    path(
        "<int:listing_id>/quick/",
        listings.listing_quick_edit,
        name="listing-quick-edit",
    ),
    path(
        "<int:listing_id>/archive/",
        listing_form.listing_archive,
        name="listing-archive",
    ),
    path(
        "<int:listing_id>/delete/",
        listing_form.listing_delete_view,
        name="listing-delete",
    ),
    path(
        "<int:listing_id>/photos/<int:photo_id>/remove/",
        listing_form.listing_photo_remove_view,
        name="listing-photo-remove",
    ),
    path(
        "<int:listing_id>/photos/<int:photo_id>/<str:size>/",
        listing_form.listing_photo_file,
        name="listing-photo",
    ),
]
