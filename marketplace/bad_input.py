"""Requests carrying text no view can take are refused here, once, for the
whole site: a 400 saying what and where, never a 500 further in.

Text on ReMarket never holds control characters other than tab, line feed and
carriage return (PostgreSQL refuses NUL outright; the others only come from
attacks and broken clients) nor lone UTF-16 surrogates (not characters;
PostgreSQL cannot store them), and links and urlencoded forms are UTF-8
(Django would quietly read anything else as U+FFFD). Before any session or
view, the middleware checks:

- the path, every request header, and every cookie once parsed (a cookie can
  spell NUL as a quoted escape, ``"\\000"``);
- the query string, and an urlencoded body: UTF-8 once percent-decoded (so
  ``%ED%A0%80``, a surrogate in UTF-8 clothing, is refused), names and values;
- a JSON body: every key and string at any depth (``"\\u0000"`` and
  ``"\\ud800"`` escapes are how those reach the API), and numbers no float
  holds (``1e999``, which Python reads as infinity);

and, once the URL names its view:

- a multipart form's names and values, for views that take forms (not the
  CSRF-exempt ones, the Stripe webhook and the API, which read their bodies
  themselves). Django decodes multipart text with replacement and strips
  control characters from file names, so bytes and names need no check;
- an admin list's query string: only the lookups the admin's own filters
  write (no ``__regex`` or ``__unaccent`` handed to PostgreSQL), date parts
  its drill-down can turn into dates, and action selections that are keys.

Everything else (lengths, numbers, dates, choices) is meaning: the forms and
serializers of each view judge it with a field error.

The answer is the site's 400 page naming the problem, or under ``/api/`` the
API's error shape (``marketplace.api.errors``) with code ``malformed_request``
and the field in ``fields``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from urllib.parse import parse_qsl

from django.apps import apps
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    TooManyFieldsSent,
    ValidationError,
)
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

from marketplace.api.errors import error_body

logger = logging.getLogger(__name__)

# C0 controls but tab, LF and CR; DEL; lone surrogates.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
JSON_TYPES = ("application/json", "application/merge-patch+json")
# Bodies checked by a signature instead: what Stripe signed is a fact to
# record (orders.webhooks makes its text storable), not a form to refuse, and
# a 400 would make Stripe retry a payment's event until it gives up.
SIGNED_BODY_PATHS = ("/webhooks/stripe/",)
CODE = "malformed_request"
LARGEST_FLOAT = Decimal(sys.float_info.max)


@dataclass(frozen=True)
class Problem:
    """What is wrong with a request, for people; ``name`` is the field."""

    message: str
    name: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)


def _field(name: str, message: str) -> Problem:
    return Problem(message, name, {name: [message]})


def forbidden_character(text: str) -> str | None:
    """The first character text may not hold, as U+XXXX, or None."""
    found = FORBIDDEN.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def _strict_pairs(raw: bytes, encoding: str = "utf-8") -> list[tuple[str, str]]:
    """Name/value pairs of a query string or urlencoded body; UnicodeDecodeError
    when the bytes, or what a %XX escape spells, are not ``encoding``."""
    return parse_qsl(
        raw.decode(encoding),
        keep_blank_values=True,
        encoding=encoding,
        errors="strict",
        max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
    )


def _pairs_problem(pairs: list[tuple[str, str]], *, in_form: bool) -> Problem | None:
    for name, value in pairs:
        for text in (name, value):
            code = forbidden_character(text)
            if code is None:
                continue
            shown = name if forbidden_character(name) is None else "?"
            if in_form:
                message = _(
                    "The form field “%(name)s” holds a character that text cannot "
                    "contain (%(code)s). Remove it and send the form again."
                ) % {"name": shown, "code": code}
            else:
                message = _(
                    "The link's parameter “%(name)s” holds a character that text "
                    "cannot contain (%(code)s). Check the link and try again."
                ) % {"name": shown, "code": code}
            return _field(shown, message)
    return None


def _encoded_problem(raw: bytes, *, in_form: bool) -> Problem | None:
    try:
        pairs = _strict_pairs(raw)
    except UnicodeDecodeError:
        if in_form:
            return Problem(
                _("The form was not sent as UTF-8 text, so it cannot be read.")
            )
        return Problem(
            _("The link is not UTF-8 text, so it cannot be read. Check the link.")
        )
    except ValueError:  # more fields than Django takes: it answers that itself
        return None
    return _pairs_problem(pairs, in_form=in_form)


def _json_leaves(data) -> Iterator[tuple[str, object]]:
    """(path, value) of every key and leaf value of a parsed JSON document."""
    stack = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                name = f"{path}.{key}" if path else str(key)
                yield name, key
                stack.append((name, item))
        elif isinstance(value, list):
            stack.extend(
                (f"{path}.{index}" if path else str(index), item)
                for index, item in enumerate(value)
            )
        else:
            yield path, value


def _json_problem(raw: bytes) -> Problem | None:
    try:
        # Decimal: a number such as 1e999 stays what was written, where a
        # float would turn it into infinity and crash whatever reads it.
        data = json.loads(raw, parse_float=Decimal)
    except (ValueError, RecursionError):
        return None  # the view's parser says what is wrong with it
    for path, value in _json_leaves(data):
        name = path if forbidden_character(path) is None else "?"
        if isinstance(value, str):
            code = forbidden_character(value)
            if code is None:
                continue
            message = _(
                "The field “%(name)s” holds a character that text cannot contain "
                "(%(code)s)."
            ) % {"name": name, "code": code}
        elif isinstance(value, Decimal) and not abs(value) <= LARGEST_FLOAT:
            message = _(
                "The field “%(name)s” holds a number too large to read (%(number)s)."
            ) % {"name": name, "number": f"{value:.3g}"}
        else:
            continue
        return _field(name, message)
    return None


def _body_problem(request: HttpRequest) -> Problem | None:
    content_type = request.content_type or ""
    if content_type == "application/x-www-form-urlencoded":
        return _encoded_problem(request.body, in_form=True)
    if content_type in JSON_TYPES or content_type.endswith("+json"):
        return _json_problem(request.body)
    return None


def multipart_problem(request: HttpRequest) -> Problem | None:
    """A multipart form's field names and values."""
    if request.method != "POST" or request.content_type != "multipart/form-data":
        return None
    try:
        pairs = [
            (name, value) for name, values in request.POST.lists() for value in values
        ]
    except RequestDataTooBig:
        return Problem(_("The form is larger than the site takes."))
    except (MultiPartParserError, TooManyFieldsSent, BadRequest):
        return Problem(_("The form could not be read. Please send it again."))
    return _pairs_problem(pairs, in_form=True)


