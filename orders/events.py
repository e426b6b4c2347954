"""What the orders app tells the apps above it, without importing them.

Each event is a Django signal sent synchronously by an orders service, so its
receivers run in the sender's transaction; a receiver that must wait for the
commit defers its own work (``transaction.on_commit``). Receivers are
connected in the listening app's ``AppConfig.ready`` (its ``receivers``
module). The README's "Events between apps" lists every event of every app.
"""

from __future__ import annotations

from django.dispatch import Signal

seller_order_paid = Signal()
"""A seller order moved to paid.

Sent with ``sender=SellerOrder`` by ``order_payment_succeeded`` for each
seller order of the order it marks paid, once per seller order (a repeated
payment event sends nothing). Keyword arguments: ``seller_order`` and
``trial_sale`` (True when the seller order holds a trial sale slot: its
seller is on trial).

Sent inside the payment's transaction, after the seller order's status row
is written, so a receiver's writes commit with the payment or not at all.
Heard by quality (``quality.receivers``), which opens QA's review of a trial
sale (``trial_review_open``).
"""
