"""Celery tasks of returns (thin: each calls one service)."""

from celery import shared_task

from orders.services import returns as services


@shared_task(name="orders.tasks.returns_refund_overdue")
def returns_refund_overdue() -> int:
    """Refund returns on their way back that the seller has not marked received
    within ``RETURN_REFUND_DAYS`` days."""
    return services.returns_refund_overdue()
