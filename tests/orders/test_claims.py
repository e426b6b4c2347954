"""Warranty claims: every move with its audit row, deadlines, photos, refunds."""

from __future__ import annotations

import datetime as dt
import io
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from orders.models import (
    ClaimPhoto,
    ClaimStatus,
    ClaimStatusChange,
    Refund,
    RefundReason,
    RefundStatus,
    Warranty,
    WarrantyClaim,
)
from orders.services.claims import (
    ClaimRefused,
    claim_accept,
    claim_answer,
    claim_decide,
    claim_escalate,
    claims_remind_and_escalate,
)
from refurbishers.models import MemberRole, Membership
from tests.support.claim_builders import (
    delivered,
    file,
    photo,
    qa_make,
    seller_make,
    warranty_of,
)
from tests.support.images import exif_of, image_bytes, jpeg_with_gps, png_bomb
from tests.support.refurbisher_builders import user_make

Status = ClaimStatus
PARIS = ZoneInfo("Europe/Paris")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
PNG, JPEG, WEBP = (image_bytes(kind) for kind in ("PNG", "JPEG", "WEBP"))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def history(claim) -> list[tuple[str, str]]:
    return list(
        ClaimStatusChange.objects.filter(claim=claim)
        .order_by("pk")
        .values_list("from_status", "to_status")
    )


def last_change(claim) -> ClaimStatusChange:
    return ClaimStatusChange.objects.filter(claim=claim).order_by("-pk").first()


@pytest.fixture
def shop_with_warranty(db):
    """(owner, refurbisher, a delivered seller order's warranty)."""
    owner, refurbisher = seller_make()
    return owner, refurbisher, warranty_of(delivered(refurbisher))


@pytest.fixture
def answered(shop_with_warranty):
    """A claim the seller answered with a refund of 150.00 (price 400.00)."""
    owner, _, warranty = shop_with_warranty
    claim = file(warranty)
    return claim_answer(
        claim=claim, actor=owner, remedy="refund", message="Sorry about that.",
        refund_amount="150.00",
    )  # fmt: skip


def _overdue(claim, hours: int = 1) -> None:
    WarrantyClaim.objects.filter(pk=claim.pk).update(
        answer_due_at=timezone.now() - dt.timedelta(hours=hours)
    )


# --- Filing -------------------------------------------------------------------


