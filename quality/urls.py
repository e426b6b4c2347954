"""Public quality pages: a seller's page with its scorecard and reviews."""

urlpatterns: list = []
