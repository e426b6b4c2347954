"""Messages between a shopper and a seller about one seller order.

A shopper's message waits until the seller next writes on the same seller
order; that reply stamps ``answered_at`` on every shopper message still
waiting, which is what the seller's answer-time metric measures.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from marketplace.emails import email_queue
from marketplace.images import CleanImage, ImageRefused, image_reencode
from marketplace.status import actor_or_none
from orders.exceptions import MessageRefused
from orders.models import Message, MessageAuthor, SellerOrder, SellerOrderStatus
from refurbishers.models import Membership

BODY_MAX_CHARS = 5000
# A seller order that was never paid has no one to talk to.
NO_MESSAGES = (SellerOrderStatus.PENDING_PAYMENT, SellerOrderStatus.VOID)


def image_max_megabytes() -> str:
    """The image size limit for people: "5" (MB)."""
    return f"{settings.MESSAGE_IMAGE_MAX_BYTES / (1024 * 1024):g}"


def message_image_clean(upload: UploadedFile) -> CleanImage:
    """The photo re-encoded without its metadata (marketplace.images), or
    MessageRefused naming why not."""
    if upload.size is None or upload.size > settings.MESSAGE_IMAGE_MAX_BYTES:
        raise MessageRefused(
            gettext("A photo can be %(megabytes)s MB at most.")
            % {"megabytes": image_max_megabytes()},
            field="image",
        )
    if upload.size == 0:
        raise MessageRefused(gettext("The photo is empty."), field="image")
    try:
        return image_reencode(upload)
    except ImageRefused as refusal:
        raise MessageRefused(refusal.message, field="image") from None


def _clean_body(body: str | None, *, has_image: bool) -> str:
    body = (body or "").strip()
    if not body and not has_image:
        raise MessageRefused(
            gettext("Write a message or attach a photo."), field="body"
        )
    if len(body) > BODY_MAX_CHARS:
        raise MessageRefused(
            gettext(
                "A message can be %(most)s characters at most (this one has %(now)s)."
            )
            % {"most": BODY_MAX_CHARS, "now": len(body)},
            field="body",
        )
    return body


@transaction.atomic
def message_send(
    *,
    seller_order: SellerOrder,
    author: str,
    sender,
    body: str | None,
    image: UploadedFile | None = None,
) -> Message:
    """Add a message to the seller order's thread and email the other side.

    ``author`` says which side writes; a seller's ``sender`` must be a member
    of the seller order's refurbisher. The seller order row is locked, so a
    seller's reply and a shopper's new message are ordered: the reply answers
    exactly the shopper messages written before it.
    """
    if author not in MessageAuthor.values:
        raise MessageRefused(gettext("Unknown author."))
    body = _clean_body(body, has_image=image is not None)
    # Decoded and written again before any lock: the slow part, done once.
    clean = message_image_clean(image) if image is not None else None
    seller_order = (
        SellerOrder.objects.select_for_update(of=("self",))
        .select_related("order")
        .get(pk=seller_order.pk)
    )
    if seller_order.status in NO_MESSAGES:
        raise MessageRefused(gettext("Messages open once the order is paid."))
    if author == MessageAuthor.SELLER and not (
        sender is not None
        and Membership.objects.filter(
            user=sender, refurbisher_id=seller_order.refurbisher_id
        ).exists()
    ):
        raise MessageRefused(
            gettext("Only the seller's team can answer for the seller.")
        )
    message = Message(
        seller_order=seller_order,
        author=author,
        sender=actor_or_none(sender),
        body=body,
        image_content_type=clean.content_type if clean else "",
    )
    if clean is not None:
        # The storage name comes from message_image_path (random), never the
        # uploaded name.
        message.image.save(clean.content.name, clean.content, save=False)
    message.save()
    if author == MessageAuthor.SELLER:
        Message.objects.filter(
            seller_order=seller_order,
            author=MessageAuthor.SHOPPER,
            answered_at__isnull=True,
        ).update(answered_at=message.created_at or timezone.now())
    message_new_notify(message_id=message.pk)
    return message


def _send(subject: str, context: dict, to: list[str]) -> int:
    text = render_to_string("emails/message_new.txt", context)
    html = render_to_string("emails/message_new.html", context)
    email = EmailMultiAlternatives(subject=subject, body=text, to=to)
    email.attach_alternative(html, "text/html")
    return email_queue(
        message=email, kind="message_new", key=f"message:{context['message'].pk}"
    )


def message_new_notify(*, message_id: int) -> int:
    """Tell the other side of the thread that a message arrived (one link).

    Queued in the message's transaction (the outbox sends it after commit).

    The shopper gets it at the order's email, with the guest access link when
    the order has no account; a shopper's message goes to every member of the
    refurbisher.
    """
    message = (
        Message.objects.select_related(
            "seller_order__order", "seller_order__refurbisher"
        )
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return 0
    seller_order = message.seller_order
    order = seller_order.order
    refurbisher = seller_order.refurbisher
    context = {"message": message, "order": order, "refurbisher": refurbisher}
    if message.author == MessageAuthor.SELLER:
        if order.user_id is None:
            url = f"/orders/access/{order.access_token}/"
        else:
            url = f"/orders/{order.reference}/messages/{seller_order.pk}/"
        context.update(to_seller=False, url=settings.SITE_URL + url)
        return _send(
            gettext("ReMarket: %(seller)s answered about order %(reference)s")
            % {"seller": refurbisher.name, "reference": order.reference},
            context,
            [order.email],
        )
    members = list(
        Membership.objects.filter(refurbisher=refurbisher)
        .exclude(user__email="")
        .order_by("pk")
        .values_list("user__email", flat=True)
    )
    if not members:
        return 0
    context.update(
        to_seller=True,
        url=f"{settings.SITE_URL}/seller/messages/{order.reference}/",
    )
    return _send(
        gettext("ReMarket: a shopper wrote about order %(reference)s")
        % {"reference": order.reference},
        context,
        members,
    )
