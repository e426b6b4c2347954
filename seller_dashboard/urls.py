"""The seller dashboard, under /seller/ (the application lives under /seller/apply/).

No URL names a refurbisher: every page shows the signed-in member's own.
"""

from django.urls import include, path

from seller_dashboard.views import dashboard, messages, orders, team

app_name = "seller"

urlpatterns = [
    path("", dashboard.overview, name="overview"),
    path("listings/", include("seller_dashboard.urls_listings")),
    path("imports/", include("seller_dashboard.urls_imports")),
    path("api-tokens/", include("seller_dashboard.urls_api_tokens")),
    path("orders/", orders.orders, name="orders"),
    path("orders/<str:reference>/", orders.order_detail, name="order"),
    path("orders/<str:reference>/accept/", orders.order_accept, name="order-accept"),
    path("orders/<str:reference>/ship/", orders.order_ship, name="order-ship"),
    path("orders/<str:reference>/deliver/", orders.order_deliver, name="order-deliver"),
    path("orders/<str:reference>/cancel/", orders.order_cancel, name="order-cancel"),
    path("messages/", messages.threads, name="messages"),
    path("messages/<str:reference>/", messages.thread, name="message-thread"),
    path("claims/", include("seller_dashboard.urls_claims")),
    path("returns/", include("seller_dashboard.urls_returns")),
    path("payouts/", include("seller_dashboard.urls_payouts")),
    path("reviews/", include("seller_dashboard.urls_reviews")),
    path("performance/", include("seller_dashboard.urls_performance")),
    path("team/", team.team, name="team"),
    path("team/invite/", team.team_invite, name="team-invite"),
    path(
        "team/invitations/<int:invitation_id>/cancel/",
        team.team_invitation_cancel,
        name="team-invitation-cancel",
    ),
    path(
        "team/members/<int:membership_id>/remove/",
        team.team_member_remove,
        name="team-member-remove",
    ),
    path(
        "invitations/<str:token>/",
        team.invitation_respond,
        name="invitation",
    ),
]
