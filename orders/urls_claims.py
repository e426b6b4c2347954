"""The shopper's claims pages, and claim photos for everyone allowed to see them."""

from django.urls import path

from orders.views import claims as views

urlpatterns = [
    path(
        "orders/<str:reference>/warranties/<int:warranty_id>/claim/",
        views.claim_new,
        name="order-claim-new",
    ),
    path(
        "orders/<str:reference>/claims/<int:claim_id>/",
        views.claim_detail,
        name="order-claim",
    ),
    path(
        "orders/<str:reference>/claims/<int:claim_id>/accept/",
        views.claim_accept_view,
        name="order-claim-accept",
    ),
    path(
        "orders/<str:reference>/claims/<int:claim_id>/escalate/",
        views.claim_escalate_view,
        name="order-claim-escalate",
    ),
    path("claims/photos/<int:photo_id>/", views.photo, name="claim-photo"),
]
