"""Reads behind the seller's imports pages: a refurbisher's imports, one page
at a time, and one of them by id within the refurbisher."""

from __future__ import annotations

from django.core.paginator import Page, Paginator

from listings.models import ListingImport
from refurbishers.models import Refurbisher

IMPORTS_PAGE_SIZE = 20


def listing_imports_page(*, refurbisher: Refurbisher, page: str | None) -> Page:
    """One page of the refurbisher's imports, newest first: two queries."""
    imports = (
        ListingImport.objects.filter(refurbisher=refurbisher)
        .select_related("created_by")
        .defer("errors")
        .order_by("-created_at", "-pk")
    )
    return Paginator(imports, IMPORTS_PAGE_SIZE).get_page(page)


def listing_import_of_refurbisher(
    *, refurbisher: Refurbisher, import_id: int
) -> ListingImport | None:
    """The refurbisher's import, or None (another's is not found either)."""
    return ListingImport.objects.filter(refurbisher=refurbisher, pk=import_id).first()
