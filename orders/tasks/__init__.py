from celery import shared_task

from orders.services.fulfilment import (
    seller_orders_deliver_due,
    seller_orders_flag_late,
)
from orders.services.payment import orders_expire_due
from orders.services.refunds import refunds_retry_due


@shared_task(name="orders.tasks.orders_expire")
def orders_expire() -> int:
    """Give back the stock and sale slots of checkouts not paid in time."""
    return orders_expire_due()


@shared_task(name="orders.tasks.late_shipments_flag")
def late_shipments_flag() -> int:
    """Flag paid or accepted seller orders not shipped by their deadline."""
    return seller_orders_flag_late()


@shared_task(name="orders.tasks.deliveries_auto_confirm")
def deliveries_auto_confirm() -> int:
    """Deliver seller orders shipped ``AUTO_DELIVERY_DAYS`` ago and not confirmed."""
    return seller_orders_deliver_due()


@shared_task(name="orders.tasks.refunds_retry")
def refunds_retry() -> int:
    """Send again refunds the payment provider has not confirmed yet."""
    return refunds_retry_due()


# The tasks of each part of after-sale live beside this module; importing them
# here registers them with Celery's autodiscovery of ``orders.tasks``.
from orders.tasks import claims, payouts, returns  # noqa: E402, F401
