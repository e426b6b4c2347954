"""The root urlconf: the kernel's own pages, then each app's urls by name."""

from django.contrib import admin
from django.urls import include, path

from marketplace import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("market/", views.market_choose, name="market-choose"),
    path("webhooks/", include("orders.urls_webhooks")),
    path("admin/", admin.site.urls),
    path("api/", include("marketplace.api.urls")),
    path("accounts/", include("marketplace.accounts.urls")),
    path("", include("orders.urls_checkout")),
    path("", include("orders.urls")),
    path("", include("orders.urls_fulfilment")),
    path("", include("orders.urls_messages")),
    path("", include("orders.urls_after_sale")),
    path("", include("quality.urls")),
    path("", include("refurbishers.urls")),
    path("seller/", include("seller_dashboard.urls")),
    path("", include("listings.urls")),
]

# Under /api/ a missing page or a crash answers in the API's error shape.
handler404 = "marketplace.api.errors.not_found"
handler500 = "marketplace.api.errors.server_error"
