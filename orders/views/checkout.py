"""Checkout pages: details (contact and address), review, pay; the test gateway.

Thin views. What is bought is read from the shopper's cart in the database
(``cart_view``: buyable lines only, quantities as the cart holds them), never
from posted fields: the only fields read on "Pay" are the ones of the details
form kept in the session. Prices, currency and shipping come from
``checkout_start``; the gateway is opened by ``checkout_pay``.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.client_address import client_address
from orders.cart_session import cart_of_request
from orders.exceptions import CheckoutRefused, PaymentProviderError
from orders.forms import FIELDS, CheckoutDetailsForm
from orders.models import Order, OrderStatus
from orders.payment_gateway import payment_gateway
from orders.selectors.cart import CartView, cart_view
from orders.services.checkout import CheckoutLine, checkout_start
from orders.services.checkout_limits import checkout_holder
from orders.services.checkout_session import checkout_abandon, checkout_pay
from orders.services.payment_events import payment_event_receive
from orders.views.orders import order_access_grant, order_access_granted

# The details form's values between the steps, with the market they were for.
SESSION_DETAILS = "checkout_details"
# The browser's last unpaid checkout, released if it starts another.
SESSION_PENDING_ORDER = "checkout_order_id"
# Offline payments this browser started: only it may pay or fail them on the
# test-payment page (an emailed order link does not open that page).
SESSION_TEST_PAYMENTS = "checkout_test_payments"
MAX_TEST_PAYMENTS = 10
PAYMENT_FAILED_MESSAGE = gettext_lazy(
    "Your payment did not go through; nothing was charged. Try again."
)


def _cart(request) -> CartView:
    return cart_view(cart=cart_of_request(request), market=request.market)


def _details(request) -> dict[str, str] | None:
    saved = request.session.get(SESSION_DETAILS)
    if not isinstance(saved, dict) or saved.get("market") != request.market.code:
        return None
    return {key: str(saved.get(key, "")) for key in FIELDS}


def _details_form(request) -> CheckoutDetailsForm | None:
    """The saved details, checked again; None if missing or no longer valid."""
    details = _details(request)
    if details is None:
        return None
    form = CheckoutDetailsForm(details, market=request.market)
    return form if form.is_valid() else None


def _nothing_to_buy(request):
    messages.warning(request, gettext("Nothing in your cart can be bought right now."))
    return redirect("cart")


@require_http_methods(["GET", "HEAD", "POST"])
def checkout_details(request):
    """Step 1: email and shipping address in the shopper's market."""
    cart = _cart(request)
    if not cart.can_checkout:
        return _nothing_to_buy(request)
    if request.method == "POST":
        form = CheckoutDetailsForm(request.POST, market=request.market)
        if form.is_valid():
            request.session[SESSION_DETAILS] = {
                **form.details(),
                "market": request.market.code,
            }
            return redirect("checkout-review")
    else:
        initial = _details(request) or {}
        if not initial.get("email") and request.user.is_authenticated:
            initial["email"] = request.user.email
        form = CheckoutDetailsForm(initial=initial, market=request.market)
    return render(
        request,
        "orders/checkout_details.html",
        {"form": form, "cart": cart, "step": 1},
    )


def _render_review(
    request, form: CheckoutDetailsForm, cart: CartView, *, error: str = "", status=200
):
    context = {
        "form": form,
        "address": form.address(),
        "email": form.cleaned_data["email"],
        "cart": cart,
        "sellers": _review_sellers(cart),
        "left_out": [line for line in cart.all_lines if not line.buyable],
        "error": error,
        "step": 2,
    }
    return render(request, "orders/checkout_review.html", context, status=status)


def _review_sellers(cart: CartView) -> list[dict]:
    """Per seller: the lines bought, shipping, expected dispatch (slowest line)."""
    sellers = []
    for group in cart.sellers:
        lines = [line for line in group.lines if line.buyable]
        if not lines:
            continue
        dispatch_days = max(line.offer.listing.dispatch_days for line in lines)
        sellers.append({"group": group, "lines": lines, "dispatch_days": dispatch_days})
    return sellers


@require_http_methods(["GET", "HEAD"])
def checkout_review(request):
    """Step 2: per seller the items, shipping and dispatch; the total; "Pay"."""
    form = _details_form(request)
    if form is None:
        return redirect("checkout")
    cart = _cart(request)
    if not cart.can_checkout:
        return _nothing_to_buy(request)
    if request.GET.get("cancelled"):
        pending = request.session.pop(SESSION_PENDING_ORDER, None)
        if isinstance(pending, int):
            checkout_abandon(order_id=pending)
        messages.info(request, gettext("Payment cancelled: nothing was charged."))
    return _render_review(request, form, cart)


