from django.apps import AppConfig


class SellerDashboardConfig(AppConfig):
    name = "seller_dashboard"
