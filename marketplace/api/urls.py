"""Every API URL: the schema and its documentation page, then version 1."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

# The documentation is for everyone, key or not.
OPEN = {"authentication_classes": [], "permission_classes": [AllowAny]}

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(**OPEN), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", **OPEN),
        name="api-docs",
    ),
    path("v1/catalog/", include("listings.urls_api_catalog")),
    path("v1/seller/", include("listings.urls_api_seller")),
    path("v1/seller/", include("orders.urls_api_seller")),
    path("v1/seller/", include("refurbishers.urls_api")),
]
