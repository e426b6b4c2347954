"""Warranty claims in the admin: QA decides the escalated ones."""
