"""The footer's information pages, and the API docs page they lead to."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("section", ["grading", "warranty", "sell", "api", "about"])
def test_each_information_page_answers(client, section):
    assert client.get(f"/about/{section}/").status_code == 200


def test_the_api_page_links_to_documentation_that_opens_without_a_key(client):
    page = client.get("/about/api/").content.decode()
    assert 'href="/api/docs/"' in page
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"/api/schema/" in client.get("/api/docs/?script=").content


def test_an_unknown_section_is_a_404(client):
    assert client.get("/about/nothing-here/").status_code == 404
