"""Side reactions of the orders app, wired in ``OrdersConfig.ready``."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from orders.cart_session import SESSION_CART_ID, cart_count_remember
from orders.models import Cart
from orders.services.cart import cart_for_user_get_or_create, cart_merge


@receiver(user_logged_in, dispatch_uid="orders.cart_merge_at_sign_in")
def cart_merge_at_sign_in(sender, request, user, **kwargs) -> None:
    """Move the guest's cart into the person's cart when they sign in.

    Sign-in gives the session a new key, so the guest cart is found by the id
    the session remembers, and only while it still belongs to no one.
    """
    if request is None or not hasattr(request, "session"):
        return
    cart_id = request.session.pop(SESSION_CART_ID, None)
    guest_cart = None
    if isinstance(cart_id, int):
        guest_cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first()
    if guest_cart is not None:
        user_cart = cart_merge(
            guest_cart=guest_cart, user_cart=cart_for_user_get_or_create(user=user)
        )
    else:
        user_cart = Cart.objects.filter(user=user).first()
    cart_count_remember(request=request, cart=user_cart)
