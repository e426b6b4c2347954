"""Every write of the quality app, one module per part (trial reviews, reviews, ...)."""
