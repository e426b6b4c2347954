"""After-sale pages of the shopper: cancel, return, warranty claims.

Each part has its own URL module; this one only gathers them.
"""

from django.urls import include, path

urlpatterns = [
    path("", include("orders.urls_cancel")),
    path("", include("orders.urls_returns")),
    path("", include("orders.urls_claims")),
]
