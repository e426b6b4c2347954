from django.apps import AppConfig


class RefurbishersConfig(AppConfig):
    name = "refurbishers"
