"""Where to go after a form: a path of this site that the form named, or None."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def local_path(request: HttpRequest, candidate: str) -> str | None:
    """``candidate`` if it is a path on this site, else None.

    Only an absolute path ("/cart/", "/seller/?page=2") is taken: a bare word
    such as "-1" would be read by ``redirect()`` as the name of a view (and
    fail), and anything naming another host is an open redirect.
    """
    if (
        candidate.startswith("/")
        and not candidate.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(
            candidate,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        )
    ):
        return candidate
    return None


def local_next_url(request: HttpRequest) -> str | None:
    """The ``next`` the request names, if it is a path on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    return local_path(request, candidate)
