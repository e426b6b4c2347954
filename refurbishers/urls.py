from django.urls import include, path

urlpatterns = [
    # The application (draft to decision), then the dashboard of a seller.
    path("seller/apply/", include("refurbishers.urls_apply")),
    path("seller/", include("refurbishers.urls_seller")),
]
