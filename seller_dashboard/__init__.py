"""The seller dashboard: the pages under /seller/ (but the application, which
is onboarding and stays in refurbishers) and the seller API under
/api/v1/seller/.

An interface app: it calls the domain apps' services and selectors, and no
domain app (marketplace, refurbishers, listings, orders, quality) imports it.
"""