@pytest.mark.django_db
class TestFiling:
    def test_filing_opens_a_claim_with_its_audit_row_and_emails_the_owners(
        self, shop_with_warranty, mailoutbox, django_capture_on_commit_callbacks
    ):
        owner, refurbisher, warranty = shop_with_warranty
        shopper = user_make(email="camille@example.com")
        with django_capture_on_commit_callbacks(execute=True):
            claim = file(warranty, shopper)
        assert claim.status == Status.OPEN
        assert claim.refurbisher == refurbisher
        assert claim.seller_order == warranty.line.seller_order
        assert claim.filed_by == shopper
        assert history(claim) == [("", "open")]
        change = last_change(claim)
        assert change.actor == shopper
        assert change.reason.startswith("Filed: Screen or touch; answer due by ")
        (message,) = mailoutbox
        assert message.to == [owner.email]
        assert warranty.line.seller_order.order.reference in message.subject
        assert f"/seller/claims/{claim.pk}/" in message.body
        assert "flickers" in message.body
        assert f"/seller/claims/{claim.pk}/" in message.alternatives[0][0]

    def test_on_the_last_day_of_the_warranty_a_claim_can_be_filed(
        self, shop_with_warranty, monkeypatch
    ):
        _, _, warranty = shop_with_warranty
        last_day = warranty.ends_at - dt.timedelta(hours=1)
        monkeypatch.setattr(timezone, "now", lambda: last_day)
        claim = file(warranty)
        assert claim.status == Status.OPEN

    @pytest.mark.parametrize("after", [dt.timedelta(0), dt.timedelta(days=1)])
    def test_once_the_warranty_ended_filing_is_refused_and_writes_nothing(
        self, shop_with_warranty, monkeypatch, after
    ):
        _, _, warranty = shop_with_warranty
        monkeypatch.setattr(timezone, "now", lambda: warranty.ends_at + after)
        with pytest.raises(ClaimRefused, match="This warranty ended on"):
            file(warranty, photos=[photo()])
        assert not WarrantyClaim.objects.exists()
        assert not ClaimPhoto.objects.exists()

    def test_one_open_claim_per_device_and_another_once_it_is_closed(
        self, shop_with_warranty
    ):
        owner, _, warranty = shop_with_warranty
        claim = file(warranty)
        with pytest.raises(ClaimRefused, match="already an open claim"):
            file(warranty)
        claim_answer(claim=claim, actor=owner, remedy="repair", message="")
        with pytest.raises(ClaimRefused, match="already an open claim"):
            file(warranty)
        claim_accept(claim=claim, actor=None)
        second = file(warranty, problem="battery")
        assert second.status == Status.OPEN
        assert WarrantyClaim.objects.count() == 2

    def test_a_device_refunded_under_a_claim_cannot_be_claimed_again(self, answered):
        claim_accept(claim=answered, actor=None)
        with pytest.raises(ClaimRefused, match="already refunded"):
            file(answered.warranty)

    @pytest.mark.parametrize(
        ("description", "message"),
        [
            ("", "Please describe the problem"),
            ("   ", "Please describe the problem"),
            ("It is broken.", "20 characters at least"),
            ("x" * 4001, "4000 characters"),
        ],
    )
    def test_a_description_of_20_characters_is_required(
        self, shop_with_warranty, description, message
    ):
        _, _, warranty = shop_with_warranty
        with pytest.raises(ClaimRefused, match=message) as refused:
            file(warranty, description=description)
        assert refused.value.field == "description"
        assert not WarrantyClaim.objects.exists()

    def test_the_problem_must_be_one_of_the_list(self, shop_with_warranty):
        _, _, warranty = shop_with_warranty
        with pytest.raises(ClaimRefused) as refused:
            file(warranty, problem="dropped it")
        assert refused.value.field == "problem"


