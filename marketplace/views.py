from django.http import HttpResponseRedirect, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from marketplace.health import service_health
from marketplace.markets import get_market
from marketplace.middleware import MARKET_COOKIE


@never_cache
def healthz(request):
    """Report database, Redis and Celery health as JSON (503 when any is down)."""
    health = service_health()
    return JsonResponse(health, status=200 if health["ok"] else 503)


@require_POST
def market_choose(request):
    """Remember the shopper's market and go back where they were."""
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    market = get_market(request.POST.get("market"))
    if market is not None:
        response.set_cookie(
            MARKET_COOKIE,
            market.code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response
