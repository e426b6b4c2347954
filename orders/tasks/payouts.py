"""Celery tasks of payouts (thin: each calls one service)."""
