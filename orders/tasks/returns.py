"""Celery tasks of returns (thin: each calls one service)."""