# --- Admin lists ------------------------------------------------------------
# The admin lets a list's query string filter on any field it shows a filter
# for, with any lookup: it checks the field, not what the lookup hands to
# PostgreSQL. These are the lookups its own links and filters write; a date
# part must be a number its drill-down can turn into a date (a year up to
# 9998: the drill-down's upper bound is the next year, month or day).
ADMIN_LOOKUPS = frozenset(
    {
        "exact", "iexact", "in", "isnull", "gt", "gte", "lt", "lte", "range",
        "contains", "icontains", "startswith", "istartswith", "endswith",
        "iendswith", "date", "time", "year", "iso_year", "month", "day", "week",
        "week_day", "iso_week_day", "quarter", "hour", "minute", "second",
    }
)  # fmt: skip
DATE_PARTS = {
    "year": (1, 9998), "iso_year": (1, 9998), "month": (1, 12), "day": (1, 31),
    "week": (1, 53), "week_day": (1, 7), "iso_week_day": (1, 7),
    "quarter": (1, 4), "hour": (0, 23), "minute": (0, 59), "second": (0, 59),
}  # fmt: skip


@lru_cache(maxsize=1)
def _lookup_names() -> frozenset[str]:
    """Every lookup and transform any field of any model answers to."""
    names: set[str] = set()
    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            if hasattr(model_field, "get_lookups"):
                names.update(model_field.get_lookups())
    return frozenset(names)


