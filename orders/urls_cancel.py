"""The shopper's cancel pages."""

urlpatterns: list = []
