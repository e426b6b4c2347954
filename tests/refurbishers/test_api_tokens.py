"""Seller API keys: shown once, stored hashed, named, at most 20 live, revoked once."""

from __future__ import annotations

import hashlib
import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from refurbishers.exceptions import RefurbisherError
from refurbishers.models import ApiToken
from refurbishers.services.api_tokens import (
    LIVE_KEYS_MAX,
    NAME_MAX,
    api_token_create,
    api_token_revoke,
)
from tests.support.factories import RefurbisherFactory
from tests.support.refurbisher_builders import user_make

THREADS = 8


@pytest.fixture
def seller(db):
    return RefurbisherFactory(), user_make()


def live(refurbisher):
    return ApiToken.objects.filter(refurbisher=refurbisher, revoked_at__isnull=True)


# --- Creating -------------------------------------------------------------------


def test_the_key_is_returned_once_and_only_its_sha256_is_stored(seller):
    refurbisher, owner = seller
    token, key = api_token_create(refurbisher=refurbisher, actor=owner, name="ERP")

    assert key.startswith(f"rmk_{token.prefix}_")
    assert len(key) > len(f"rmk_{token.prefix}_") + 40  # 256 bits of secret
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    secret = key.split("_", 2)[2]
    # No column holds the key or its secret part.
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(secret in str(value) for value in row.values())
    assert (stored.name, stored.created_by, stored.refurbisher) == (
        "ERP",
        owner,
        refurbisher,
    )
    assert stored.revoked_at is None and stored.last_used_at is None


def test_two_keys_never_share_a_prefix_or_a_secret(seller):
    refurbisher, owner = seller
    made = [
        api_token_create(refurbisher=refurbisher, actor=owner, name=f"Key {n}")
        for n in range(5)
    ]
    assert len({token.prefix for token, _ in made}) == 5
    assert len({key for _, key in made}) == 5


def test_the_name_is_trimmed(seller):
    refurbisher, owner = seller
    token, _ = api_token_create(
        refurbisher=refurbisher, actor=owner, name="  Stock system \n"
    )
    assert token.name == "Stock system"


@pytest.mark.parametrize("name", ["", "   ", None, "x" * (NAME_MAX + 1)])
def test_a_key_needs_a_name_of_1_to_80_characters(seller, name):
    refurbisher, owner = seller
    with pytest.raises(RefurbisherError) as refused:
        api_token_create(refurbisher=refurbisher, actor=owner, name=name)
    assert refused.value.field == "name"
    assert "1 to 80 characters" in refused.value.message
    assert not ApiToken.objects.exists()


def test_a_name_of_exactly_80_characters_is_fine(seller):
    refurbisher, owner = seller
    token, _ = api_token_create(refurbisher=refurbisher, actor=owner, name="x" * 80)
    assert len(token.name) == NAME_MAX == 80


def test_two_live_keys_may_not_share_a_name(seller):
    refurbisher, owner = seller
    api_token_create(refurbisher=refurbisher, actor=owner, name="ERP")
    with pytest.raises(RefurbisherError) as refused:
        api_token_create(refurbisher=refurbisher, actor=owner, name="ERP")
    assert refused.value.field == "name"
    assert refused.value.message == "A live key is already named 'ERP'."
    assert live(refurbisher).count() == 1


def test_a_revoked_keys_name_can_be_used_again_and_other_sellers_names_are_theirs(
    seller,
):
    refurbisher, owner = seller
    old, _ = api_token_create(refurbisher=refurbisher, actor=owner, name="ERP")
    api_token_revoke(token=old, actor=owner)
    api_token_create(refurbisher=refurbisher, actor=owner, name="ERP")
    api_token_create(refurbisher=RefurbisherFactory(), actor=owner, name="ERP")
    assert ApiToken.objects.filter(name="ERP").count() == 3


