from celery import shared_task
from django.core.cache import cache
from django.utils import timezone


@shared_task(name="marketplace.tasks.ping")
def ping() -> str:
    """Answer a health check's round trip through the broker and a worker."""
    return "pong"


@shared_task(name="marketplace.tasks.heartbeat")
def heartbeat() -> str:
    """Record that Celery beat is scheduling work (shown by /healthz)."""
    now = timezone.now().isoformat()
    cache.set("beat:last-heartbeat", now, timeout=None)
    return now
