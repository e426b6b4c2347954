from celery import shared_task

from orders.services.payment import orders_expire_due


@shared_task(name="orders.tasks.orders_expire")
def orders_expire() -> int:
    """Give back the stock and sale slots of checkouts not paid in time."""
    return orders_expire_due()
