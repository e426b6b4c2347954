"""Celery tasks of warranty claims (thin: each calls one service)."""
