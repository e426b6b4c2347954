"""Throttles: per API key for the seller API, per client IP for anonymous calls.

Rates are settings (``API_RATE_PER_KEY``, ``API_RATE_PER_IP``); counts live in
the Redis cache, so every web process shares them. Over the rate: 429 with
``Retry-After`` (DRF adds the header from ``wait()``).

A call made with a key is one whose authentication set ``request.auth`` (the
key's row, whichever app keeps it): it is counted per key, by the row's
primary key, and never per address.
"""

from __future__ import annotations

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from marketplace.client_address import client_address


class PerKeyThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_cache_key(self, request, view) -> str | None:
        if request.auth is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class PerIpThrottle(AnonRateThrottle):
    """Calls without a key (the public catalog), counted per client address."""

    scope = "api_ip"

    def get_ident(self, request) -> str:
        # One reading of the client's address for every per-address limit.
        return client_address(request) or "unknown"

    def get_cache_key(self, request, view) -> str | None:
        if request.auth is not None:
            return None
        return self.cache_format % {
            "scope": self.scope,
            "ident": self.get_ident(request),
        }