@pytest.mark.django_db
class TestPhotos:
    @pytest.mark.parametrize(
        ("content", "content_type"),
        [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")],
    )
    def test_an_image_is_stored_under_a_random_name_with_its_real_type(
        self, shop_with_warranty, content, content_type
    ):
        _, _, warranty = shop_with_warranty
        claim = file(warranty, photos=[photo(content, name="../../etc/passwd.png")])
        stored = claim.photos.get()
        assert stored.content_type == content_type
        assert stored.image.name.startswith(f"claims/{claim.pk}/")
        assert "passwd" not in stored.image.name
        with stored.image.open("rb") as handle, Image.open(handle) as image:
            assert (Image.MIME[image.format], image.size) == (content_type, (32, 24))

    def test_the_seller_gets_the_photo_upright_without_the_shoppers_gps_position(
        self, shop_with_warranty
    ):
        _, _, warranty = shop_with_warranty
        sent = jpeg_with_gps((64, 48), orientation=6)
        assert exif_of(sent)["GPSInfo"]
        claim = file(warranty, photos=[photo(sent, name="IMG_0042.jpg")])
        with claim.photos.get().image.open("rb") as handle:
            data = handle.read()
        assert exif_of(data) == {}
        with Image.open(io.BytesIO(data)) as image:
            assert image.size == (48, 64)

    def test_a_decompression_bomb_is_refused_before_decoding(self, shop_with_warranty):
        _, _, warranty = shop_with_warranty
        with pytest.raises(ClaimRefused, match="too many pixels") as refused:
            file(warranty, photos=[photo(png_bomb(), name="bomb.png")])
        assert refused.value.field == "photos"
        assert not WarrantyClaim.objects.exists()

    def test_five_photos_are_kept_in_order(self, shop_with_warranty):
        _, _, warranty = shop_with_warranty
        sizes = [(10 + n, 10) for n in range(5)]
        claim = file(warranty, photos=[photo(image_bytes("PNG", s)) for s in sizes])
        kept = []
        for stored in claim.photos.order_by("pk"):
            with stored.image.open("rb") as handle, Image.open(handle) as image:
                kept.append(image.size)
        assert kept == sizes

    def test_a_text_file_renamed_jpg_is_refused_and_nothing_is_written(
        self, shop_with_warranty
    ):
        _, _, warranty = shop_with_warranty
        fake = SimpleUploadedFile(
            "photo.jpg", b"just some text, not a photo", content_type="image/jpeg"
        )
        with pytest.raises(ClaimRefused, match="not an image we can read") as refused:
            file(warranty, photos=[photo(), fake])
        assert refused.value.field == "photos"
        assert "Photo 2" in refused.value.message
        assert not WarrantyClaim.objects.exists()
        assert not ClaimPhoto.objects.exists()

    def test_six_photos_are_refused(self, shop_with_warranty):
        _, _, warranty = shop_with_warranty
        with pytest.raises(ClaimRefused, match="at most 5 photos"):
            file(warranty, photos=[photo() for _ in range(6)])

    def test_a_photo_over_10_mb_or_empty_is_refused(self, shop_with_warranty):
        _, _, warranty = shop_with_warranty
        big = photo(PNG + b"\x00" * (10 * 1024 * 1024))
        with pytest.raises(ClaimRefused, match="10 MB at most"):
            file(warranty, photos=[big])
        with pytest.raises(ClaimRefused, match="is empty"):
            file(warranty, photos=[photo(b"")])
        assert not WarrantyClaim.objects.exists()


# --- Deadlines ----------------------------------------------------------------


def _filed_at(monkeypatch, warranty: Warranty, moment: dt.datetime) -> WarrantyClaim:
    """File a claim at ``moment`` on a warranty running then."""
    Warranty.objects.filter(pk=warranty.pk).update(
        starts_at=moment - dt.timedelta(days=30),
        ends_at=moment + dt.timedelta(days=300),
    )
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return file(warranty)


@pytest.mark.django_db
class TestAnswerDeadline:
    def test_filed_friday_17_00_in_paris_is_due_tuesday_17_00_in_paris(
        self, monkeypatch
    ):
        _, refurbisher = seller_make("Europe/Paris")
        warranty = warranty_of(delivered(refurbisher))
        friday = dt.datetime(2025, 1, 10, 17, 0, tzinfo=PARIS)
        claim = _filed_at(monkeypatch, warranty, friday)
        assert claim.answer_due_at.astimezone(PARIS) == dt.datetime(
            2025, 1, 14, 17, 0, tzinfo=PARIS
        )
        assert "14 Jan 2025, 17:00 (Europe/Paris)" in last_change(claim).reason

    def test_filed_friday_afternoon_in_los_angeles_counts_los_angeles_weekdays(
        self, monkeypatch
    ):
        # Friday 16:00 in Los Angeles is already Saturday 00:00 in UTC: the
        # weekend and the two business days are the seller's own.
        _, refurbisher = seller_make("America/Los_Angeles")
        warranty = warranty_of(delivered(refurbisher))
        friday = dt.datetime(2025, 1, 10, 16, 0, tzinfo=LOS_ANGELES)
        assert friday.astimezone(dt.UTC).weekday() == 5
        claim = _filed_at(monkeypatch, warranty, friday)
        assert claim.answer_due_at.astimezone(LOS_ANGELES) == dt.datetime(
            2025, 1, 14, 16, 0, tzinfo=LOS_ANGELES
        )
        assert claim.answer_due_at == dt.datetime(2025, 1, 15, 0, 0, tzinfo=dt.UTC)

    def test_filed_on_a_weekend_is_due_two_business_days_later(self, monkeypatch):
        _, refurbisher = seller_make("Europe/Paris")
        warranty = warranty_of(delivered(refurbisher))
        saturday = dt.datetime(2025, 1, 11, 10, 30, tzinfo=PARIS)
        claim = _filed_at(monkeypatch, warranty, saturday)
        assert claim.answer_due_at.astimezone(PARIS) == dt.datetime(
            2025, 1, 14, 10, 30, tzinfo=PARIS
        )

    @override_settings(CLAIM_ANSWER_BUSINESS_DAYS=5)
    def test_the_number_of_business_days_is_a_setting(self, monkeypatch):
        _, refurbisher = seller_make("Europe/Paris")
        warranty = warranty_of(delivered(refurbisher))
        monday = dt.datetime(2025, 1, 6, 9, 0, tzinfo=PARIS)
        claim = _filed_at(monkeypatch, warranty, monday)
        assert claim.answer_due_at.astimezone(PARIS) == dt.datetime(
            2025, 1, 13, 9, 0, tzinfo=PARIS
        )


# --- The seller's answer --------------------------------------------------------


@pytest.mark.django_db
class TestAnswer:
    @pytest.mark.parametrize(
        ("remedy", "reason"),
        [
            ("repair", "Offered a repair: Send it to 12 rue de la Soie."),
            ("replacement", "Offered a replacement: Send it to 12 rue de la Soie."),
        ],
    )
    def test_the_seller_offers_a_repair_or_a_replacement(
        self,
        shop_with_warranty,
        mailoutbox,
        django_capture_on_commit_callbacks,
        remedy,
        reason,
    ):
        owner, _, warranty = shop_with_warranty
        claim = file(warranty)
        with django_capture_on_commit_callbacks(execute=True):
            claim_answer(
                claim=claim, actor=owner, remedy=remedy,
                message="Send it to 12 rue de la Soie.",
            )  # fmt: skip
        claim.refresh_from_db()
        assert claim.status == Status.ANSWERED
        assert claim.seller_remedy == remedy and claim.answered_at
        assert claim.refund_amount is None
        assert history(claim) == [("", "open"), ("open", "answered")]
        change = last_change(claim)
        assert change.actor == owner and change.reason == reason
        (message,) = mailoutbox
        order = warranty.line.seller_order.order
        assert message.to == [order.email]
        assert "answered your warranty claim" in message.subject
        # A guest's link opens the claim with the order's token.
        assert f"/orders/{order.reference}/claims/{claim.pk}/?token=" in message.body

    def test_a_refund_offer_keeps_its_amount(self, answered):
        assert answered.status == Status.ANSWERED
        assert answered.refund_amount == Decimal("150.00")
        assert last_change(answered).reason == (
            "Offered a refund of 150,00\u00a0€: Sorry about that."
        )
        assert not Refund.objects.filter(reason=RefundReason.WARRANTY_CLAIM).exists()

    @pytest.mark.parametrize(
        ("amount", "message"),
        [
            ("", "give the amount"),
            ("abc", "give the amount"),
            ("1e999", "give the amount"),
            ("NaN", "give the amount"),
            ("0", "more than zero"),
            ("-5", "more than zero"),
            ("400.01", "at most the device's price"),
        ],
    )
    def test_a_refund_is_more_than_zero_and_at_most_the_units_price(
        self, shop_with_warranty, amount, message
    ):
        owner, _, warranty = shop_with_warranty
        claim = file(warranty)
        with pytest.raises(ClaimRefused, match=message) as refused:
            claim_answer(
                claim=claim, actor=owner, remedy="refund", message="",
                refund_amount=amount,
            )  # fmt: skip
        assert refused.value.field == "refund_amount"
        claim.refresh_from_db()
        assert claim.status == Status.OPEN and history(claim) == [("", "open")]

    def test_the_whole_price_may_be_refunded(self, shop_with_warranty):
        owner, _, warranty = shop_with_warranty
        claim = claim_answer(
            claim=file(warranty), actor=owner, remedy="refund", message="",
            refund_amount="400.00",
        )  # fmt: skip
        assert claim.refund_amount == Decimal("400.00")

    def test_declining_needs_a_reason(self, shop_with_warranty):
        owner, _, warranty = shop_with_warranty
        claim = file(warranty)
        with pytest.raises(ClaimRefused, match="why you decline") as refused:
            claim_answer(claim=claim, actor=owner, remedy="decline", message="  ")
        assert refused.value.field == "message"
        claim_answer(
            claim=claim, actor=owner, remedy="decline",
            message="The photos show a cracked screen: accidental damage.",
        )  # fmt: skip
        assert last_change(claim).reason == (
            "Declined: The photos show a cracked screen: accidental damage."
        )

    def test_an_unknown_remedy_is_refused(self, shop_with_warranty):
        owner, _, warranty = shop_with_warranty
        with pytest.raises(ClaimRefused) as refused:
            claim_answer(claim=file(warranty), actor=owner, remedy="cash", message="")
        assert refused.value.field == "remedy"

    def test_only_the_sellers_team_may_answer(self, shop_with_warranty):
        _, _, warranty = shop_with_warranty
        claim = file(warranty)
        other_owner, _ = seller_make()
        for stranger in (other_owner, user_make(), None):
            with pytest.raises(ClaimRefused, match="Only the seller's team"):
                claim_answer(claim=claim, actor=stranger, remedy="repair", message="")
        claim.refresh_from_db()
        assert claim.status == Status.OPEN

    def test_staff_members_answer_too(self, shop_with_warranty):
        _, refurbisher, warranty = shop_with_warranty
        staff = user_make()
        Membership.objects.create(
            user=staff, refurbisher=refurbisher, role=MemberRole.STAFF
        )
        claim = claim_answer(
            claim=file(warranty), actor=staff, remedy="repair", message=""
        )
        assert claim.status == Status.ANSWERED

    def test_an_answered_or_escalated_claim_cannot_be_answered(self, answered):
        owner = Membership.objects.get(refurbisher=answered.refurbisher).user
        with pytest.raises(
            ClaimRefused, match="answered already: it cannot be answered"
        ):
            claim_answer(claim=answered, actor=owner, remedy="repair", message="")
        claim_escalate(claim=answered, actor=None, reason="Not enough.")
        with pytest.raises(ClaimRefused, match="with ReMarket now"):
            claim_answer(claim=answered, actor=owner, remedy="repair", message="")
        assert history(answered) == [
            ("", "open"), ("open", "answered"), ("answered", "escalated"),
        ]  # fmt: skip


# --- The shopper accepts ------------------------------------------------------------


@pytest.mark.django_db
class TestAccept:
    def test_accepting_a_repair_closes_the_claim_and_tells_the_seller(
        self, shop_with_warranty, mailoutbox, django_capture_on_commit_callbacks
    ):
        owner, _, warranty = shop_with_warranty
        claim = file(warranty)
        claim_answer(claim=claim, actor=owner, remedy="repair", message="")
        shopper = user_make()
        with django_capture_on_commit_callbacks(execute=True):
            claim_accept(claim=claim, actor=shopper)
        claim.refresh_from_db()
        assert claim.status == Status.ACCEPTED and claim.accepted_at
        assert claim.refund is None
        change = last_change(claim)
        assert (change.from_status, change.to_status) == ("answered", "accepted")
        assert change.actor == shopper and change.reason == "Accepted a repair"
        (message,) = mailoutbox
        assert message.to == [owner.email]
        assert "accepted" in message.subject

    def test_accepting_a_refund_refunds_it_once_through_the_gateway(
        self, answered, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            claim_accept(claim=answered, actor=None)
        answered.refresh_from_db()
        refund = answered.refund
        assert refund.reason == RefundReason.WARRANTY_CLAIM
        assert refund.amount == Decimal("150.00")
        assert refund.seller_order == answered.seller_order
        assert refund.status == RefundStatus.SUCCEEDED
        assert last_change(answered).reason == "Accepted a refund of 150,00\u00a0€"
        with pytest.raises(ClaimRefused, match="accepted this already"):
            claim_accept(claim=answered, actor=None)
        assert Refund.objects.filter(order=answered.seller_order.order).count() == 1

    def test_accepting_a_decline_closes_the_claim(self, shop_with_warranty):
        owner, _, warranty = shop_with_warranty
        claim = file(warranty)
        claim_answer(
            claim=claim, actor=owner, remedy="decline", message="Liquid damage."
        )
        claim_accept(claim=claim, actor=None)
        claim.refresh_from_db()
        assert claim.status == Status.ACCEPTED and claim.refund is None
        assert last_change(claim).reason == (
            "Closed by the shopper: the seller's decline accepted"
        )

    def test_an_open_claim_has_nothing_to_accept(self, shop_with_warranty):
        _, _, warranty = shop_with_warranty
        claim = file(warranty)
        with pytest.raises(ClaimRefused, match="no answer from the seller"):
            claim_accept(claim=claim, actor=None)
        assert history(claim) == [("", "open")]

    def test_an_escalated_claim_cannot_be_accepted(self, answered):
        claim_escalate(claim=answered, actor=None, reason="Too little.")
        with pytest.raises(ClaimRefused, match="with ReMarket: it cannot be accepted"):
            claim_accept(claim=answered, actor=None)
        assert not Refund.objects.filter(reason=RefundReason.WARRANTY_CLAIM).exists()

    def test_a_refund_no_longer_possible_is_refused_whole(self, answered):
        from orders.services.refunds import refund_issue

        order = answered.seller_order.order
        refund_issue(
            order=order, seller_order=answered.seller_order,
            amount=Decimal("300.00"), reason=RefundReason.GOODWILL,
        )  # fmt: skip
        with pytest.raises(ClaimRefused, match="left to refund"):
            claim_accept(claim=answered, actor=None)
        answered.refresh_from_db()
        assert answered.status == Status.ANSWERED and answered.refund is None


@pytest.mark.django_db(transaction=True)
def test_two_accepts_at_the_same_moment_refund_once():
    """Two browsers post Accept together, each on its own connection."""
    owner, refurbisher = seller_make()
    claim = file(warranty_of(delivered(refurbisher)))
    claim_answer(
        claim=claim, actor=owner, remedy="refund", message="", refund_amount="200"
    )
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def accept() -> None:
        try:
            barrier.wait(timeout=30)
            outcomes.append(claim_accept(claim=WarrantyClaim(pk=claim.pk), actor=None))
        except Exception as error:  # recorded, asserted below
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    accepted = [o for o in outcomes if isinstance(o, WarrantyClaim)]
    refused = [o for o in outcomes if isinstance(o, ClaimRefused)]
    assert len(accepted) == 1 and len(refused) == 1, outcomes
    refunds = Refund.objects.filter(reason=RefundReason.WARRANTY_CLAIM)
    assert refunds.count() == 1
    assert refunds.get().amount == Decimal("200.00")
    claim.refresh_from_db()
    assert claim.refund == refunds.get()
    assert history(claim)[-1] == ("answered", "accepted")
    assert (
        ClaimStatusChange.objects.filter(claim=claim, to_status="accepted").count() == 1
    )


# --- Escalation ------------------------------------------------------------------


@pytest.mark.django_db
class TestEscalate:
    def test_the_shopper_escalates_an_answer_and_qa_seller_and_shopper_hear_of_it(
        self, answered, mailoutbox, django_capture_on_commit_callbacks, settings
    ):
        shopper = user_make()
        with django_capture_on_commit_callbacks(execute=True):
            claim_escalate(
                claim=answered, actor=shopper, reason="  150 € for a dead screen?  "
            )
        answered.refresh_from_db()
        assert answered.status == Status.ESCALATED and answered.escalated_at
        assert answered.escalation_reason == "150 € for a dead screen?"
        change = last_change(answered)
        assert (change.from_status, change.to_status) == ("answered", "escalated")
        assert change.actor == shopper
        assert change.reason == "150 € for a dead screen?"
        recipients = sorted(tuple(m.to) for m in mailoutbox)
        owner = Membership.objects.get(refurbisher=answered.refurbisher).user
        order = answered.seller_order.order
        assert recipients == sorted(
            [(settings.QA_EMAIL,), (owner.email,), (order.email,)]
        )
        qa_mail = next(m for m in mailoutbox if m.to == [settings.QA_EMAIL])
        assert f"/admin/orders/warrantyclaim/{answered.pk}/change/" in qa_mail.body

    def test_a_reason_is_required(self, answered):
        with pytest.raises(ClaimRefused, match="why you ask ReMarket") as refused:
            claim_escalate(claim=answered, actor=None, reason=" ")
        assert refused.value.field == "reason"
        answered.refresh_from_db()
        assert answered.status == Status.ANSWERED

    def test_an_open_claim_waits_for_its_answer_time(self, shop_with_warranty):
        _, _, warranty = shop_with_warranty
        claim = file(warranty)
        with pytest.raises(ClaimRefused, match="The seller has until"):
            claim_escalate(claim=claim, actor=None, reason="No news.")
        _overdue(claim)
        claim_escalate(claim=claim, actor=None, reason="No news.")
        claim.refresh_from_db()
        assert claim.status == Status.ESCALATED
        assert history(claim) == [("", "open"), ("open", "escalated")]

    def test_an_accepted_or_escalated_claim_cannot_be_escalated(self, answered):
        claim_escalate(claim=answered, actor=None, reason="Not enough.")
        with pytest.raises(ClaimRefused, match="with ReMarket already"):
            claim_escalate(claim=answered, actor=None, reason="Again.")
        owner, refurbisher = seller_make()
        claim = file(warranty_of(delivered(refurbisher)))
        claim_answer(claim=claim, actor=owner, remedy="repair", message="")
        claim_accept(claim=claim, actor=None)
        with pytest.raises(
            ClaimRefused,
            match=r"closed \(its solution was accepted\): it cannot be sent",
        ):
            claim_escalate(claim=claim, actor=None, reason="Changed my mind.")


# --- QA decides ------------------------------------------------------------------


@pytest.mark.django_db
class TestDecide:
    def test_qa_decides_a_refund_issued_at_once_and_both_sides_are_told(
        self, answered, mailoutbox, django_capture_on_commit_callbacks
    ):
        qa = qa_make()
        claim_escalate(claim=answered, actor=None, reason="Not enough.")
        with django_capture_on_commit_callbacks(execute=True):
            claim_decide(
                claim=answered, actor=qa, remedy="refund",
                note="The fault is covered: full price.", refund_amount="400.00",
            )  # fmt: skip
        answered.refresh_from_db()
        assert answered.status == Status.RESOLVED
        assert answered.qa_remedy == "refund" and answered.decided_by == qa
        assert answered.decided_at
        # The seller's offer stays as it was; the decided amount is the refund's.
        assert answered.refund_amount == Decimal("150.00")
        assert answered.refund.amount == Decimal("400.00")
        assert answered.refund.status == RefundStatus.SUCCEEDED
        change = last_change(answered)
        assert (change.from_status, change.to_status) == ("escalated", "resolved")
        assert change.actor == qa
        assert change.reason == (
            "Decided by ReMarket: a refund of 400,00\u00a0€. "
            "The fault is covered: full price."
        )
        subjects = [m for m in mailoutbox if m.subject.startswith("ReMarket decided")]
        owner = Membership.objects.get(refurbisher=answered.refurbisher).user
        assert sorted(m.to[0] for m in subjects) == sorted(
            [owner.email, answered.seller_order.order.email]
        )

    def test_qa_may_decide_a_repair_or_decline(self, answered):
        claim_escalate(claim=answered, actor=None, reason="Not enough.")
        claim_decide(
            claim=answered, actor=qa_make(), remedy="decline",
            note="Liquid damage shows on the photos.",
        )  # fmt: skip
        answered.refresh_from_db()
        assert answered.status == Status.RESOLVED and answered.refund is None

    def test_only_escalated_claims_are_decided(self, answered):
        with pytest.raises(
            ClaimRefused, match="answered already: it cannot be decided"
        ):
            claim_decide(claim=answered, actor=qa_make(), remedy="repair", note="x")

    def test_a_decision_needs_a_note_and_a_qa_user(self, answered):
        claim_escalate(claim=answered, actor=None, reason="Not enough.")
        with pytest.raises(ClaimRefused, match="decision's reason") as refused:
            claim_decide(claim=answered, actor=qa_make(), remedy="repair", note="")
        assert refused.value.field == "note"
        owner = Membership.objects.get(refurbisher=answered.refurbisher).user
        staff_without_permission = user_make(is_staff=True)
        for person in (owner, staff_without_permission, None):
            with pytest.raises(ClaimRefused, match="quality team decides"):
                claim_decide(claim=answered, actor=person, remedy="repair", note="x")
        answered.refresh_from_db()
        assert answered.status == Status.ESCALATED

    def test_a_decided_refund_is_at_most_the_units_price(self, answered):
        claim_escalate(claim=answered, actor=None, reason="Not enough.")
        with pytest.raises(ClaimRefused, match="at most the device's price"):
            claim_decide(
                claim=answered, actor=qa_make(), remedy="refund", note="Covered.",
                refund_amount="500",
            )  # fmt: skip
        assert not Refund.objects.filter(reason=RefundReason.WARRANTY_CLAIM).exists()

    def test_a_resolved_claim_is_final(self, answered):
        qa = qa_make()
        claim_escalate(claim=answered, actor=None, reason="Not enough.")
        claim_decide(claim=answered, actor=qa, remedy="repair", note="Repair it.")
        for move in (
            lambda: claim_decide(claim=answered, actor=qa, remedy="repair", note="x"),
            lambda: claim_accept(claim=answered, actor=None),
            lambda: claim_escalate(claim=answered, actor=None, reason="x"),
        ):
            with pytest.raises(
                ClaimRefused, match=r"closed \(ReMarket decided it\): it cannot"
            ):
                move()
        assert len(history(answered)) == 4


# --- The periodic job ------------------------------------------------------------


@pytest.mark.django_db
class TestRemindAndEscalate:
    def test_a_claim_due_soon_is_reminded_once_and_an_overdue_one_escalated(
        self, shop_with_warranty, mailoutbox, django_capture_on_commit_callbacks
    ):
        owner, refurbisher, warranty = shop_with_warranty
        soon = file(warranty)
        WarrantyClaim.objects.filter(pk=soon.pk).update(
            answer_due_at=timezone.now() + dt.timedelta(hours=5)
        )
        late = file(warranty_of(delivered(refurbisher)))
        due = dt.datetime(2025, 1, 14, 16, 0, tzinfo=dt.UTC)
        WarrantyClaim.objects.filter(pk=late.pk).update(answer_due_at=due)
        later = file(warranty_of(delivered(refurbisher)))  # due in 2 days

        with django_capture_on_commit_callbacks(execute=True):
            assert claims_remind_and_escalate() == {"reminded": 1, "escalated": 1}
        assert claims_remind_and_escalate() == {"reminded": 0, "escalated": 0}

        soon.refresh_from_db()
        late.refresh_from_db()
        later.refresh_from_db()
        assert soon.status == Status.OPEN and soon.reminded_at
        assert last_change(soon).reason.startswith("Reminder sent: answer due by")
        assert late.status == Status.ESCALATED
        change = last_change(late)
        assert change.actor is None
        assert change.reason == (
            "The seller did not answer by 14 Jan 2025, 17:00 (Europe/Paris)"
        )
        assert later.status == Status.OPEN and later.reminded_at is None
        reminders = [m for m in mailoutbox if "reminder" in m.subject.lower()]
        assert [m.to for m in reminders] == [[owner.email]]
        assert len(mailoutbox) == 1 + 3  # the reminder, the escalation's three

    def test_an_answered_claim_is_neither_reminded_nor_escalated(self, answered):
        WarrantyClaim.objects.filter(pk=answered.pk).update(
            answer_due_at=timezone.now() - dt.timedelta(hours=1)
        )
        assert claims_remind_and_escalate() == {"reminded": 0, "escalated": 0}
        answered.refresh_from_db()
        assert answered.status == Status.ANSWERED

    @override_settings(CLAIM_REMINDER_HOURS=48)
    def test_the_reminder_time_is_a_setting(self, shop_with_warranty):
        _, _, warranty = shop_with_warranty
        claim = file(warranty)
        WarrantyClaim.objects.filter(pk=claim.pk).update(
            answer_due_at=timezone.now() + dt.timedelta(hours=40)
        )
        assert claims_remind_and_escalate()["reminded"] == 1
