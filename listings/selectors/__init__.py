"""Reads for the shop's pages. Each returns plain dataclasses for templates."""

from listings.selectors.cards import ModelCard
from listings.selectors.device import (
    DevicePage,
    GradeCard,
    OfferLine,
    OptionChoice,
    OptionGroup,
    VariantChoice,
    category_get,
    device_model_get,
    device_model_suggestions,
    device_page,
)
from listings.selectors.home import CategoryTile, HomePage, home_page
from listings.selectors.query import SORTS, SearchQuery, search_query_from_params
from listings.selectors.search import (
    ActiveFilter,
    Facet,
    FacetValue,
    SearchResult,
    search_offers,
)

__all__ = [
    "SORTS",
    "ActiveFilter",
    "CategoryTile",
    "DevicePage",
    "Facet",
    "FacetValue",
    "GradeCard",
    "HomePage",
    "ModelCard",
    "OfferLine",
    "OptionChoice",
    "OptionGroup",
    "SearchQuery",
    "SearchResult",
    "VariantChoice",
    "category_get",
    "device_model_get",
    "device_model_suggestions",
    "device_page",
    "home_page",
    "search_offers",
    "search_query_from_params",
]
