from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from marketplace import emails


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


@shared_task(bind=True, name="marketplace.tasks.email_send", ignore_result=True)
def email_send(self, email_id: int) -> str:
    """Send one outbox email; on failure, come back after its backoff delay.

    The row counts the tries and decides when to give up
    (``EMAIL_MAX_ATTEMPTS``), so Celery's own retry count is not limited.
    """
    outcome = emails.email_send(email_id=email_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in, max_retries=None)
    return outcome.status


@shared_task(name="marketplace.tasks.emails_requeue_due")
def emails_requeue_due() -> int:
    """Hand over again the pending emails whose task was lost."""
    return emails.emails_requeue_due()


@shared_task(name="marketplace.tasks.emails_purge")
def emails_purge() -> int:
    """Delete the emails sent longer ago than EMAIL_KEEP_DAYS."""
    return emails.emails_purge()
