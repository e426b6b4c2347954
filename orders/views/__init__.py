"""The orders app's pages, one module per part (cart, checkout, orders)."""
