"""The API's edges: addresses with no endpoint, crashes, odd orderings and a
forged client address, each answered in the error shape or refused."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from marketplace.api.errors import server_error
from marketplace.api.throttling import PerIpThrottle

pytestmark = pytest.mark.django_db

CATALOG = "/api/v1/catalog/categories/"


@pytest.mark.parametrize("path", ["/api/v1/nothing/", "/api/", "/api/v1/seller/x/"])
def test_an_api_address_with_no_endpoint_is_a_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_a_shop_address_with_no_page_is_still_the_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_crash_under_api_answers_in_the_error_shape_and_the_site_in_html():
    factory = RequestFactory()
    api = server_error(factory.get("/api/v1/seller/orders/"))
    site = server_error(factory.get("/cart/"))
    assert api.status_code == site.status_code == 500
    assert api["Content-Type"] == "application/json"
    assert b'"code": "server_error"' in api.content
    assert site["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("ordering", [",", ",,"])
def test_an_empty_ordering_keeps_the_default_order(api_client, ordering):
    response = api_client.get("/api/v1/seller/orders/", {"ordering": ordering})
    assert response.status_code == 200, response.content


def test_a_bare_minus_ordering_is_a_400_naming_it(api_client):
    response = api_client.get("/api/v1/seller/orders/", {"ordering": "-"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["ordering"]


def test_a_forged_forwarded_address_does_not_escape_the_per_address_limit(
    monkeypatch,
):
    monkeypatch.setattr(PerIpThrottle, "THROTTLE_RATES", {"api_ip": "2/min"})
    client = APIClient()
    statuses = [
        client.get(
            CATALOG, REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
        ).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]
