"""Celery tasks of the trial: thin, idempotent, each calling one service.

The beat schedule (``CELERY_BEAT_SCHEDULE`` in settings) runs them:

- ``sale_slots_expire`` every minute gives back sale slots whose checkout
  hold ran out;
- ``trial_caps_refresh`` every minute re-computes which trial refurbishers'
  offers can be bought, so a refurbisher that reached today's cap is off the
  site and comes back after its own local midnight;
- ``trials_review`` once a day graduates finished trials whose every sale
  passed QA (status active, an email to the owners) and flags the others for
  a QA decision. Running it more often changes nothing twice.
"""

from __future__ import annotations

from celery import shared_task

from refurbishers.services.sales import sale_slots_expire as _sale_slots_expire
from refurbishers.services.sales import trial_caps_refresh as _trial_caps_refresh
from refurbishers.services.trial import trials_review as _trials_review


@shared_task(name="refurbishers.tasks.sale_slots_expire")
def sale_slots_expire() -> int:
    """Release expired sale slot reservations; return how many."""
    return _sale_slots_expire()


@shared_task(name="refurbishers.tasks.trial_caps_refresh")
def trial_caps_refresh() -> int:
    """Hide or re-show trial refurbishers' offers by today's cap; offers written."""
    return _trial_caps_refresh()


@shared_task(name="refurbishers.tasks.trials_review")
def trials_review() -> dict[str, int]:
    """Graduate or flag every trial that has ended; return the counts."""
    return _trials_review()
