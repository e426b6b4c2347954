"""After the sale in real Chromium: shipping, delivery and a warranty claim.

A refurbisher's owner ships a paid order from its dashboard (carrier,
tracking, serial); the guest shopper confirms delivery from the order link,
reports a problem with a photo (a real PNG file) and sees it waiting; the
seller answers with a repair; the shopper reads the answer.
"""

from __future__ import annotations

import re
import struct
import zlib

import pytest
from playwright.sync_api import expect

from orders.models import ClaimStatus, SellerOrderStatus, WarrantyClaim
from tests.support.claim_builders import seller_make
from tests.support.order_builders import seller_order_paid
from tests.support.refurbisher_builders import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
IMEI = "490154203237518"


def small_png(width: int = 8, height: int = 8) -> bytes:
    """A real PNG image (a green square), as a phone would send one."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x0a\x6b\x4d" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def shop_url_with_paid_order(live_server, settings, tmp_path):
    settings.STRIPE_SECRET_KEY = ""  # the offline test gateway
    settings.MEDIA_ROOT = tmp_path / "media"
    owner, refurbisher = seller_make()
    seller_order = seller_order_paid(refurbisher=refurbisher)  # a guest's order
    return live_server.url, owner, seller_order


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/accounts/sign-in/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sign in")).to_have_count(0)


def test_shipped_delivered_claimed_with_a_photo_and_answered(
    shop_url_with_paid_order, page, browser, tmp_path
):
    base, owner, seller_order = shop_url_with_paid_order
    order = seller_order.order
    seller = browser.new_context().new_page()

    # The seller accepts and ships with carrier, tracking and the serial.
    sign_in(seller, base, owner.email)
    seller.goto(f"{base}/seller/orders/")
    seller.get_by_role("link", name=order.reference).click()
    seller.get_by_role("button", name="Accept order").click()
    expect(seller.locator(".flash")).to_contain_text("Order accepted")
    seller.get_by_label("Carrier", exact=True).select_option("colissimo")
    seller.get_by_label("Tracking number").fill("6A12345678901")
    line = seller_order.lines.get()
    seller.get_by_label(re.compile(re.escape(line.title))).fill(IMEI)
    seller.get_by_role("button", name="Mark shipped").click()
    expect(seller.locator(".flash")).to_contain_text("Marked shipped")
    expect(seller.locator(".status-line")).to_contain_text("Shipped")

    # The guest shopper opens the order from the email link and confirms.
    page.goto(f"{base}/orders/access/{order.access_token}/")
    parcel = page.locator(".order-parcel")
    expect(parcel).to_contain_text("Colissimo")
    expect(parcel).to_contain_text("6A12345678901")
    page.get_by_role("button", name="Confirm delivery").click()
    expect(page.locator(".order-warranties")).to_contain_text(IMEI)
    seller_order.refresh_from_db()
    assert seller_order.status == SellerOrderStatus.DELIVERED

    # A warranty claim with a real photo.
    page.get_by_role("link", name=re.compile("^Report a problem")).click()
    expect(page.get_by_role("heading", name="Report a problem")).to_be_visible()
    page.get_by_label("Battery").check()
    page.get_by_label("Describe it").fill(
        "The battery drains from full to empty in two hours, since last week."
    )
    picture = tmp_path / "battery.png"
    picture.write_bytes(small_png())
    page.get_by_label("Photos").set_input_files(str(picture))
    page.get_by_role("button", name="Send the claim").click()

    expect(page).to_have_url(re.compile(rf"/orders/{order.reference}/claims/\d+/$"))
    expect(page.locator(".claim-head .claim-status")).to_have_text(
        "Waiting for the seller"
    )
    expect(page.locator(".claim-timeline")).to_contain_text("Seller's answer due")
    image = page.locator(".claim-photos img")
    expect(image).to_have_count(1)
    # The photo is served back to the shopper and decodes as the 8x8 image.
    page.wait_for_function(
        "() => { const img = document.querySelector('.claim-photos img');"
        " return img && img.complete && img.naturalWidth === 8; }"
    )
    claim = WarrantyClaim.objects.get()
    assert claim.photos.get().content_type == "image/png"

    # On a phone the claim page fits the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 800})

    # The seller finds it waiting and offers a repair.
    seller.goto(f"{base}/seller/claims/")
    row = seller.locator("tr", has_text=order.reference)
    expect(row).to_contain_text("due in")
    row.get_by_role("link", name=f"Claim {claim.pk}").click()
    expect(seller.locator(".claim-photos img")).to_have_count(1)
    seller.get_by_label("Repair").check()
    expect(seller.get_by_label(re.compile("^Refund amount"))).to_be_hidden()
    seller.get_by_label("Message to the shopper").fill(
        "Please send it to our Lyon workshop: we replace the battery in 3 days."
    )
    seller.get_by_role("button", name="Send the answer").click()
    expect(seller.locator(".flash")).to_contain_text("Answer sent")

    # The shopper sees the answer on the claim page.
    page.reload()
    expect(page.locator(".claim-head .claim-status")).to_have_text("Seller answered")
    answer = page.locator(".claim-answer")
    expect(answer).to_contain_text("Offers to repair the device")
    expect(answer).to_contain_text("our Lyon workshop")
    expect(page.get_by_role("button", name="Accept the repair")).to_be_visible()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ANSWERED and claim.seller_remedy == "repair"
