"""One way to change a status: lock the row, check the move, save it, audit it.

Every status table (a refurbisher, an order and its seller orders, a return,
a warranty claim, a trial sale's verdict) keeps its allowed moves in one table
beside its model and its audit rows in a table of its own (``AuditRecord``).
A ``StatusMachine`` ties the two together, so each app's services say only
what is particular to their moves: which fields change with the status, the
reason in words, the message of a refusal.

A service using it::

    seller_order = locked(seller_order, of=("self",))
    SELLER_ORDER_STATUS.check(seller_order, Status.SHIPPED)   # refusal, no write
    ...                                                       # its own rules
    seller_order.shipped_at = timezone.now()
    SELLER_ORDER_STATUS.move(
        seller_order, Status.SHIPPED, actor=actor, reason="Shipped",
        fields=("shipped_at",),
    )

A move costs two statements (the row's UPDATE, the audit row's INSERT), a
check none. The refusal is the app's own business error, built by the app, so
its message stays in the app's words.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

M = TypeVar("M", bound=models.Model)


def actor_or_none(
    user: AbstractBaseUser | AnonymousUser | None,
) -> AbstractBaseUser | None:
    """The user to record as the actor: None for the system or an anonymous one."""
    return user if user is not None and user.is_authenticated else None


def locked(
    obj: M, *, queryset: models.QuerySet[M] | None = None, **for_update: Any
) -> M:
    """``obj``'s row read again under ``SELECT ... FOR UPDATE``: fresh and locked.

    ``queryset`` says what to read with it (``select_related``); the keyword
    arguments go to ``select_for_update`` (``of=("self",)``, ``no_key=True``).
    ``obj`` may be an unsaved instance carrying only its primary key.
    """
    if queryset is None:
        queryset = type(obj)._default_manager.all()
    return queryset.select_for_update(**for_update).get(pk=obj.pk)


@dataclass(frozen=True)
class StatusMachine(Generic[M]):
    """The allowed moves of one status field, and where its audit rows go.

    ``moves`` maps each status to the statuses it may move to. ``refusal``
    builds the app's error for a move not allowed, from the current status and
    the one asked for. ``audit_model`` is the table of changes;
    ``audit_parent`` gives the columns tying a row of it to the object
    (``{"refurbisher": refurbisher}``). ``field`` is the status field;
    ``audit_fields`` the audit table's "from" and "to" columns.
    """

    moves: Mapping[str, Collection[str]]
    refusal: Callable[[str, str], Exception]
    audit_model: type[models.Model]
    audit_parent: Callable[[M], dict[str, Any]]
    field: str = "status"
    audit_fields: tuple[str, str] = ("from_status", "to_status")

    def allows(self, from_status: str, to_status: str) -> bool:
        """Whether the table permits moving from ``from_status`` to ``to_status``."""
        return to_status in self.moves.get(from_status, ())

    def check(self, obj: M, to_status: str) -> None:
        """Raise the app's refusal unless ``obj`` may move to ``to_status`` now."""
        from_status = getattr(obj, self.field)
        if not self.allows(from_status, to_status):
            raise self.refusal(from_status, to_status)

    def move(
        self,
        obj: M,
        to_status: str,
        *,
        actor: AbstractBaseUser | AnonymousUser | None,
        reason: str,
        fields: Iterable[str] = (),
        checked: bool = True,
    ) -> models.Model:
        """Move a locked ``obj`` to ``to_status``; return the audit row written.

        Checks the move first (refused: nothing written), then saves the
        status with ``fields`` (set on ``obj`` by the caller) in one UPDATE and
        writes one audit row with the actor and the reason.
        ``checked=False`` applies a fact reported from outside (a payment the
        provider confirms) whatever the table says.
        """
        if checked:
            self.check(obj, to_status)
        from_status = getattr(obj, self.field)
        setattr(obj, self.field, to_status)
        obj.save(update_fields=[self.field, *fields])
        return self.record(
            obj, actor=actor, reason=reason, from_status=from_status,
            to_status=to_status,
        )  # fmt: skip

    def record(
        self,
        obj: M,
        *,
        actor: AbstractBaseUser | AnonymousUser | None = None,
        reason: str,
        from_status: str | None = None,
        to_status: str | None = None,
        columns: Mapping[str, Any] | None = None,
    ) -> models.Model:
        """Write an audit row for ``obj``; by default one that keeps its status.

        What the history shows beside the moves (a flag, a reminder, a
        refund); ``from_status=""`` records an object's creation. ``columns``
        fills more columns of the row (the seller order a refund is for).
        """
        current = getattr(obj, self.field)
        from_field, to_field = self.audit_fields
        return self.audit_model._default_manager.create(
            **self.audit_parent(obj),
            **(columns or {}),
            **{
                from_field: current if from_status is None else from_status,
                to_field: current if to_status is None else to_status,
            },
            actor=actor_or_none(actor),
            reason=reason,
        )
