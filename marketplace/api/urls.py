"""Every API URL: the schema and its documentation page, then version 1."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

# The documentation is for everyone, key or not.
OPEN = {"authentication_classes": [], "permission_classes": [AllowAny]}

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(**OPEN), name="api-schema"),
    # The split view serves Swagger UI's start-up script from its own address
    # (docs/?script=), so the page needs no inline script under the CSP.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html", **OPEN
        ),
        name="api-docs",
    ),
    path("v1/catalog/", include("listings.urls_api_catalog")),
    path("v1/seller/", include("seller_dashboard.urls_api")),
]
