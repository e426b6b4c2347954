"""Fixtures of the catalog and listing tests."""

from __future__ import annotations

import pytest

from tests.support.catalog import Catalog, build_catalog


@pytest.fixture
def catalog() -> Catalog:
    """The small, fully known catalog of ``build_catalog`` (tests/support)."""
    return build_catalog()
