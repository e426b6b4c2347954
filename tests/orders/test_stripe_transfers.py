"""Stripe Connect transfers: the real ``stripe`` library against the fake server.

What a payout sends over the wire (minor units, currency, destination,
metadata, its idempotency key), how the fake refuses what Stripe refuses, and
the offline gateway's test payouts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import stripe

from marketplace.money import to_minor_units
from orders import stripe_api
from orders.exceptions import PaymentProviderError
from orders.payment_gateway import OfflineGateway, StripeGateway, payment_gateway

pytestmark = pytest.mark.usefixtures("stripe_quick_retries")
TRANSFERS = "/v1/transfers"


def _args(destination: str, **overrides: Any) -> dict[str, Any]:
    args = {
        "amount_minor": to_minor_units(Decimal("1234.56"), "EUR"),
        "currency": "EUR",
        "destination": destination,
        "idempotency_key": "remarket-payout-7",
        "metadata": {"payout_id": 7, "refurbisher_id": 3},
    }
    return {**args, **overrides}


def test_a_transfer_goes_to_the_connected_account_in_minor_units(fake_stripe):
    account = fake_stripe.account_create()

    transfer = stripe_api.transfer_create(**_args(account))

    assert transfer["id"].startswith("tr_test_")
    assert transfer["amount"] == 123456
    assert transfer["currency"] == "EUR"
    assert transfer["destination"] == account
    [sent] = fake_stripe.requests_to("POST", TRANSFERS)
    assert sent.idempotency_key == "remarket-payout-7"
    assert sent.api_key == fake_stripe.api_key
    assert sent.params == {
        "amount": "123456",
        "currency": "eur",
        "destination": account,
        "metadata": {"payout_id": "7", "refurbisher_id": "3"},
    }
    stored = fake_stripe.transfers[transfer["id"]]
    assert stored["object"] == "transfer"
    assert stored["reversed"] is False
    assert stored["amount_reversed"] == 0
    assert stored["destination_payment"].startswith("py_test_")


def test_a_transfer_sent_again_with_its_key_is_one_transfer(fake_stripe):
    """A payout retried after a timeout never pays the refurbisher twice."""
    account = fake_stripe.account_create()

    first = stripe_api.transfer_create(**_args(account))
    again = stripe_api.transfer_create(**_args(account))

    assert again == first
    assert len(fake_stripe.transfers) == 1
    assert len(fake_stripe.requests_to("POST", TRANSFERS)) == 2


def test_the_same_key_for_another_amount_is_refused_as_stripe_does(fake_stripe):
    account = fake_stripe.account_create()
    stripe_api.transfer_create(**_args(account))

    with pytest.raises(PaymentProviderError, match="same parameters"):
        stripe_api.transfer_create(**_args(account, amount_minor=100))

    assert len(fake_stripe.transfers) == 1


def test_a_transfer_that_failed_on_the_way_is_retried_with_the_same_key(
    fake_stripe,
):
    account = fake_stripe.account_create()
    fake_stripe.fail_next(500)

    transfer = stripe_api.transfer_create(**_args(account))

    sent = fake_stripe.requests_to("POST", TRANSFERS)
    assert [r.status for r in sent] == [500, 200]
    assert {r.idempotency_key for r in sent} == {"remarket-payout-7"}
    assert list(fake_stripe.transfers) == [transfer["id"]]


def test_an_unknown_destination_is_refused_on_that_param(fake_stripe):
    with pytest.raises(PaymentProviderError, match="No such destination") as caught:
        stripe_api.transfer_create(**_args("acct_1NotConnected"))

    assert caught.value.code == "resource_missing"
    [sent] = fake_stripe.requests_to("POST", TRANSFERS)
    assert sent.status == 400
    assert fake_stripe.transfers == {}


def test_a_zero_amount_or_an_unknown_currency_is_refused(fake_stripe):
    account = fake_stripe.account_create()

    with pytest.raises(PaymentProviderError, match="greater than or equal to 1"):
        stripe_api.transfer_create(**_args(account, amount_minor=0))
    with pytest.raises(PaymentProviderError, match="Invalid currency"):
        stripe_api.transfer_create(
            **_args(account, currency="XYZ", idempotency_key="other")
        )

    assert fake_stripe.transfers == {}


@pytest.mark.parametrize("amount", [Decimal("12.34"), 12.34, "1234", True, -5])
def test_amounts_other_than_int_minor_units_never_leave(fake_stripe, amount):
    account = fake_stripe.account_create()

    with pytest.raises((TypeError, ValueError), match=r"minor units|negative"):
        stripe_api.transfer_create(**_args(account, amount_minor=amount))

    assert fake_stripe.requests == []


def test_a_transfer_can_be_read_back_from_the_fake(fake_stripe):
    account = fake_stripe.account_create()
    transfer = stripe_api.transfer_create(**_args(account))

    client = stripe.StripeClient(
        fake_stripe.api_key, base_addresses={"api": fake_stripe.url}
    )
    read = client.v1.transfers.retrieve(transfer["id"]).to_dict()

    assert read["amount"] == 123456
    assert read["destination"] == account
    assert read["metadata"] == {"payout_id": "7", "refurbisher_id": "3"}


# --- The gateways ------------------------------------------------------------


def test_the_stripe_gateway_transfers_through_stripe(fake_stripe):
    account = fake_stripe.account_create()
    gateway = payment_gateway()
    assert isinstance(gateway, StripeGateway)

    transfer = gateway.transfer(**_args(account))

    assert transfer == {
        "id": transfer["id"],
        "amount": 123456,
        "currency": "EUR",
        "destination": account,
        "created": fake_stripe.transfers[transfer["id"]]["created"],
    }


def test_the_offline_gateway_records_a_test_payout_once_per_key(settings):
    """No money moves and no account is needed; the key still means once."""
    settings.STRIPE_SECRET_KEY = ""
    gateway = payment_gateway()
    assert isinstance(gateway, OfflineGateway)

    first = gateway.transfer(**_args(""))
    again = gateway.transfer(**_args(""))
    other = gateway.transfer(**_args("", idempotency_key="remarket-payout-8"))

    assert first["id"].startswith("tr_offline_")
    assert (first["amount"], first["currency"]) == (123456, "EUR")
    assert again == first
    assert other["id"] != first["id"]


def test_the_offline_gateway_refuses_what_stripe_would(settings):
    settings.STRIPE_SECRET_KEY = ""
    gateway = OfflineGateway()

    with pytest.raises(PaymentProviderError, match="positive"):
        gateway.transfer(**_args("", amount_minor=0))
    with pytest.raises(PaymentProviderError, match="no currency"):
        gateway.transfer(**_args("", currency="XYZ"))
    with pytest.raises(TypeError, match="minor units"):
        gateway.transfer(**_args("", amount_minor=Decimal("1.00")))


# --- Finding a transfer after Stripe forgot its key ------------------------------


def test_a_transfer_is_found_by_its_group_and_only_by_it(fake_stripe):
    account = fake_stripe.account_create()
    made = stripe_api.transfer_create(
        **_args(account), transfer_group="remarket-payout-7"
    )
    stripe_api.transfer_create(
        **_args(account, idempotency_key="remarket-payout-8"),
        transfer_group="remarket-payout-8",
    )

    found = stripe_api.transfer_find(transfer_group="remarket-payout-7")

    assert found == made
    assert stripe_api.transfer_find(transfer_group="remarket-payout-9") is None
    [listed, _] = fake_stripe.requests_to("GET", TRANSFERS)
    assert listed.params == {"transfer_group": "remarket-payout-7", "limit": "1"}
    assert fake_stripe.transfers[made["id"]]["transfer_group"] == "remarket-payout-7"


def test_the_offline_gateway_finds_its_test_payout_by_group(settings):
    settings.STRIPE_SECRET_KEY = ""
    gateway = OfflineGateway()
    assert gateway.transfer_find(transfer_group="remarket-payout-7") is None

    made = gateway.transfer(**_args(""), transfer_group="remarket-payout-7")

    assert gateway.transfer_find(transfer_group="remarket-payout-7") == made
