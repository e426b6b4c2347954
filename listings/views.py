"""The shopper's pages: thin views that read a selector and render a template.

Malformed parameters never raise: the selectors ignore what they cannot read,
unknown slugs are 404s.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from listings.images import device_svg, is_hex_colour
from listings.models import Category, Grade
from listings.selectors import (
    SORTS,
    SearchQuery,
    SearchResult,
    category_get,
    device_model_get,
    device_model_suggestions,
    device_page,
    home_page,
    search_offers,
    search_query_from_params,
)

OTHER_OFFERS_SHOWN = 5
# Facet values shown before "Show all".
FACET_HEAD = 6
MAX_DB_INT = 2**63 - 1


@require_safe
def home(request):
    page = home_page(market=request.market)
    return render(request, "listings/home.html", {"page": page})


def _facet_groups(result: SearchResult) -> list[dict]:
    """Facets split into the first few values and the rest behind "Show all"."""
    groups = []
    for facet in result.facets:
        if not facet.values:
            continue
        head, tail = facet.values[:FACET_HEAD], facet.values[FACET_HEAD:]
        if facet.key == "battery":
            head, tail = facet.values, []
        groups.append(
            {
                "facet": facet,
                "head": head,
                "tail": tail,
                "tail_open": any(value.selected for value in tail),
                "radio": facet.key == "battery",
                "any_selected": any(value.selected for value in facet.values),
            }
        )
    return groups


def _browse(request, *, category: Category | None, template: str):
    query: SearchQuery = search_query_from_params(
        request.GET,
        market=request.market,
        category=category,
        page_size=settings.SEARCH_PAGE_SIZE,
    )
    result = search_offers(query)
    sorts = [
        {
            "key": key,
            "label": label,
            "url": "?" + query.querystring(sort=key, page=None),
            "current": key == query.sort,
        }
        for key, label in SORTS
    ]
    pages = [
        None
        if number is None
        else {
            "number": number,
            "url": "?" + query.querystring(page=number),
            "current": number == result.page,
        }
        for number in result.page_numbers
    ]
    keep = {"q": query.text} if query.text else {}
    context = {
        "query": query,
        "result": result,
        "category": category,
        "search_text": query.text,
        "facet_groups": _facet_groups(result),
        "sorts": sorts,
        "sort_label": dict(SORTS).get(query.sort, SORTS[0][1]),
        "pages": pages if result.num_pages > 1 else [],
        "previous_url": (
            "?" + query.querystring(page=result.page - 1)
            if result.has_previous
            else None
        ),
        "next_url": (
            "?" + query.querystring(page=result.page + 1) if result.has_next else None
        ),
        "clear_url": request.path + ("?" + urlencode(keep) if keep else ""),
        "corrected_url": (
            reverse("search") + "?" + urlencode({"q": result.corrected_text})
            if result.corrected_text
            else None
        ),
        "categories": Category.objects.all() if not result.cards else [],
        # With one grade chosen, a card opens the device page on that grade.
        "card_suffix": f"?grade={query.grades[0]}" if len(query.grades) == 1 else "",
    }
    return render(request, template, context)


@require_safe
def search(request):
    return _browse(request, category=None, template="listings/search.html")


@require_safe
def category(request, category_slug: str):
    found = category_get(slug=category_slug)
    return _browse(request, category=found, template="listings/search.html")


def _int_param(raw: str | None) -> int | None:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if 0 < value <= MAX_DB_INT else None


@require_safe
def device(request, model_slug: str):
    device_model = device_model_get(slug=model_slug)
    grade = (request.GET.get("grade") or "").strip().upper()
    page = device_page(
        device_model=device_model,
        market=request.market,
        variant_id=_int_param(request.GET.get("variant")),
        grade=grade if grade in Grade.values else None,
    )
    context = {
        "page": page,
        "variant_has_offers": any(card.offer_count for card in page.grades),
        # Each condition shows its featured offer and a few more; "See all"
        # opens one condition in full (a busy version can have hundreds).
        "others_shown": f":{OTHER_OFFERS_SHOWN}",
        "others_shown_count": OTHER_OFFERS_SHOWN,
        "show_all_offers": grade if request.GET.get("offers") == "all" else None,
    }
    return render(request, "listings/device.html", context)


@require_safe
def search_suggest(request):
    """Up to eight device models sold in the market that match every typed word."""
    text = " ".join((request.GET.get("q") or "").replace("\x00", "").split())[:100]
    models = device_model_suggestions(text=text, market=request.market)
    results = [
        {"name": f"{m.brand.name} {m.name}", "url": reverse("device", args=[m.slug])}
        for m in models
    ]
    response = JsonResponse({"query": text, "results": results})
    # Answers depend on the market cookie: browsers may keep them, proxies not.
    patch_cache_control(response, private=True, max_age=300)
    patch_vary_headers(response, ["Cookie"])
    return response


@require_safe
def device_image(request, kind: str, colour: str):
    """A device outline in a colour, cached for a year (the URL names the picture)."""
    if not is_hex_colour(colour):
        raise Http404("No such colour.")
    try:
        svg = device_svg(kind, colour.lower())
    except ValueError:
        raise Http404("No such picture.") from None
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    patch_cache_control(response, public=True, max_age=365 * 24 * 3600, immutable=True)
    return response


INFO_SECTIONS = {
    "grading": gettext_lazy("How grading works"),
    "warranty": gettext_lazy("Warranty and returns"),
    "sell": gettext_lazy("Sell on ReMarket"),
    "api": gettext_lazy("API docs"),
    "about": gettext_lazy("About ReMarket"),
}


@require_safe
def info(request, section: str):
    if section not in INFO_SECTIONS:
        raise Http404("No such page.")
    context = {
        "section": section,
        "title": INFO_SECTIONS[section],
        "sections": INFO_SECTIONS.items(),
        "section_template": f"listings/info/{section}.html",
        "api_docs_url": reverse("api-docs") if section == "api" else None,
        "grades": [(g.value, g.label) for g in Grade],
    }
    return render(request, "listings/info.html", context)
