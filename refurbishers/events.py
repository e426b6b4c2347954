"""What the refurbishers app tells the apps above it, and the one thing it asks them.

Events are Django signals sent synchronously by refurbishers services, so
their receivers run in the sender's transaction. The question (may a trial
graduate?) is a small registry of checks instead, because the trial service
needs an answer. Receivers and checks are connected in the listening app's
``AppConfig.ready`` (its ``receivers`` module). The README's "Events between
apps" lists every event of every app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.dispatch import Signal

if TYPE_CHECKING:
    from refurbishers.models import Refurbisher

selling_changed = Signal()
"""Whether some refurbishers' listings may be sold may have changed.

Sent with ``sender=Refurbisher`` and ``refurbisher_ids`` (a list) by:

- every status move (``refurbishers.services.status``): a refurbisher that
  is not trial or active sells nothing;
- ``trial_limits_set``: a trial's daily sales cap changed;
- ``sale_slot_confirm`` and ``sale_slot_release`` (of a confirmed sale): a
  trial seller's sales today reached its cap, or fell below it again;
- ``trial_caps_refresh`` (every minute): a new day began where a trial
  seller works, so a capped seller sells again.

Sent inside the sender's transaction, after the refurbisher or sale day row
is written (the refurbisher row is locked first: see the status services'
lock order). Heard by listings (``listings.receivers``), which refreshes the
refurbishers' offers at once (``offers_refresh``) and returns how many
offers changed; ``trial_caps_refresh`` reports the sum of the answers.
"""

TrialGraduationCheck = Callable[["Refurbisher"], bool]
_trial_graduation_checks: list[TrialGraduationCheck] = []


def trial_graduation_check_register(check: TrialGraduationCheck) -> None:
    """Add a check a finished trial must pass to graduate by itself.

    A check takes the (locked) refurbisher and answers whether its trial may
    end; it must not write. Registered by quality in ``QualityConfig.ready``
    (``quality.receivers``): every trial sale reviewed by QA and passed.
    Registering the same check again changes nothing.
    """
    if check not in _trial_graduation_checks:
        _trial_graduation_checks.append(check)


def trial_may_graduate(refurbisher: Refurbisher) -> bool:
    """Whether every registered check lets this finished trial graduate.

    Asked by the daily trial review (``refurbishers.services.trial``), inside
    its transaction, with the refurbisher row locked. With no check registered
    the answer is no: a trial never graduates without QA's say, it is flagged
    for a QA decision instead.
    """
    checks = list(_trial_graduation_checks)
    return bool(checks) and all(check(refurbisher) for check in checks)
