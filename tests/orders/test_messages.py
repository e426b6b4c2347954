"""Messages between a shopper and a seller on a seller order.

Sending both ways, answer times, refused input, who may see a thread and its
images (invariant 5), emails, the seller's waiting list and query counts.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from orders.exceptions import MessageRefused
from orders.models import Message, MessageAuthor, SellerOrder
from orders.selectors.messages import (
    messages_waiting,
    refurbisher_threads,
    seller_median_answer_time,
)
from orders.services.checkout import CheckoutLine, checkout_start
from orders.services.messages import message_send
from tests.support.images import exif_of, image_bytes, jpeg_with_gps, png_bomb
from tests.support.order_builders import PARIS, paid_order
from tests.support.refurbisher_builders import user_make
from tests.support.shopping import shopper

PNG, JPEG, WEBP = (image_bytes(kind) for kind in ("PNG", "JPEG", "WEBP"))
SHOPPER = MessageAuthor.SHOPPER
SELLER = MessageAuthor.SELLER


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def photo(content: bytes = PNG, name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def send(shop_with_two_sellers, author=SHOPPER, body="Hello", **kw) -> Message:
    sender = (
        shop_with_two_sellers.buyer
        if author == SHOPPER
        else shop_with_two_sellers.owner
    )
    return message_send(
        seller_order=shop_with_two_sellers.seller_order,
        author=author,
        sender=sender,
        body=body,
        **kw,
    )


@pytest.mark.django_db
class TestSend:
    def test_the_shopper_and_the_seller_write_to_each_other(
        self, shop_with_two_sellers
    ):
        question = send(shop_with_two_sellers, body="  Does it come with a charger?  ")
        answer = send(shop_with_two_sellers, SELLER, body="Yes, a USB-C cable too.")
        assert question.body == "Does it come with a charger?"
        assert (
            question.sender == shop_with_two_sellers.buyer
            and question.author == SHOPPER
        )
        assert answer.author == SELLER and answer.answered_at is None
        assert list(
            shop_with_two_sellers.seller_order.messages.values_list("pk", flat=True)
        ) == [
            question.pk,
            answer.pk,
        ]

    def test_the_sellers_first_reply_answers_every_waiting_message(
        self, shop_with_two_sellers
    ):
        first, second = (
            send(shop_with_two_sellers, body="One"),
            send(shop_with_two_sellers, body="Two"),
        )
        reply = send(shop_with_two_sellers, SELLER, body="Answer")
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.answered_at == reply.created_at == second.answered_at

    def test_a_later_shopper_message_waits_and_does_not_move_earlier_answers(
        self, shop_with_two_sellers
    ):
        first = send(shop_with_two_sellers, body="One")
        reply = send(shop_with_two_sellers, SELLER, body="Answer")
        later = send(shop_with_two_sellers, body="Thanks, and another question")
        send(shop_with_two_sellers, SELLER, body="Second answer")
        first.refresh_from_db()
        later.refresh_from_db()
        assert first.answered_at == reply.created_at
        assert later.answered_at is not None and later.answered_at > reply.created_at

    def test_a_shopper_message_never_answers_anything(self, shop_with_two_sellers):
        send(shop_with_two_sellers, body="One")
        send(shop_with_two_sellers, body="Two")
        assert not Message.objects.filter(answered_at__isnull=False).exists()

    @pytest.mark.parametrize("body", ["", "   \n  ", None])
    def test_an_empty_message_is_refused(self, shop_with_two_sellers, body):
        with pytest.raises(MessageRefused) as refused:
            send(shop_with_two_sellers, body=body)
        assert refused.value.field == "body"
        assert not Message.objects.exists()

    def test_a_message_of_more_than_5000_characters_is_refused(
        self, shop_with_two_sellers
    ):
        send(shop_with_two_sellers, body="x" * 5000)
        with pytest.raises(MessageRefused) as refused:
            send(shop_with_two_sellers, body="x" * 5001)
        assert "5000 characters" in refused.value.message
        assert Message.objects.count() == 1

    @pytest.mark.parametrize(
        "content, content_type",
        [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")],
    )
    def test_a_photo_alone_is_a_message_stored_under_a_random_name(
        self, shop_with_two_sellers, content, content_type
    ):
        message = send(
            shop_with_two_sellers, body="", image=photo(content, "my-broken-screen.png")
        )
        assert message.image_content_type == content_type
        assert "broken" not in message.image.name
        assert message.image.name.startswith(
            f"messages/{shop_with_two_sellers.seller_order.pk}/"
        )
        with message.image.open("rb") as stored, Image.open(stored) as image:
            assert Image.MIME[image.format] == content_type
            assert image.size == (32, 24)

    def test_a_phone_photo_reaches_the_seller_upright_without_its_gps_position(
        self, shop_with_two_sellers
    ):
        """Taken sideways (EXIF orientation 6) with the GPS on: what is stored
        is the picture turned upright, and no EXIF at all."""
        sent = jpeg_with_gps((64, 48), orientation=6)
        assert exif_of(sent)["GPSInfo"]
        message = send(shop_with_two_sellers, image=photo(sent, "IMG_0042.jpg"))
        with message.image.open("rb") as stored:
            data = stored.read()
        assert exif_of(data) == {}
        assert b"PhoneMaker" not in data
        with Image.open(io.BytesIO(data)) as image:
            assert image.size == (48, 64)
            # The red half, on the left as taken, is at the top once upright.
            red, green, _ = image.getpixel((24, 8))
            assert red > 150 > green
            assert min(image.getpixel((24, 56))) > 230

    def test_a_decompression_bomb_is_refused_from_its_header(
        self, shop_with_two_sellers
    ):
        with pytest.raises(MessageRefused, match="too many pixels") as refused:
            send(shop_with_two_sellers, image=photo(png_bomb(), "bomb.png"))
        assert refused.value.field == "image"
        assert not Message.objects.exists()

    def test_a_text_file_renamed_as_an_image_is_refused(self, shop_with_two_sellers):
        with pytest.raises(MessageRefused) as refused:
            send(
                shop_with_two_sellers,
                image=photo(b"just some text, honestly", "screen.png"),
            )
        assert refused.value.field == "image"
        assert not Message.objects.exists()

    def test_a_photo_over_the_size_limit_is_refused(
        self, shop_with_two_sellers, settings
    ):
        settings.MESSAGE_IMAGE_MAX_BYTES = 1024
        with pytest.raises(MessageRefused) as refused:
            send(shop_with_two_sellers, image=photo(PNG + b"\x00" * 1024))
        assert refused.value.field == "image"
        settings.MESSAGE_IMAGE_MAX_BYTES = 5 * 1024 * 1024
        with pytest.raises(MessageRefused, match="5 MB at most"):
            send(shop_with_two_sellers, image=photo(PNG + b"\x00" * 5 * 1024 * 1024))
        assert not Message.objects.exists()

    def test_an_unpaid_seller_order_has_no_messages(self, shop_with_two_sellers):
        order = checkout_start(
            lines=[CheckoutLine(shop_with_two_sellers.listing.offers.get().pk, 1)],
            email="ana@example.com", address=PARIS, market="FR",
            user=shop_with_two_sellers.buyer,
        )  # fmt: skip
        with pytest.raises(MessageRefused, match="once the order is paid"):
            message_send(
                seller_order=order.seller_orders.get(), author=SHOPPER,
                sender=shop_with_two_sellers.buyer, body="Hello",
            )  # fmt: skip

    def test_only_a_member_of_the_refurbisher_answers_for_it(
        self, shop_with_two_sellers
    ):
        with pytest.raises(MessageRefused):
            message_send(
                seller_order=shop_with_two_sellers.seller_order, author=SELLER,
                sender=shop_with_two_sellers.berlin_owner, body="I am not Lyon",
            )  # fmt: skip
        assert not Message.objects.exists()


@pytest.mark.django_db
class TestEmails:
    def test_a_shopper_message_is_emailed_to_every_member_of_the_seller(
        self, shop_with_two_sellers, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            send(shop_with_two_sellers, body="Is the battery new?")
        (email,) = mail.outbox
        assert sorted(email.to) == ["owner@lyon.example", "staff@lyon.example"]
        assert shop_with_two_sellers.order.reference in email.subject
        assert "Is the battery new?" in email.body
        assert (
            f"/seller/messages/{shop_with_two_sellers.order.reference}/" in email.body
        )
        html, mimetype = email.alternatives[0]
        assert mimetype == "text/html"
        assert f"/seller/messages/{shop_with_two_sellers.order.reference}/" in html

    def test_a_seller_answer_is_emailed_to_the_shopper_with_a_link_to_the_thread(
        self, shop_with_two_sellers, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            send(shop_with_two_sellers, SELLER, body="Shipped today.")
        (email,) = mail.outbox
        assert email.to == ["ana@example.com"]
        assert "Lyon Refurb" in email.subject
        assert shop_with_two_sellers.thread_url in email.body
        assert shop_with_two_sellers.order.access_token not in email.body

    def test_a_guest_gets_the_private_access_link(
        self, shop_with_two_sellers, django_capture_on_commit_callbacks
    ):
        order = paid_order(shop_with_two_sellers.listing, email="guest@example.com")
        seller_order = order.seller_orders.get()
        with django_capture_on_commit_callbacks(execute=True):
            message_send(
                seller_order=seller_order, author=SELLER,
                sender=shop_with_two_sellers.staff, body="Hello",
            )  # fmt: skip
        (email,) = mail.outbox
        assert email.to == ["guest@example.com"]
        assert f"/orders/access/{order.access_token}/" in email.body
        assert f"/orders/access/{order.access_token}/" in email.alternatives[0][0]

    def test_a_refused_message_sends_nothing(
        self, shop_with_two_sellers, django_capture_on_commit_callbacks
    ):
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(MessageRefused),
        ):
            send(shop_with_two_sellers, body="")
        assert mail.outbox == []


@pytest.mark.django_db
class TestShopperPages:
    def test_the_order_page_leads_to_the_thread(self, shop_with_two_sellers):
        page = shopper(user=shop_with_two_sellers.buyer).get(
            f"/orders/{shop_with_two_sellers.order.reference}/"
        )
        assert f'href="{shop_with_two_sellers.thread_url}"' in page.content.decode()
        assert "Message Lyon Refurb" in page.content.decode()

    def test_the_buyer_writes_and_reads_the_answer(self, shop_with_two_sellers):
        client = shopper(user=shop_with_two_sellers.buyer)
        response = client.post(
            shop_with_two_sellers.thread_url, {"body": "Which charger?"}
        )
        message = Message.objects.get()
        assert response.status_code == 302
        assert (
            response["Location"]
            == f"{shop_with_two_sellers.thread_url}#message-{message.pk}"
        )
        send(shop_with_two_sellers, SELLER, body="A 20 W one.")
        page = client.get(shop_with_two_sellers.thread_url).content.decode()
        assert "Which charger?" in page and "A 20 W one." in page

    def test_a_photo_is_sent_and_shown_through_the_access_checked_view(
        self, shop_with_two_sellers
    ):
        client = shopper(user=shop_with_two_sellers.buyer)
        client.post(shop_with_two_sellers.thread_url, {"body": "", "image": photo()})
        message = Message.objects.get()
        page = client.get(shop_with_two_sellers.thread_url).content.decode()
        image_url = f"/messages/images/{message.pk}/"
        assert f'src="{image_url}"' in page
        assert "/media/" not in page
        response = client.get(image_url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        with message.image.open("rb") as stored:
            assert b"".join(response.streaming_content) == stored.read()

    def test_an_empty_message_gets_a_form_error_and_writes_nothing(
        self, shop_with_two_sellers
    ):
        response = shopper(user=shop_with_two_sellers.buyer).post(
            shop_with_two_sellers.thread_url, {"body": "  "}
        )
        assert response.status_code == 400
        assert "Write a message or attach a photo." in response.content.decode()
        assert not Message.objects.exists()

    def test_a_bad_photo_keeps_the_text_and_says_why(self, shop_with_two_sellers):
        response = shopper(user=shop_with_two_sellers.buyer).post(
            shop_with_two_sellers.thread_url,
            {"body": "See attached", "image": photo(b"text", "x.jpg")},
        )
        page = response.content.decode()
        assert response.status_code == 400
        assert "PNG, JPEG or WebP" in page
        assert ">See attached</textarea>" in page
        assert not Message.objects.exists()

    def test_a_guest_with_the_email_link_writes_to_the_seller(
        self, shop_with_two_sellers
    ):
        order = paid_order(shop_with_two_sellers.listing, email="guest@example.com")
        url = f"/orders/{order.reference}/messages/{order.seller_orders.get().pk}/"
        assert shopper().get(url)["Location"].startswith("/accounts/sign-in/")
        client = shopper()
        client.get(f"/orders/access/{order.access_token}/")
        assert client.get(url).status_code == 200
        assert client.post(url, {"body": "Hi"}).status_code == 302
        assert Message.objects.get().sender is None

    def test_another_shopper_gets_a_404_on_thread_reply_and_image(
        self, shop_with_two_sellers
    ):
        message = send(shop_with_two_sellers, image=photo())
        client = shopper(user=user_make())
        assert client.get(shop_with_two_sellers.thread_url).status_code == 404
        assert (
            client.post(shop_with_two_sellers.thread_url, {"body": "x"}).status_code
            == 404
        )
        assert client.get(f"/messages/images/{message.pk}/").status_code == 404
        assert shopper().get(f"/messages/images/{message.pk}/").status_code == 404
        assert Message.objects.count() == 1

    def test_a_signed_out_visitor_is_asked_to_sign_in_whether_or_not_it_exists(
        self, shop_with_two_sellers
    ):
        """The buyer may be following the email link signed out; a stranger
        learns nothing, as an unknown thread answers the same."""
        client = shopper()
        unknown = f"/orders/{shop_with_two_sellers.order.reference}/messages/999999/"
        for url in (shop_with_two_sellers.thread_url, unknown):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/sign-in/?next=")
        assert (
            client.post(shop_with_two_sellers.thread_url, {"body": "x"}).status_code
            == 302
        )
        assert not Message.objects.exists()
        client.force_login(shop_with_two_sellers.buyer)
        assert client.get(shop_with_two_sellers.thread_url).status_code == 200

    def test_a_seller_order_of_another_order_is_a_404(self, shop_with_two_sellers):
        other = paid_order(shop_with_two_sellers.listing, user=user_make())
        reference = shop_with_two_sellers.order.reference
        url = f"/orders/{reference}/messages/{other.seller_orders.get().pk}/"
        assert shopper(user=shop_with_two_sellers.buyer).get(url).status_code == 404

    def test_an_unpaid_seller_order_has_no_thread(self, shop_with_two_sellers):
        order = checkout_start(
            lines=[CheckoutLine(shop_with_two_sellers.listing.offers.get().pk, 1)],
            email="ana@example.com", address=PARIS, market="FR",
            user=shop_with_two_sellers.buyer,
        )  # fmt: skip
        url = f"/orders/{order.reference}/messages/{order.seller_orders.get().pk}/"
        assert shopper(user=shop_with_two_sellers.buyer).get(url).status_code == 404


@pytest.mark.django_db
class TestSellerPages:
    def test_the_navigation_links_to_messages(self, shop_with_two_sellers):
        page = (
            shopper(user=shop_with_two_sellers.owner).get("/seller/").content.decode()
        )
        assert 'href="/seller/messages/"' in page

    def test_a_member_answers_and_the_shopper_message_is_answered(
        self, shop_with_two_sellers
    ):
        question = send(shop_with_two_sellers, body="When do you ship?")
        client = shopper(user=shop_with_two_sellers.staff)
        page = client.get(shop_with_two_sellers.seller_url).content.decode()
        assert "When do you ship?" in page and "waiting for your answer" in page
        response = client.post(
            shop_with_two_sellers.seller_url, {"body": "Tomorrow morning."}
        )
        assert response.status_code == 302
        reply = Message.objects.get(author=SELLER)
        assert reply.sender == shop_with_two_sellers.staff
        question.refresh_from_db()
        assert question.answered_at == reply.created_at

    def test_an_empty_answer_gets_a_form_error(self, shop_with_two_sellers):
        response = shopper(user=shop_with_two_sellers.owner).post(
            shop_with_two_sellers.seller_url, {"body": ""}
        )
        assert response.status_code == 400
        assert "Write a message or attach a photo." in response.content.decode()
        assert not Message.objects.exists()

    def test_another_seller_gets_a_404_on_thread_reply_and_image(
        self, shop_with_two_sellers
    ):
        message = send(shop_with_two_sellers, image=photo())
        client = shopper(user=shop_with_two_sellers.berlin_owner)
        assert client.get(shop_with_two_sellers.seller_url).status_code == 404
        assert (
            client.post(shop_with_two_sellers.seller_url, {"body": "x"}).status_code
            == 404
        )
        assert client.get(f"/messages/images/{message.pk}/").status_code == 404
        assert (
            shop_with_two_sellers.order.reference
            not in client.get("/seller/messages/").content.decode()
        )
        assert Message.objects.count() == 1

    def test_the_seller_and_staff_with_permission_see_the_image(
        self, shop_with_two_sellers
    ):
        message = send(shop_with_two_sellers, image=photo(JPEG))
        url = f"/messages/images/{message.pk}/"
        assert (
            shopper(user=shop_with_two_sellers.staff).get(url)["Content-Type"]
            == "image/jpeg"
        )
        staff = user_make(is_staff=True)
        assert shopper(user=staff).get(url).status_code == 404
        staff.user_permissions.add(Permission.objects.get(codename="view_message"))
        assert shopper(user=staff).get(url).status_code == 200
        assert shopper().get("/messages/images/999999/").status_code == 404

    def test_the_list_shows_waiting_threads_first_with_their_wait(
        self, shop_with_two_sellers
    ):
        answered = paid_order(shop_with_two_sellers.listing, email="b@example.com")
        waiting = paid_order(shop_with_two_sellers.listing, email="c@example.com")
        for order, sender in ((answered, SHOPPER), (answered, SELLER)):
            message_send(
                seller_order=order.seller_orders.get(), author=sender,
                sender=shop_with_two_sellers.owner if sender == SELLER else None,
                body="Hi",
            )  # fmt: skip
        message_send(
            seller_order=waiting.seller_orders.get(), author=SHOPPER, sender=None,
            body="Where is my parcel?",
        )  # fmt: skip
        Message.objects.filter(seller_order__order=waiting).update(
            created_at=timezone.now() - timedelta(hours=5)
        )
        page = (
            shopper(user=shop_with_two_sellers.owner)
            .get("/seller/messages/")
            .content.decode()
        )
        assert page.index(waiting.reference) < page.index(answered.reference)
        assert "1 waiting for 5\xa0hours" in page
        assert "1 message waiting for your answer" in page

    def test_the_overview_says_how_many_messages_wait(self, shop_with_two_sellers):
        page = (
            shopper(user=shop_with_two_sellers.owner).get("/seller/").content.decode()
        )
        assert "waiting for your answer" not in page
        send(shop_with_two_sellers, body="One")
        send(shop_with_two_sellers, body="Two")
        page = (
            shopper(user=shop_with_two_sellers.owner).get("/seller/").content.decode()
        )
        assert "2 messages waiting for your answer" in page
        send(shop_with_two_sellers, SELLER, body="Answer")
        page = (
            shopper(user=shop_with_two_sellers.owner).get("/seller/").content.decode()
        )
        assert "waiting for your answer" not in page


@pytest.mark.django_db
class TestSelectors:
    def test_waiting_counts_only_unanswered_shopper_messages_of_the_seller(
        self, shop_with_two_sellers
    ):
        send(shop_with_two_sellers, body="Answered")
        send(shop_with_two_sellers, SELLER, body="Answer")
        send(shop_with_two_sellers, body="Waiting")
        other = paid_order(shop_with_two_sellers.listing, email="b@example.com")
        message_send(
            seller_order=other.seller_orders.get(), author=SHOPPER, sender=None,
            body="Waiting too",
        )  # fmt: skip
        waiting = messages_waiting(refurbisher=shop_with_two_sellers.lyon)
        assert (waiting.messages, waiting.threads) == (2, 2)
        assert waiting.oldest_since == Message.objects.get(body="Waiting").created_at
        empty = messages_waiting(refurbisher=shop_with_two_sellers.berlin)
        assert (empty.messages, empty.threads, empty.oldest_since) == (0, 0, None)

    def test_the_median_answer_time_over_the_last_90_days(self, shop_with_two_sellers):
        now = timezone.now()
        for hours, days_ago in ((1, 1), (3, 2), (10, 3), (100, 91)):
            message = send(shop_with_two_sellers, body=f"{hours}h")
            created = now - timedelta(days=days_ago)
            Message.objects.filter(pk=message.pk).update(
                created_at=created, answered_at=created + timedelta(hours=hours)
            )
        send(shop_with_two_sellers, body="still waiting")
        assert seller_median_answer_time(
            refurbisher=shop_with_two_sellers.lyon
        ) == timedelta(hours=3)
        assert (
            seller_median_answer_time(refurbisher=shop_with_two_sellers.berlin) is None
        )

    def test_threads_of_one_seller_only(self, shop_with_two_sellers):
        send(shop_with_two_sellers, body="Hi")
        assert [
            so.pk for so in refurbisher_threads(refurbisher=shop_with_two_sellers.lyon)
        ] == [shop_with_two_sellers.seller_order.pk]
        assert list(refurbisher_threads(refurbisher=shop_with_two_sellers.berlin)) == []


@pytest.mark.django_db
class TestQueryCounts:
    def _count(self, client, url) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        # A session read falls back to the database when its cache entry is
        # missing (cached_db sessions): not the page's cost.
        return sum("django_session" not in q["sql"] for q in queries)

    def test_the_thread_pages_cost_the_same_whatever_their_length(
        self, shop_with_two_sellers
    ):
        buyer, owner = (
            shopper(user=shop_with_two_sellers.buyer),
            shopper(user=shop_with_two_sellers.owner),
        )
        send(shop_with_two_sellers, image=photo())
        send(shop_with_two_sellers, SELLER)
        counts = [
            self._count(buyer, shop_with_two_sellers.thread_url),
            self._count(owner, shop_with_two_sellers.seller_url),
        ]
        for _ in range(10):
            send(shop_with_two_sellers, image=photo())
            send(shop_with_two_sellers, SELLER)
        assert [
            self._count(buyer, shop_with_two_sellers.thread_url),
            self._count(owner, shop_with_two_sellers.seller_url),
        ] == counts
        assert counts[0] <= 8 and counts[1] <= 8

    def test_the_threads_list_costs_the_same_whatever_its_length(
        self, shop_with_two_sellers
    ):
        owner = shopper(user=shop_with_two_sellers.owner)
        send(shop_with_two_sellers)
        first = self._count(owner, "/seller/messages/")
        for _ in range(5):
            order = paid_order(shop_with_two_sellers.listing, email="x@example.com")
            message_send(
                seller_order=order.seller_orders.get(), author=SHOPPER,
                sender=None, body="Hi",
            )  # fmt: skip
        assert self._count(owner, "/seller/messages/") == first
        assert (
            SellerOrder.objects.filter(messages__isnull=False).distinct().count() == 6
        )