def _admin_lookup_problem(request: HttpRequest) -> Problem | None:
    lookups = _lookup_names()
    for name, value in request.GET.items():
        parts = name.split("__")
        refused = [
            part for part in parts[1:] if part in lookups and part not in ADMIN_LOOKUPS
        ]
        if refused:
            message = _(
                "The admin's lists do not filter with “%(lookup)s” (in “%(name)s”)."
            ) % {"lookup": refused[0], "name": name}
            return _field(name, message)
        last = parts[-1] if len(parts) > 1 else ""
        if last in DATE_PARTS:
            low, high = DATE_PARTS[last]
            text = value.strip()
            if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
                message = _(
                    "The filter “%(name)s” takes a whole number from %(low)s to "
                    "%(high)s."
                ) % {"name": name, "low": low, "high": high}
                return _field(name, message)
        if last == "range" and len(value.split(",")) != 2:
            message = _(
                "The filter “%(name)s” takes two values separated by a comma."
            ) % {"name": name}
            return _field(name, message)
    return None


def _admin_selection_problem(request: HttpRequest, model_admin) -> Problem | None:
    """The rows an admin action is asked to run on must be rows' keys: the
    admin filters by them as they come, and a word where a number belongs
    is an exception there."""
    if request.method != "POST":
        return None
    key = model_admin.model._meta.pk
    for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
        try:
            key.run_validators(key.to_python(value))
        except ValidationError:
            message = _(
                "The selection holds “%(value)s”, which is not a row of this list."
            ) % {"value": value[:40]}
            return _field(ACTION_CHECKBOX_NAME, message)
    return None


def admin_problem(request: HttpRequest, model_admin) -> Problem | None:
    """What an admin list or form of ``model_admin`` cannot take."""
    return _admin_lookup_problem(request) or _admin_selection_problem(
        request, model_admin
    )


def request_problem(request: HttpRequest) -> Problem | None:
    """What makes the request unreadable for any view, or None."""
    code = forbidden_character(request.path_info)
    if code is not None:
        return Problem(
            _(
                "The address holds a character that no page address contains "
                "(%(code)s). Check the link."
            )
            % {"code": code}
        )
    for key, value in request.META.items():
        if not key.startswith("HTTP_") or not isinstance(value, str):
            continue
        code = forbidden_character(value.replace("\t", " "))
        if code is not None:
            name = key.removeprefix("HTTP_").replace("_", "-").title()
            return Problem(
                _(
                    "The request header “%(name)s” holds a character that a "
                    "header cannot contain (%(code)s)."
                )
                % {"name": name, "code": code}
            )
    # A cookie's value may spell characters as quoted octal escapes ("\\000").
    for name, value in request.COOKIES.items():
        code = forbidden_character(name + value)
        if code is not None:
            shown = name if forbidden_character(name) is None else "?"
            return Problem(
                _(
                    "The cookie “%(name)s” holds a character that a cookie cannot "
                    "contain (%(code)s). Clear this site's cookies and try again."
                )
                % {"name": shown, "code": code}
            )
    query = request.META.get("QUERY_STRING", "")
    if query:
        # WSGI hands the bytes over as Latin-1 text.
        problem = _encoded_problem(query.encode("latin-1"), in_form=False)
        if problem is not None:
            return problem
    if request.path_info in SIGNED_BODY_PATHS:
        return None
    try:
        return _body_problem(request)
    except RequestDataTooBig:
        return Problem(
            _("The request's body is larger than the site takes (%(limit)s bytes).")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )


def bad_input_response(request: HttpRequest, problem: Problem) -> HttpResponse:
    """The site's 400 page with the problem, or the API's error shape."""
    logger.warning(
        "Refused a malformed request to %s: %s",
        request.path_info.encode("unicode_escape").decode("ascii")[:200],
        problem.message,
    )
    if request.path_info.startswith("/api/"):
        return JsonResponse(
            error_body(CODE, problem.message, problem.fields), status=400
        )
    return render(request, "400.html", {"problem": problem.message}, status=400)


class BadInputMiddleware:
    """Refuse, with a 400 saying why, a request whose text no view can take."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = request_problem(request)
        if problem is not None:
            return bad_input_response(request, problem)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # A multipart body is parsed only for a view that takes forms, as the
        # CSRF check does next: a CSRF-exempt view (a webhook, the API)
        # reads its body itself, which parsing here would consume.
        if getattr(view_func, "csrf_exempt", False):
            return None
        problem = multipart_problem(request)
        model_admin = getattr(view_func, "model_admin", None)
        if problem is None and model_admin is not None:
            problem = admin_problem(request, model_admin)
        if problem is not None:
            return bad_input_response(request, problem)
        return None
