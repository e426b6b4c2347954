"""Celery tasks of payouts (thin: each calls one service)."""

from celery import shared_task

from orders.services import payouts as payout_services


@shared_task(name="orders.tasks.payouts_run")
def payouts_run() -> int:
    """Pay each refurbisher what it is owed; send again payouts still pending.

    Safe to run twice: a sale is in one payout only, and a payout is one
    transfer (its idempotency key). Returns how many payouts it wrote.
    """
    return payout_services.payouts_run()
