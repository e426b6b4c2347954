"""The shopper's claims pages."""

urlpatterns: list = []
