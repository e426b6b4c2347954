"""The address a request comes from, as every per-address limit counts it.

Without trusted proxies (``TRUSTED_PROXIES``, from ``API_TRUSTED_PROXIES``,
0 by default) it is the connection's own address: an ``X-Forwarded-For`` the
client wrote itself changes nothing. With N trusted proxies, each appends the
address it saw, so the client's is the N-th from the right (what DRF's
``NUM_PROXIES`` reads for the API's limits); anything further left is the
client's own writing and ignored.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "0.0.0.0"


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's IP address (a valid one, whatever the headers hold)."""
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop for hop in forwarded.split(",") if hop.strip()]
        if hops:
            address = _address(hops[-min(proxies, len(hops))])
            if address:
                return address
    return _address(request.META.get("REMOTE_ADDR") or "") or UNKNOWN
