"""The client's IP address, for every limit counted per address.

Without a proxy in front (``API_TRUSTED_PROXIES=0``, the default) it is the
connection's own address: an ``X-Forwarded-For`` header is whatever the
client wrote, so trusting it would let a script pick a fresh address per
request. With N trusted proxies, each appends the address it saw to
``X-Forwarded-For``: the client is the N-th entry from the right (the
entries left of it are the client's own to forge). The API's per-address
throttle and the checkout's limits on unpaid reservations both read it here.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's IP address as this site's proxies saw it ("" if none)."""
    remote = _address(request.META.get("REMOTE_ADDR", "")) or ""
    proxies = settings.API_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    entries = [entry for entry in forwarded.split(",") if entry.strip()]
    if not entries:
        return remote
    # Fewer entries than proxies: the first proxy saw the client directly.
    return _address(entries[-min(proxies, len(entries))]) or remote
