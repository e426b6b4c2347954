"""URLs of the checkout, the offline test gateway's page and the order pages."""

from django.urls import path

from orders.views import checkout, orders

urlpatterns = [
    path("checkout/", checkout.checkout_details, name="checkout"),
    path("checkout/review/", checkout.checkout_review, name="checkout-review"),
    path("checkout/pay/", checkout.checkout_pay_view, name="checkout-pay"),
    path(
        "checkout/test-payment/<str:session_id>/",
        checkout.test_payment,
        name="test-payment",
    ),
    path("orders/", orders.order_list, name="order-list"),
    path("orders/access/<str:token>/", orders.order_access, name="order-access"),
    path("orders/<str:reference>/", orders.order_detail_page, name="order-detail"),
    path(
        "orders/<str:reference>/confirmation/",
        orders.order_confirmation,
        name="order-confirmation",
    ),
]
