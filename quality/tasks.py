"""Quality's Celery tasks: thin, idempotent, each calling one service."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from quality.services import metrics, ranking


@shared_task(name="quality.tasks.seller_metrics_compute")
def seller_metrics_compute(day: str | None = None) -> dict:
    """Compute every refurbisher's metrics over the window ending ``day`` (ISO
    date; today by default), flag those over a limit for QA."""
    report = metrics.seller_metrics_compute(
        day=dt.date.fromisoformat(day) if day else None
    )
    return report.as_dict()


@shared_task(name="quality.tasks.rank_scores_recompute")
def rank_scores_recompute() -> int:
    """Recompute every offer's rank score; return how many offers changed."""
    # Cleared first: an event arriving while this runs schedules the next run.
    ranking.rank_recompute_soon_clear()
    return ranking.rank_scores_recompute().offers_written
