from django.http import HttpResponseRedirect, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from marketplace.health import readiness_allowed, service_health
from marketplace.markets import get_market
from marketplace.middleware import MARKET_COOKIE


@never_cache
def healthz(request):
    """Liveness: the process answers. Public, and touches no other service."""
    return JsonResponse({"ok": True})


@never_cache
def readyz(request):
    """Readiness for operators: database, Redis, a Celery worker (503 if down)."""
    if not readiness_allowed(request):
        message = gettext(
            "The readiness details are for operators: send the header "
            "X-Health-Token with the HEALTH_TOKEN of this installation."
        )
        return JsonResponse({"error": message}, status=403)
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
