"""Refunds in the admin: what went back, why, and QA's goodwill refunds."""