def test_at_most_20_live_keys_and_revoking_one_makes_room(seller):
    refurbisher, owner = seller
    tokens = [
        api_token_create(refurbisher=refurbisher, actor=owner, name=f"Key {n}")[0]
        for n in range(LIVE_KEYS_MAX)
    ]
    with pytest.raises(RefurbisherError) as refused:
        api_token_create(refurbisher=refurbisher, actor=owner, name="One more")
    assert refused.value.field is None  # about the seller's state: a 409 in the API
    assert "20 live keys" in refused.value.message
    assert live(refurbisher).count() == LIVE_KEYS_MAX

    api_token_revoke(token=tokens[0], actor=owner)
    api_token_create(refurbisher=refurbisher, actor=owner, name="One more")
    assert live(refurbisher).count() == LIVE_KEYS_MAX
    # Another seller's keys are counted apart.
    api_token_create(refurbisher=RefurbisherFactory(), actor=owner, name="Key 0")


def test_a_key_made_without_a_signed_in_member_records_no_creator(seller):
    refurbisher, _ = seller
    token, _ = api_token_create(
        refurbisher=refurbisher, actor=AnonymousUser(), name="ERP"
    )
    assert token.created_by is None


# --- Revoking -------------------------------------------------------------------


def test_revoking_is_recorded_once_by_who_and_when(seller):
    refurbisher, owner = seller
    colleague = user_make()
    token, _ = api_token_create(refurbisher=refurbisher, actor=owner, name="ERP")

    first = api_token_revoke(token=token, actor=owner)
    assert first.revoked_at is not None and first.revoked_by == owner
    assert not first.is_active

    again = api_token_revoke(token=token, actor=colleague)
    assert (again.revoked_at, again.revoked_by) == (first.revoked_at, owner)
    stored = ApiToken.objects.get(pk=token.pk)
    assert (stored.revoked_at, stored.revoked_by) == (first.revoked_at, owner)
    # The row stays: who used what, and when, is kept.
    assert ApiToken.objects.filter(refurbisher=refurbisher).count() == 1


def test_revoking_a_stale_copy_of_the_row_keeps_the_first_revocation(seller):
    """Two members revoking at once: the second sees the first's row under lock."""
    refurbisher, owner = seller
    token, _ = api_token_create(refurbisher=refurbisher, actor=owner, name="ERP")
    stale = ApiToken.objects.get(pk=token.pk)
    first = api_token_revoke(token=token, actor=owner)
    second = api_token_revoke(token=stale, actor=user_make())
    assert (second.revoked_at, second.revoked_by) == (first.revoked_at, owner)


# --- Concurrency ----------------------------------------------------------------


def _create_at_once(refurbisher, owner, names: list[str]) -> dict[int, object]:
    """Each name created by its own thread and connection, all released at once."""
    barrier = threading.Barrier(len(names))
    outcomes: dict[int, object] = {}

    def create(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[number] = api_token_create(
                refurbisher=refurbisher, actor=owner, name=names[number]
            )
        except Exception as error:  # recorded, asserted by the caller
            outcomes[number] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(len(names))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == len(names)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_creations_at_once_never_pass_20_live_keys():
    """18 live keys, 8 creations at once: exactly 2 are made, 6 refused."""
    refurbisher, owner = RefurbisherFactory(), user_make()
    for n in range(LIVE_KEYS_MAX - 2):
        api_token_create(refurbisher=refurbisher, actor=owner, name=f"Key {n}")

    outcomes = _create_at_once(
        refurbisher, owner, [f"Concurrent {n}" for n in range(THREADS)]
    )

    made = [o for o in outcomes.values() if isinstance(o, tuple)]
    refused = [o for o in outcomes.values() if isinstance(o, RefurbisherError)]
    assert len(made) == 2, outcomes
    assert len(refused) == THREADS - 2, outcomes
    assert all("20 live keys" in error.message for error in refused)
    assert live(refurbisher).count() == LIVE_KEYS_MAX


@pytest.mark.django_db(transaction=True)
def test_creations_at_once_with_one_name_make_one_key():
    refurbisher, owner = RefurbisherFactory(), user_make()

    outcomes = _create_at_once(refurbisher, owner, ["ERP"] * THREADS)

    made = [o for o in outcomes.values() if isinstance(o, tuple)]
    refused = [o for o in outcomes.values() if isinstance(o, RefurbisherError)]
    assert len(made) == 1, outcomes
    assert len(refused) == THREADS - 1, outcomes
    assert {error.field for error in refused} == {"name"}
    assert list(live(refurbisher).values_list("name", flat=True)) == ["ERP"]
