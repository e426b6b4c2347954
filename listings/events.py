"""What the listings app tells the apps above it, without importing them.

Each event is a Django signal sent synchronously by a listings service, so its
receivers run in the sender's transaction; a receiver that must wait for the
commit defers its own work (``transaction.on_commit``). Receivers are
connected in the listening app's ``AppConfig.ready`` (its ``receivers``
module). The README's "Events between apps" lists every event of every app.
"""

from __future__ import annotations

from django.dispatch import Signal

offers_changed = Signal()
"""Offers changed in a way that can move their ranking.

Sent with ``sender=Offer`` by ``offers_refresh`` when it wrote any offer's
copies (stock, status, grade, warranty, purchasable: the row count was not
zero), and by ``listings_changed`` when a listing's prices changed (a price is
not a copy, but it moves the variant's price floor). Keyword arguments:
``listing_ids`` and ``refurbisher_ids``, each an id list or None (not limited
to those).

Sent synchronously right after the write, so inside the caller's transaction
when there is one (the trial caps task calls without one). Heard by quality
(``quality.receivers``), which asks for a debounced rank recompute after the
commit (``rank_recompute_soon``).
"""
