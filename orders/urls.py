from django.urls import path

from orders.views import cart as views

urlpatterns = [
    path("cart/", views.cart_page, name="cart"),
    path("cart/add/", views.cart_add, name="cart-add"),
    path(
        "cart/lines/<int:line_id>/quantity/",
        views.cart_line_quantity,
        name="cart-line-quantity",
    ),
    path(
        "cart/lines/<int:line_id>/remove/",
        views.cart_line_delete,
        name="cart-line-remove",
    ),
    path("cart/lines/<int:line_id>/swap/", views.cart_line_swap, name="cart-line-swap"),
]
