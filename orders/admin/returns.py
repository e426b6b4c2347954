"""Returns in the admin, read-only, with filters for QA's follow-up."""
