"""The seller API as a refurbisher's stock system calls it: keys and checks.

Keys are always made by the real service (``api_token_create``), so a test
calls the API exactly as a refurbisher's stock system would. Also the checks
the seller API test files share: the authorization matrix (no key, a wrong
key, a revoked key, a staff or member session without a key) and the query
counts of a list for 3 and for 20 rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from refurbishers.models import ApiToken, MemberRole, Membership, Refurbisher
from refurbishers.services.api_tokens import api_token_create, api_token_revoke
from tests.support.factories import RefurbisherFactory
from tests.support.refurbisher_builders import user_make

# A query budget per list call, whatever its length: the key, the count, the
# rows and one query per related level prefetched.
LIST_QUERIES_MAX = 6


def client_for(key: str | None = None) -> APIClient:
    client = APIClient()
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def call(client: APIClient, method: str, url: str, body: dict | None = None):
    if method == "get":
        return client.get(url)
    return client.post(url, body or {}, format="json")


def error_of(response) -> dict:
    """The one error shape's inner part, checked to be that shape."""
    assert set(response.json()) == {"error"}, response.json()
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["message"]
    return error


def assert_keys_guard(
    method: str, url: str, *, api_key: SellerKey, body: dict | None = None
) -> None:
    """Without a live key of the refurbisher the call is 401 and says why.

    No key; a key that is not one (malformed, or a real prefix with the wrong
    secret); a revoked key of the same refurbisher; a staff member's session
    and the owner's own dashboard session (sessions do not reach the API).
    """
    attempts = {
        "no key": client_for(),
        "not a key": client_for("letmein"),
        "wrong secret": client_for(f"rmk_{api_key.token.prefix}_not-the-secret"),
    }
    revoked, revoked_key = api_token_create(
        refurbisher=api_key.refurbisher, actor=api_key.owner, name=f"Old {url}"
    )
    api_token_revoke(token=revoked, actor=api_key.owner)
    attempts["revoked"] = client_for(revoked_key)
    staff = APIClient()
    staff.force_login(user_make(is_staff=True, is_superuser=True))
    attempts["staff session"] = staff
    member = APIClient()
    member.force_login(api_key.owner)
    attempts["member session"] = member
    for name, client in attempts.items():
        response = call(client, method, url, body)
        assert response.status_code == 401, (name, response.content)
        assert error_of(response)["code"] == "not_authenticated", name
        assert response["WWW-Authenticate"].startswith("Bearer"), name


def list_queries(client: APIClient, url: str) -> int:
    """How many queries one call of a list costs (after a warm-up call)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def assert_list_queries_fixed(
    client: APIClient, url: str, add: Callable[[int], None], *, rows: int = 20
) -> None:
    """A list of 3 rows and one of ``rows`` rows cost the same queries.

    ``add(n)`` makes n more rows; the list must hold 3 when called.
    """
    assert client.get(url).json()["count"] == 3
    three = list_queries(client, url)
    add(rows - 3)
    response = client.get(url)
    assert response.json()["count"] == rows
    assert len(response.json()["results"]) == rows
    assert list_queries(client, url) == three
    assert three <= LIST_QUERIES_MAX


@dataclass
class SellerKey:
    """A refurbisher, the owner who made the key, the key row and the key."""

    refurbisher: Refurbisher
    owner: object
    token: ApiToken
    key: str

    @property
    def header(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.key}"}


def seller_key_make(
    refurbisher: Refurbisher | None = None, *, name: str = "Stock system"
) -> SellerKey:
    """An active refurbisher (or the one given) with an owner and a live key."""
    refurbisher = refurbisher or RefurbisherFactory()
    membership = (
        Membership.objects.filter(refurbisher=refurbisher, role=MemberRole.OWNER)
        .select_related("user")
        .first()
    )
    if membership is None:
        owner = user_make()
        Membership.objects.create(
            user=owner, refurbisher=refurbisher, role=MemberRole.OWNER
        )
    else:
        owner = membership.user
    token, key = api_token_create(refurbisher=refurbisher, actor=owner, name=name)
    return SellerKey(refurbisher=refurbisher, owner=owner, token=token, key=key)
