"""One error shape for every refusal: {"error": {"code", "message", "fields"}}.

The checks that apply to every endpoint read the operations from the
project's own schema, so endpoints added later are covered without a change
here. Also the schema and its documentation page: open to all, served from
our static files.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
ME = "/api/v1/seller/me/"
WRITES = {"post", "put", "patch", "delete"}
# A value no real id or reference has, of the type the schema asks for.
UNKNOWN = {"integer": "2147480000", "string": "ZZ-NO-SUCH-THING-9"}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.content)
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)
    return body["error"]


@pytest.fixture
def schema(db) -> dict:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def path_params(operation: dict) -> list[dict]:
    return [p for p in operation.get("parameters", []) if p["in"] == "path"]


def fill(path: str, operation: dict) -> str:
    for param in path_params(operation):
        value = UNKNOWN[param["schema"].get("type", "string")]
        path = path.replace("{" + param["name"] + "}", value)
    return path


def call(client, method: str, url: str, **extra):
    if method == "get":
        return client.get(url, **extra)
    extra.setdefault("data", "{}")
    extra.setdefault("content_type", "application/json")
    return getattr(client, method)(url, **extra)


# --- 404 ------------------------------------------------------------------------


def test_every_operation_on_an_unknown_id_is_a_404_in_the_error_shape(
    api_client, schema
):
    checked = []
    for path, method, operation in operations(schema):
        if not path_params(operation):
            continue
        url = fill(path, operation)
        error = assert_error(call(api_client, method, url), 404, "not_found")
        assert error["fields"] == {}
        checked.append(f"{method.upper()} {path}")
    # Only /seller/me/ has no id; once other endpoints exist, they are checked.
    assert checked or list(schema["paths"]) == [ME]


# --- 405, 406 -------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_method_an_endpoint_does_not_have_is_a_405_in_the_error_shape(
    api_client, method
):
    response = call(api_client, method, ME)
    error = assert_error(response, 405, "method_not_allowed")
    assert error["message"] == f'Method "{method.upper()}" not allowed.'
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_without_a_key_the_method_is_not_even_looked_at(db):
    """A caller without a key learns nothing about an endpoint, not even its methods."""
    assert_error(APIClient().post(ME), 401, "not_authenticated")


def test_asking_for_anything_but_json_is_a_406_in_json(api_client):
    response = api_client.get(ME, HTTP_ACCEPT="text/html")
    assert_error(response, 406, "not_acceptable")


# --- 415 and bodies that are not JSON ------------------------------------------


def body_operations(schema: dict):
    """Writes with a JSON body on a collection (no id to look up first)."""
    for path, method, operation in operations(schema):
        has_body = method in WRITES and "requestBody" in operation
        if has_body and not path_params(operation):
            yield path, method, operation


def test_every_body_that_is_not_json_is_a_415_in_the_error_shape(api_client, schema):
    for path, method, operation in body_operations(schema):
        assert "415" in operation["responses"], f"{method} {path} documents 415"
        for content_type, body in [
            ("text/plain", "name=ERP"),
            ("application/x-www-form-urlencoded", "name=ERP"),
            ("application/xml", "<listing/>"),
        ]:
            response = call(
                api_client, method, path, data=body, content_type=content_type
            )
            error = assert_error(response, 415, "unsupported_media_type")
            assert content_type in error["message"]


def test_every_body_that_is_broken_json_is_a_400_parse_error(api_client, schema):
    for path, method, _ in body_operations(schema):
        for body in ['{"name": ', "{'single': 'quotes'}", "[1, 2", "\x00"]:
            response = call(api_client, method, path, data=body)
            error = assert_error(response, 400, "parse_error")
            assert error["message"].startswith("JSON parse error")


def test_a_non_json_body_to_a_read_is_ignored_not_an_error(api_client):
    response = api_client.generic(
        "GET", ME, "not json at all", content_type="text/plain"
    )
    assert response.status_code == 200


# --- The schema and its documentation page -------------------------------------


def test_the_schema_is_open_valid_openapi_3_and_documents_the_errors(schema):
    validate_schema(schema)  # raises on anything that is not valid OpenAPI 3
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "rmk_…",
    }
    error_ref = {"$ref": "#/components/schemas/Error"}
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        where = f"{method.upper()} {path}"
        for status in ("404", "405", "406", "429"):
            assert status in responses, f"{where} documents {status}"
        if path.startswith("/api/v1/seller/"):
            assert "401" in responses, f"{where} documents 401"
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                content = response["content"]["application/json"]["schema"]
                assert content == error_ref, f"{where} {status} is the error shape"


def test_the_schema_documents_seller_me(schema):
    me = schema["paths"][ME]["get"]
    assert me["operationId"] == "seller_me"
    ok = me["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/SellerMe"}
    assert set(schema["components"]["schemas"]["SellerMe"]["required"]) == {
        "name", "slug", "status", "is_selling", "country", "time_zone",
        "ships_to", "trial", "key",
    }  # fmt: skip


def test_the_docs_page_is_open_and_served_from_our_static_files(db):
    response = APIClient().get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
    styles = re.findall(r'<link[^>]*\shref="([^"]+)"', html)
    assert sources and styles
    # No inline script or style (the CSP allows none): Swagger UI's start-up
    # script comes from the page's own address, the rest from our static files.
    assert "<style" not in html and " style=" not in html
    assert re.findall(r"<script[^>]*>([^<]+)</script>", html) == []
    start = [url for url in sources if url.startswith("/api/docs/?script")]
    assert len(start) == 1
    for url in set(sources + styles) - set(start):
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is in static"
    assert "https://" not in " ".join(sources + styles)
    script = APIClient().get(start[0])
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()
    assert not re.search(r"<script[^>]*src=\"(https?:)?//", html)
