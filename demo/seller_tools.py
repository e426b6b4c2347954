"""Demo data for the seller tools: an API key to try the seller API with, and
a device model request waiting for QA in the admin.

In development the demo key is fixed and printed with the demo logins, so the
API docs page can be tried at once; it is demo data like the demo passwords,
and revoking it in the dashboard works as for any key. A production database
seeded on purpose never holds the published key: it gets a random one,
returned once to be printed.
"""

from __future__ import annotations

from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from demo.onboarding import ACTIVE_SELLER
from listings.models import Category, DeviceModelRequest
from listings.services.model_requests import device_model_request_create
from refurbishers.api_keys import key_generate, key_hash, key_prefix
from refurbishers.models import ApiToken, Membership

DEMO_API_KEY = "rmk_d3m0acc0un75_remarket-demo-key-for-the-active-seller"
DEMO_API_KEY_NAME = "Demo stock system"


class SellerToolsSeed(NamedTuple):
    written: int
    # The random key made now (production only), to print once; else None.
    new_key: str | None = None


@transaction.atomic
def demo_seller_tools_seed(*, published: bool = True) -> SellerToolsSeed:
    """Write what is missing; ``written`` is 0 on a rerun.

    ``published`` (development): the demo key is the published one. Otherwise
    the published key is revoked if a development run left it, and the active
    seller gets a random key unless a live demo key of its own exists already.
    """
    membership = (
        Membership.objects.select_related("refurbisher", "user")
        .filter(user__username=ACTIVE_SELLER)
        .first()
    )
    if membership is None:
        return SellerToolsSeed(0)
    refurbisher, user = membership.refurbisher, membership.user
    written = 0
    new_key = None
    published_prefix = key_prefix(DEMO_API_KEY)
    if published:
        if not ApiToken.objects.filter(prefix=published_prefix).exists():
            ApiToken.objects.create(
                refurbisher=refurbisher, name=DEMO_API_KEY_NAME,
                prefix=published_prefix, key_hash=key_hash(DEMO_API_KEY),
                created_by=user,
            )  # fmt: skip
            written += 1
    else:
        written += ApiToken.objects.filter(
            prefix=published_prefix, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        live = ApiToken.objects.filter(
            refurbisher=refurbisher, name=DEMO_API_KEY_NAME, revoked_at__isnull=True
        )
        if not live.exists():
            prefix, new_key = key_generate()
            ApiToken.objects.create(
                refurbisher=refurbisher, name=DEMO_API_KEY_NAME, prefix=prefix,
                key_hash=key_hash(new_key), created_by=user,
            )  # fmt: skip
            written += 1
    if not DeviceModelRequest.objects.filter(refurbisher=refurbisher).exists():
        device_model_request_create(
            refurbisher=refurbisher, actor=user, brand_name="Fairphone",
            model_name="Fairphone 5",
            category=Category.objects.filter(slug="smartphones").first(),
            details="128 GB and 256 GB, Matte Black and Transparent. We refurbish "
            "about 40 a month.",
        )  # fmt: skip
        written += 1
    return SellerToolsSeed(written, new_key)