@require_POST
def checkout_pay_view(request):
    """Reserve what the cart holds, priced on the server, and go to the payment."""
    form = _details_form(request)
    if form is None:
        return redirect("checkout")
    cart = _cart(request)
    lines = [
        CheckoutLine(offer_id=line.offer.pk, quantity=line.quantity)
        for line in cart.all_lines
        if line.buyable
    ]
    if not lines:
        return _nothing_to_buy(request)
    if request.POST.get("total_seen") != str(cart.total):
        return _render_review(
            request, form, cart, status=409,
            error=gettext(
                "The total changed since you opened this page: check it and pay "
                "again."
            ),
        )  # fmt: skip
    previous = request.session.get(SESSION_PENDING_ORDER)
    if request.session.session_key is None:
        request.session.save()  # the holder of the checkout needs a key
    try:
        # A repeated press gets the cart's checkout back; an earlier different
        # one (and this browser's last one) is released by the service.
        order = checkout_start(
            lines=lines,
            email=form.cleaned_data["email"],
            address=form.address(),
            market=request.market.code,
            user=request.user,
            cart=cart_of_request(request),
            holder=checkout_holder(
                session_key=request.session.session_key,
                address=client_address(request),
            ),
            replaces=previous if isinstance(previous, int) else None,
        )
    except CheckoutRefused as refusal:
        return _render_review(
            request, form, _cart(request), status=409,
            error=gettext("%(problem)s Nothing was charged.")
            % {"problem": refusal.message},
        )  # fmt: skip
    order_access_grant(request, order)
    request.session[SESSION_PENDING_ORDER] = order.pk
    try:
        url = checkout_pay(order, request.build_absolute_uri("/"))
        if order.payment_provider == "offline":
            _test_payment_started(request, order.payment_session_id)
    except PaymentProviderError:
        request.session.pop(SESSION_PENDING_ORDER, None)
        return _render_review(
            request, form, _cart(request), status=503,
            error=gettext(
                "We could not reach the payment service; nothing was charged. "
                "Try again in a moment."
            ),
        )  # fmt: skip
    return redirect(url)


def _test_payment_started(request, session_id: str) -> None:
    started = [s for s in _test_payments_started(request) if s != session_id]
    request.session[SESSION_TEST_PAYMENTS] = [*started, session_id][-MAX_TEST_PAYMENTS:]


def _test_payments_started(request) -> list[str]:
    started = request.session.get(SESSION_TEST_PAYMENTS, [])
    return [s for s in started if isinstance(s, str)]


def _test_payment_order(request, session_id: str) -> Order:
    """The order paid through this offline session; 404 without the test gateway.

    Only the browser session that started the checkout may see the page: anyone
    else, even with the order's emailed link, gets the same 404 as for a
    session that does not exist.
    """
    if payment_gateway().moves_money:
        raise Http404("There is no test payment page with real payments.")
    if session_id not in _test_payments_started(request):
        raise Http404("No such payment.")
    order = (
        Order.objects.filter(payment_provider="offline", payment_session_id=session_id)
        .prefetch_related("seller_orders__refurbisher")
        .first()
    )
    if order is None:
        raise Http404("No such payment.")
    return order


@require_http_methods(["GET", "HEAD", "POST"])
def test_payment(request, session_id: str):
    """The offline gateway's payment page: pay or fail, no real money moves."""
    order = _test_payment_order(request, session_id)
    if order.status != OrderStatus.PENDING_PAYMENT:
        if order.status == OrderStatus.PAID and order.pk in order_access_granted(
            request
        ):
            return redirect("order-confirmation", order.reference)
        raise Http404("This payment is closed.")
    if request.method == "POST":
        outcome = request.POST.get("outcome")
        if outcome not in {"paid", "failed"}:
            return HttpResponseBadRequest(
                gettext("Choose to pay or to fail the payment.")
            )

        try:
            events = payment_gateway().events_for(session_id, outcome)
        except PaymentProviderError:
            raise Http404("This payment is closed.") from None
        for event in events:
            # The same path as a webhook delivery: recorded once, then applied.
            payment_event_receive(event)
        order.refresh_from_db(fields=["status"])
        if order.status == OrderStatus.PAID:
            order_access_grant(request, order)
            request.session.pop(SESSION_PENDING_ORDER, None)
            return redirect("order-confirmation", order.reference)
        request.session.pop(SESSION_PENDING_ORDER, None)
        messages.error(request, PAYMENT_FAILED_MESSAGE)
        return redirect("cart")
    return render(request, "orders/test_payment.html", {"order": order})
