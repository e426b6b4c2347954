"""The Stripe webhook: verify the signature (``orders.webhooks``), then hand the
event to ``payment_event_receive``, which records it once and applies it."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from orders.exceptions import WebhookSignatureError
from orders.services.payment_events import payment_event_receive
from orders.webhooks import verified_event


@csrf_exempt
@require_POST
def stripe_webhook(request) -> HttpResponse:
    """Answer 400 to anything not signed by Stripe, 200 to the rest (once applied)."""
    try:
        event = verified_event(request.body, request.headers.get("Stripe-Signature"))
    except WebhookSignatureError as refusal:
        return JsonResponse({"error": str(refusal)}, status=400)
    result = payment_event_receive(event)
    if result == "duplicate":
        return JsonResponse({"received": True, "duplicate": True})
    return JsonResponse({"received": True, "result": result})
