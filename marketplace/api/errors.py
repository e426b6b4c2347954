"""One error shape for every API answer that is not a success:

    {"error": {"code": "validation_error", "message": "…", "fields": {"price": ["…"]}}}

``code`` is stable for programs, ``message`` is for people, ``fields`` names
what was wrong per input field (rows of a bulk request are ``rows.<i>.<field>``).
The marketplace's own rule errors (a service refusing: any
``marketplace.errors.BusinessRuleError``) become 409 Conflict when they are
about the object's state, 400 when they name a field.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from marketplace.errors import BusinessRuleError

CODES = {
    exceptions.ValidationError: "validation_error",
    exceptions.ParseError: "parse_error",
    exceptions.AuthenticationFailed: "not_authenticated",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field": [...], "rows.2.price": [...]}."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            out.update(
                _flatten(value, f"{prefix}.{name}".strip(".") if name else prefix)
            )
        return out
    if (
        isinstance(detail, list)
        and detail
        and all(isinstance(item, (dict, list)) for item in detail)
    ):
        out = {}
        for index, item in enumerate(detail):
            out.update(_flatten(item, f"{prefix}.{index}".strip(".")))
        return out
    items = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(item) for item in items if item]}


def api_exception_handler(exc, context):
    if isinstance(exc, BusinessRuleError):
        fields = {exc.field: [exc.message]} if exc.field else None
        return Response(error_body(exc.code, exc.message, fields), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None  # a real bug: Django's 500 handling and logging
    code = next(
        (name for kind, name in CODES.items() if isinstance(exc, kind)), "error"
    )
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        message = gettext("Some of what was sent is not valid: see fields.")
        if list(fields) == ["non_field_errors"]:
            message = fields["non_field_errors"][0]
        response.data = error_body(code, message, fields)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        response.data = error_body(code, str(detail))
    return response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception):
    """The site's 404 page, or under /api/ the error shape (an API client
    that mistyped a path must not get a page of HTML)."""
    if _is_api(request):
        body = error_body("not_found", gettext("No API endpoint here: see /api/docs/."))
        return JsonResponse(body, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        body = error_body(
            "server_error",
            gettext("Something went wrong on our side; it has been logged."),
        )
        return JsonResponse(body, status=500)
    return defaults.server_error(request)
