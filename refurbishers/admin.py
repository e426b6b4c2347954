from django.contrib import admin

from listings.services import offers_refresh
from refurbishers.models import Refurbisher


@admin.register(Refurbisher)
class RefurbisherAdmin(admin.ModelAdmin):
    """Status changes go through the refurbisher services (issue 3), never this form."""

    list_display = ["name", "country", "status", "rating_average", "selling_since"]
    list_filter = ["status", "country"]
    search_fields = ["name", "slug"]
    readonly_fields = ["status", "rating_average", "rating_count"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Markets shipped to decide where its offers can be bought.
        offers_refresh(refurbisher_ids=[obj.pk])
