"""API URLs (issue 7): filled by the API work."""

urlpatterns: list = []
