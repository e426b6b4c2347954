"""The test suite's Celery worker is real and reads the test database."""

from __future__ import annotations

import pytest
from django.db import connection

from marketplace.tasks import ping
from tests.support.celery_probe import database_probe
from tests.support.factories import make_listing


def test_a_task_goes_through_the_broker_to_the_worker_and_back(celery_worker):
    result = ping.delay()

    assert result.get(timeout=10) == "pong"
    assert result.successful()


@pytest.mark.django_db(transaction=True)
def test_the_worker_sees_what_a_test_committed_to_the_test_database(celery_worker):
    listing = make_listing(sku="PROBE-1")

    seen = database_probe.delay(listing.pk).get(timeout=10)

    assert seen == {"database": connection.settings_dict["NAME"], "sku": "PROBE-1"}
