"""Security headers on every page, and pages the policy needs no exception for.

The browser test (tests/e2e/test_content_security_policy.py) shows Chromium
enforcing the policy; these check the headers each kind of response carries,
and that no page template or HTML built in Python holds an inline script,
style or event handler (emails excepted: mail clients need inline styles, and
no browser policy applies to them).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
    "form-action 'self' https://checkout.stripe.com"
)


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.parametrize(
    "path",
    ["/", "/search/?q=phone", "/cart/", "/admin/login/", "/api/docs/", "/nowhere/"],
)
def test_every_page_carries_the_policy_and_the_other_headers(client, path):
    response = client.get(path)

    assert directives(response["Content-Security-Policy"]) == directives(POLICY)
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


INLINE = {
    "an inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "a <style> element": re.compile(r"<style[\s>]", re.I),
    "a style attribute": re.compile(r"\sstyle\s*=\s*[\"']", re.I),
    "an event handler attribute": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I),
    "a javascript: address": re.compile(r"javascript:", re.I),
}


APPS = (
    "marketplace",
    "refurbishers",
    "listings",
    "orders",
    "quality",
    "seller_dashboard",
    "demo",
)


def _page_sources() -> list[Path]:
    # The project's templates and those an app keeps in its own folder.
    folders = [ROOT / "templates", *(ROOT / app / "templates" for app in APPS)]
    templates = [
        path
        for folder in folders
        for path in folder.rglob("*.html")
        if "emails" not in path.relative_to(folder).parts
    ]
    python = [
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    ]
    return templates + python


_COMMENTS = {
    ".html": re.compile(r"{% comment %}.*?{% endcomment %}|{#.*?#}", re.S),
    ".py": re.compile(r"#[^\n]*"),
}


def _without_comments(path: Path) -> str:
    """The source with its comments blanked (line numbers kept)."""
    return _COMMENTS[path.suffix].sub(
        lambda match: re.sub(r"[^\n]", " ", match.group()), path.read_text()
    )


def test_no_page_source_needs_unsafe_inline():
    found = []
    for path in _page_sources():
        text = _without_comments(path)
        for what, pattern in INLINE.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert found == []
