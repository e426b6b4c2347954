from django.urls import include, path

urlpatterns = [
    # The application (draft to decision); the dashboard of a seller is the
    # seller_dashboard app's, under /seller/ too.
    path("seller/apply/", include("refurbishers.urls_apply")),
]
