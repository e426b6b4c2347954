"""Demo data for the seller tools: an API key to try the seller API with, and
a device model request waiting for QA in the admin.

The demo key is fixed and printed with the demo logins, so the API docs page
can be tried at once; it is demo data like the demo passwords, and revoking
it in the dashboard works as for any key.
"""

from __future__ import annotations

from django.db import transaction

from listings.demo.onboarding import ACTIVE_SELLER
from listings.models import Category, DeviceModelRequest
from listings.services.model_requests import device_model_request_create
from marketplace.api.authentication import key_hash, key_prefix
from refurbishers.models import ApiToken, Membership

DEMO_API_KEY = "rmk_d3m0acc0un75_remarket-demo-key-for-the-active-seller"
DEMO_API_KEY_NAME = "Demo stock system"


@transaction.atomic
def demo_seller_tools_seed() -> int:
    """Write what is missing; returns how many rows it wrote (0 on a rerun)."""
    membership = (
        Membership.objects.select_related("refurbisher", "user")
        .filter(user__username=ACTIVE_SELLER)
        .first()
    )
    if membership is None:
        return 0
    refurbisher, user = membership.refurbisher, membership.user
    written = 0
    prefix = key_prefix(DEMO_API_KEY)
    if not ApiToken.objects.filter(prefix=prefix).exists():
        ApiToken.objects.create(
            refurbisher=refurbisher, name=DEMO_API_KEY_NAME, prefix=prefix,
            key_hash=key_hash(DEMO_API_KEY), created_by=user,
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
    return written
