"""The catalog (QA edits it through the catalog services) and listings (QA
looks and can pause one)."""

from django.contrib import admin, messages
from django.utils.translation import gettext, gettext_lazy

from listings.models import (
    Brand,
    Category,
    DeviceModel,
    Listing,
    ListingChange,
    ListingStatus,
    Offer,
    Variant,
    VariantNewPrice,
)
from listings.services import listing_delete, listing_status_set
from listings.services.catalog_entries import catalog_entry_delete, catalog_entry_save


class CatalogEntryAdmin(admin.ModelAdmin):
    """Saves and deletes catalog entries, inline ones too, through the services,
    so search words, offers and cached pages follow every edit."""

    def save_model(self, request, obj, form, change):
        catalog_entry_save(entry=obj)

    def delete_model(self, request, obj):
        catalog_entry_delete(entry=obj)

    def delete_queryset(self, request, queryset):
        for entry in queryset.order_by("pk"):
            catalog_entry_delete(entry=entry)

    def save_formset(self, request, form, formset, change):
        entries = formset.save(commit=False)
        for entry in formset.deleted_objects:
            catalog_entry_delete(entry=entry)
        for entry in entries:
            catalog_entry_save(entry=entry)
        formset.save_m2m()


@admin.register(Category)
class CategoryAdmin(CatalogEntryAdmin):
    list_display = ["name", "kind", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Brand)
class BrandAdmin(CatalogEntryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class VariantInline(admin.TabularInline):
    model = Variant
    fields = ["storage_gb", "colour", "colour_hex", "connectivity"]
    extra = 0


@admin.register(DeviceModel)
class DeviceModelAdmin(CatalogEntryAdmin):
    list_display = ["name", "brand", "category", "release_year"]
    list_filter = ["category", "brand", "release_year"]
    list_select_related = ["brand", "category"]
    search_fields = ["name", "brand__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [VariantInline]


class VariantNewPriceInline(admin.TabularInline):
    model = VariantNewPrice
    extra = 0


@admin.register(Variant)
class VariantAdmin(CatalogEntryAdmin):
    list_display = ["__str__", "device_model", "storage_gb", "colour", "connectivity"]
    list_filter = ["device_model__category", "connectivity"]
    list_select_related = ["device_model"]
    search_fields = ["search_text"]
    readonly_fields = ["search_text"]
    inlines = [VariantNewPriceInline]


class OfferInline(admin.TabularInline):
    model = Offer
    fields = ["market", "price_amount", "currency", "shipping_amount", "is_purchasable"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ListingChangeInline(admin.TabularInline):
    """Who changed the listing, when and what: its history, read-only."""

    model = ListingChange
    fields = ["created_at", "actor", "reason"]
    readonly_fields = fields
    ordering = ["-created_at", "-pk"]
    extra = 0
    can_delete = False
    verbose_name = "change"
    verbose_name_plural = "history"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    """Refurbishers manage their listings; QA looks and can pause one."""

    list_display = ["sku", "refurbisher", "variant", "grade", "stock", "status"]
    list_filter = ["status", "grade", "refurbisher", "variant__device_model__category"]
    list_select_related = ["refurbisher", "variant"]
    search_fields = ["sku", "variant__search_text", "refurbisher__name"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Listing._meta.fields]
    inlines = [OfferInline, ListingChangeInline]
    actions = ["pause_listings", "resume_listings"]

    def has_add_permission(self, request):
        return False

    # The admin deletes only listings nothing protects (never sold); the
    # service also makes cached pages stale.
    def delete_model(self, request, obj):
        listing_delete(listing=obj)

    def delete_queryset(self, request, queryset):
        for listing in queryset.order_by("pk"):
            listing_delete(listing=listing)

    @admin.action(
        description=gettext_lazy("Pause selected listings"), permissions=["change"]
    )
    def pause_listings(self, request, queryset):
        for listing in queryset:
            listing_status_set(
                listing=listing, status=ListingStatus.PAUSED, actor=request.user
            )
        self.message_user(
            request,
            gettext("Paused %(count)s listings.") % {"count": queryset.count()},
            messages.SUCCESS,
        )

    @admin.action(
        description=gettext_lazy("Resume selected listings"), permissions=["change"]
    )
    def resume_listings(self, request, queryset):
        for listing in queryset:
            listing_status_set(
                listing=listing, status=ListingStatus.ACTIVE, actor=request.user
            )
        self.message_user(
            request,
            gettext("Resumed %(count)s listings.") % {"count": queryset.count()},
            messages.SUCCESS,
        )


from listings import admin_requests  # noqa: E402, F401  (device model requests)
