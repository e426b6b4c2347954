"""Payouts in the admin, read-only: what was sent to whom and what it held."""
