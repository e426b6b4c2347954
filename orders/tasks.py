from celery import shared_task

from orders.services.fulfilment import (
    seller_orders_deliver_due,
    seller_orders_flag_late,
)
from orders.services.payment import orders_expire_due


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
