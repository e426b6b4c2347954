"""Celery tasks of warranty claims (thin: each calls one service)."""

from celery import shared_task

from orders.services.claims import claims_remind_and_escalate as remind_and_escalate


@shared_task(name="orders.tasks.claims_remind_and_escalate")
def claims_remind_and_escalate() -> dict[str, int]:
    """Remind sellers of claim answers due soon; escalate the overdue ones."""
    return remind_and_escalate()
