"""Warranties to claim on, claims, claim photos and a claims QA member."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from orders.models import SellerOrder, Warranty, WarrantyClaim
from orders.services.claims import claim_file
from refurbishers.models import MemberRole, Membership
from tests.support.factories import RefurbisherFactory
from tests.support.images import image_bytes
from tests.support.order_builders import seller_order_delivered, seller_order_paid
from tests.support.refurbisher_builders import user_make

PNG = image_bytes("PNG")
DESCRIPTION = "The screen flickers and goes black after a few minutes of use."
CLAIM_PERMISSIONS = [
    "view_warrantyclaim", "change_warrantyclaim", "view_claimphoto",
    "view_claimstatuschange",
]  # fmt: skip


def photo(content: bytes = PNG, name: str = "screen.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def seller_make(time_zone: str = "Europe/Paris"):
    """(owner, refurbisher): an active refurbisher and its owner."""
    refurbisher = RefurbisherFactory(time_zone=time_zone)
    owner = user_make(email=f"owner-{refurbisher.slug}@example.com")
    Membership.objects.create(
        user=owner, refurbisher=refurbisher, role=MemberRole.OWNER
    )
    return owner, refurbisher


def qa_make():
    from django.contrib.auth.models import Permission

    qa = user_make(is_staff=True)
    qa.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="orders", codename__in=CLAIM_PERMISSIONS
        )
    )
    return qa


def delivered(refurbisher=None, *, price: str = "400.00", user=None) -> SellerOrder:
    seller_order = seller_order_paid(refurbisher=refurbisher, price=price, user=user)
    return seller_order_delivered(seller_order)


def warranty_of(seller_order: SellerOrder) -> Warranty:
    return Warranty.objects.get(line__seller_order=seller_order)


def file(warranty: Warranty, actor=None, **kwargs) -> WarrantyClaim:
    fields = {"problem": "screen", "description": DESCRIPTION, "photos": []}
    fields.update(kwargs)
    return claim_file(warranty=warranty, actor=actor, **fields)
