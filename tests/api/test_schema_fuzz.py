"""Schema fuzzing: schemathesis against the project's own OpenAPI schema.

Every operation of the schema is fuzzed: the list is read from the project's
schema generator when the tests are collected, so endpoints added later are
fuzzed without a change here. Each operation gets valid and invalid requests
(schemathesis' positive and negative modes) and, when it acts on one object,
valid requests aimed at an object the seller really has. They are sent
in-process through Django's WSGI application with a real seller key. No
answer may be a server error, and every answer must have a status code, a
content type and a body the schema documents for that operation.

It sends real writes, committed as in production: the module seeds the test
database once, outside any test transaction, and flushes it when done (as a
transactional test does), so nothing is left for the next tests. Throttles are
raised meanwhile (a fuzzer is one long burst).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.test import override_settings
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from listings.models import Listing
from marketplace.api.throttling import PerIpThrottle, PerKeyThrottle
from refurbishers.models import Refurbisher
from tests.support.api import SellerKey, seller_key_make
from tests.support.factories import make_listing
from tests.support.order_builders import seller_order_paid

# Per operation and mode: small, so the whole fuzz stays near a minute or two.
MAX_EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
METHODS = ("get", "post", "put", "patch", "delete")


def schema_operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every operation in the project's schema."""
    with GENERATOR_STATS.silence():  # its warnings are the schema check's job
        document = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    )


OPERATIONS = schema_operations()

# Operations on one object, and which seeded object of the seller to aim at,
# so that requests reach the services and not only the 404 of an unknown id.
# An operation not named here is fuzzed with generated ids only.
REAL_OBJECTS = {
    r"^/api/v1/seller/listings/\{id\}/": "listing",
    r"^/api/v1/seller/(orders|messages)/\{reference\}/": "order",
    r"^/api/v1/catalog/offers/\{id\}/": "offer",
    r"^/api/v1/catalog/variants/\{id\}/": "variant",
    r"^/api/v1/catalog/categories/\{id\}/": "category",
    r"^/api/v1/catalog/device-models/\{id\}/": "device_model",
}


def real_object(path: str) -> str | None:
    return next(
        (kind for pattern, kind in REAL_OBJECTS.items() if re.match(pattern, path)),
        None,
    )


RUNS = [
    (method, path, mode)
    for method, path in OPERATIONS
    for mode in ("positive", "negative", "real")
    if mode != "real" or real_object(path)
]


@dataclass
class Seeded:
    seller: SellerKey
    other: Refurbisher
    path_parameters: dict[str, dict[str, object]]


def seed() -> Seeded:
    """A seller with a key, listings and a paid order for the fuzzer to meet,
    and another seller with a listing the fuzzer must never get at."""
    seller = seller_key_make()
    listing = make_listing(refurbisher=seller.refurbisher)
    make_listing(refurbisher=seller.refurbisher, stock=0)
    seller_order = seller_order_paid(refurbisher=seller.refurbisher)
    other = seller_key_make().refurbisher
    make_listing(refurbisher=other)
    model = listing.variant.device_model
    return Seeded(
        seller=seller,
        other=other,
        path_parameters={
            "listing": {"id": listing.pk},
            "order": {"reference": seller_order.order.reference},
            "offer": {"id": listing.offers.order_by("pk").first().pk},
            "variant": {"id": listing.variant_id},
            "category": {"id": model.category_id},
            "device_model": {"id": model.slug},
        },
    )


def listings_of(refurbisher: Refurbisher) -> list[dict]:
    return list(Listing.objects.filter(refurbisher=refurbisher).values())


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker) -> Iterator[Seeded]:
    with (
        django_db_blocker.unblock(),
        override_settings(STRIPE_SECRET_KEY=""),  # the offline test gateway
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(PerKeyThrottle, "THROTTLE_RATES", {"api_key": "100000/s"})
        patch.setattr(PerIpThrottle, "THROTTLE_RATES", {"api_ip": "100000/s"})
        try:
            data = seed()
            before = listings_of(data.other)
            yield data
            assert listings_of(data.other) == before, "another seller's changed"
        finally:
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def api_schema(seeded):
    """The schema as the API serves it, bound to the WSGI app for the calls."""
    return schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


# Marked so pytest-django prepares the test database even when only this
# module runs; it reads only. The fuzz tests below are not marked: their
# writes are committed, as in production, and the module's flush clears them.
@pytest.mark.django_db
def test_every_operation_of_the_served_schema_is_fuzzed(api_schema, seeded):
    served = sorted(
        (result.ok().method.upper(), result.ok().path)
        for result in api_schema.get_all_operations()
    )
    assert served == OPERATIONS
    assert ("GET", "/api/v1/seller/me/") in served
    # Every seeded object is aimed at by some operation, and exists.
    assert {real_object(path) for _, path in OPERATIONS} >= set(seeded.path_parameters)


@pytest.mark.parametrize(
    ("method", "path", "mode"), RUNS, ids=[f"{m} {p} {mode}" for m, p, mode in RUNS]
)
def test_the_api_answers_generated_requests_as_its_schema_says(
    api_schema, seeded, method, path, mode
):
    operation = api_schema[path][method]
    strategy = operation.as_strategy(
        generation_mode=GenerationMode.NEGATIVE
        if mode == "negative"
        else GenerationMode.POSITIVE,
        path_parameters=seeded.path_parameters[real_object(path)]
        if mode == "real"
        else None,
    )
    authorization = {"Authorization": f"Bearer {seeded.seller.key}"}

    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,  # the same requests every run: no flaky failures
        print_blob=True,
    )
    def answers_as_documented(case):
        case.call_and_validate(headers=authorization, checks=CHECKS)

    try:
        answers_as_documented()
    except Unsatisfiable:
        # Negative mode breaks the schema where it can: an operation whose
        # only input is a free string in the path leaves nothing to break.
        if mode != "negative":
            raise
        pytest.skip("no request can break this operation's schema")
