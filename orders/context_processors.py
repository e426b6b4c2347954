from orders.cart_session import cart_item_count


def cart(request):
    """The header's cart count, read from the session (no database query)."""
    return {
        "cart_count": cart_item_count(request) if hasattr(request, "session") else 0
    }
