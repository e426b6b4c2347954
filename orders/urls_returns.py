"""The shopper's returns pages."""

urlpatterns: list = []
