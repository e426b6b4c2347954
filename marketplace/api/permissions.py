"""What the API's own parts need to know about permissions, whoever defines them."""

from __future__ import annotations

from rest_framework.permissions import BasePermission


class ApiKeyRequired(BasePermission):
    """Base of the permissions that let only calls with an API key through.

    The schema documents a 401 answer on the operations of views that use one
    (``marketplace.api.schema``); the app that knows the keys subclasses it.
    """
