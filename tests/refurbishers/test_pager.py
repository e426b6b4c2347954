"""The seller lists' pager keeps the list's filters from page to page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def _pager(query: str, number: int, count: int = 60) -> str:
    request = RequestFactory().get(f"/seller/returns/{query}")
    page = Paginator(range(count), 20).page(number)
    return render_to_string(
        "seller/includes/pager.html", {"page": page}, request=request
    )


def test_previous_and_next_keep_the_filter_and_change_the_page():
    html = _pager("?show=on_the_way&page=2", 2)
    assert 'href="?show=on_the_way&amp;page=1"' in html
    assert 'href="?show=on_the_way&amp;page=3"' in html
    assert "Page 2 of 3" in html


def test_the_first_page_has_no_previous_and_one_page_no_pager():
    assert "Previous" not in _pager("", 1)
    assert 'href="?page=2"' in _pager("", 1)
    assert _pager("?show=all", 1, count=5).strip() == ""
