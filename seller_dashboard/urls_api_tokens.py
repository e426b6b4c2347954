"""Seller dashboard: API keys (inside the ``seller`` namespace)."""

from django.urls import path

from seller_dashboard.views import api_tokens

urlpatterns = [
    path("", api_tokens.api_tokens, name="api-tokens"),
    path(
        "<int:token_id>/revoke/",
        api_tokens.api_token_revoke_view,
        name="api-token-revoke",
    ),
]
