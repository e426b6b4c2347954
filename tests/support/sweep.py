"""Helpers of the site-wide bad-input sweep (test_bad_input_everywhere).

- ``url_routes``: every URL pattern of the project, read from Django's
  resolvers when the test runs, with a path built for it from values given
  per argument name (or a plain one by converter, for patterns added later).
- ``PageForms``: the query parameter names and the forms a page shows (links
  to itself, GET and POST forms with their fields), read from its HTML.
- ``schema_fields``: the API's query parameters and request bodies, from the
  project's own OpenAPI schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

# A plain value per converter, for an argument the sweep has no object for.
CONVERTER_VALUES = {"int": "1", "slug": "x", "str": "x", "path": "x", "uuid": (
    "00000000-0000-0000-0000-000000000000")}  # fmt: skip
_ROUTE_ARG = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its name (with namespaces), pattern text and the
    arguments it takes ({name: converter, or "regex"})."""

    name: str
    pattern: str
    parts: tuple[tuple[str, str], ...]  # (kind, text): "route" or "regex"
    arguments: dict[str, str] = field(hash=False, compare=False)

    def path(self, values: dict[str, str]) -> str:
        """The path with ``values`` (by argument name) filled in."""
        built = ""
        for kind, text in self.parts:
            built += _route_fill(text, values) if kind == "route" else (
                _regex_fill(text, values))  # fmt: skip
        return "/" + built


def _value(name: str, converter: str, values: dict[str, str]) -> str:
    if name in values:
        return str(values[name])
    return CONVERTER_VALUES.get(converter, "1")


def _route_fill(route: str, values: dict[str, str]) -> str:
    return _ROUTE_ARG.sub(
        lambda m: _value(m["name"], m["converter"] or "str", values), route
    )


def _regex_fill(regex: str, values: dict[str, str]) -> str:
    """A regex pattern's text with each named group replaced by a value."""
    out, index = "", 0
    for match in _REGEX_GROUP.finditer(regex):
        if match.start() < index:
            continue  # a group nested in one already replaced
        out += regex[index : match.start()]
        depth, end = 1, match.end()
        while depth:
            if regex[end] == "\\":
                end += 2
                continue
            depth += {"(": 1, ")": -1}.get(regex[end], 0)
            end += 1
        out += _value(match["name"], "regex", values)
        index = end
    out += regex[index:]
    out = out.removeprefix("^").removesuffix("$").replace("/?", "/")
    return re.sub(r"\\(.)", r"\1", out)


def _arguments(kind: str, text: str) -> dict[str, str]:
    if kind == "route":
        return {m["name"]: m["converter"] or "str" for m in _ROUTE_ARG.finditer(text)}
    return {m["name"]: "regex" for m in _REGEX_GROUP.finditer(text)}


def _part(pattern) -> tuple[str, str]:
    if isinstance(pattern, RoutePattern):
        return "route", str(pattern._route)
    if isinstance(pattern, RegexPattern):
        return "regex", pattern._regex
    return "route", str(pattern)


def url_routes() -> list[Route]:
    """Every URL pattern the project serves, in resolution order."""

    def walk(patterns, parts, namespace) -> Iterator[Route]:
        for entry in patterns:
            here = (*parts, _part(entry.pattern))
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else (
                    namespace)  # fmt: skip
                yield from walk(entry.url_patterns, here, inner)
            elif isinstance(entry, URLPattern):
                arguments = {}
                for kind, text in here:
                    arguments.update(_arguments(kind, text))
                name = f"{namespace}{entry.name}" if entry.name else ""
                yield Route(
                    name=name,
                    pattern="".join(text for _, text in here),
                    parts=here,
                    arguments=arguments,
                )

    return list(walk(get_resolver().url_patterns, (), ""))


# --- Pages ----------------------------------------------------------------


@dataclass
class Form:
    action: str  # a path
    method: str
    multipart: bool
    fields: dict[str, str]  # name -> the value the page put there
    files: set[str]


class PageForms(HTMLParser):
    """Links and forms of one page, paths resolved against ``base``."""

    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        attrs = {key: value or "" for key, value in attrs}
        if tag == "a" and "href" in attrs:
            self.links.append(urljoin(self.base, attrs["href"]))
        elif tag == "form":
            action = urljoin(self.base, attrs.get("action") or self.base)
            self.forms.append(
                Form(
                    action=action,
                    method=(attrs.get("method") or "get").lower(),
                    multipart="multipart" in attrs.get("enctype", ""),
                    fields={},
                    files=set(),
                )
            )
        elif tag in ("input", "textarea", "select", "button") and self.forms:
            name = attrs.get("name")
            if not name:
                return
            form = self.forms[-1]
            if attrs.get("type") == "file":
                form.files.add(name)
            elif attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                form.fields.setdefault(name, attrs.get("value", ""))
            else:
                form.fields.setdefault(name, "")
            self._select = name if tag == "select" else None
        elif tag == "option" and self._select and self.forms:
            fields = self.forms[-1].fields
            if not fields.get(self._select):
                fields[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None

    def same_page_queries(self) -> list[str]:
        """Query strings of the page's links to itself (filters, pages, sorts)."""
        path = urlsplit(self.base).path
        found = []
        for link in self.links:
            parts = urlsplit(link)
            if parts.path == path and parts.query and parts.query not in found:
                found.append(parts.query)
        return found

    def query_names(self) -> set[str]:
        names = set()
        for query in self.same_page_queries():
            names |= {name for name, _ in parse_qsl(query, keep_blank_values=True)}
        for form in self.forms:
            if (
                form.method == "get"
                and urlsplit(form.action).path == urlsplit(self.base).path
            ):
                names |= set(form.fields)
        return names


def page_forms(base: str, html: str) -> PageForms:
    parser = PageForms(base)
    parser.feed(html)
    parser.close()
    return parser


# --- API schema -----------------------------------------------------------


def _resolve(schema: dict, document: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def schema_body(schema: dict, document: dict, leaf, depth: int = 0):
    """An instance of a request body schema with ``leaf`` at every leaf."""
    schema = _resolve(schema, document)
    if depth > 6:
        return leaf
    for combined in ("allOf", "oneOf", "anyOf"):
        if schema.get(combined):
            return schema_body(schema[combined][0], document, leaf, depth + 1)
    kind = schema.get("type")
    if kind == "array":
        return [schema_body(schema.get("items", {}), document, leaf, depth + 1)]
    if kind == "object" or "properties" in schema:
        body = {
            name: schema_body(item, document, leaf, depth + 1)
            for name, item in schema.get("properties", {}).items()
        }
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            body["1"] = schema_body(extra, document, leaf, depth + 1)
        return body
    return leaf


@dataclass
class ApiOperation:
    pattern: re.Pattern
    method: str
    query: set[str]
    body: dict | None  # the request body schema, if any


def schema_operations() -> tuple[list[ApiOperation], dict]:
    """The API's operations from the project's schema generator."""
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    with GENERATOR_STATS.silence():
        document = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, item in document["paths"].items():
        regex = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            query = {
                parameter["name"]
                for parameter in operation.get("parameters", [])
                if parameter.get("in") == "query"
            }
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            operations.append(ApiOperation(regex, method, query, body))
    return operations, document
