"""A task the test worker loads (``--include``) to show what it sees.

It is test plumbing, not a stand-in for any task of ours: it proves the worker
reads the test database the tests commit to.
"""

from __future__ import annotations

from celery import shared_task
from django.db import connection


@shared_task(name="tests.support.celery_probe.database_probe")
def database_probe(listing_id: int) -> dict:
    """Report the worker's database and the SKU of one listing as it sees it."""
    from listings.models import Listing

    sku = Listing.objects.filter(pk=listing_id).values_list("sku", flat=True).first()
    return {"database": connection.settings_dict["NAME"], "sku": sku}
