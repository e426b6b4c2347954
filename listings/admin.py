from django.contrib import admin, messages

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
from listings.services import listing_status_set, variant_search_text_refresh


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class VariantInline(admin.TabularInline):
    model = Variant
    fields = ["storage_gb", "colour", "colour_hex", "connectivity"]
    extra = 0


@admin.register(DeviceModel)
class DeviceModelAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "category", "release_year"]
    list_filter = ["category", "brand", "release_year"]
    list_select_related = ["brand", "category"]
    search_fields = ["name", "brand__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [VariantInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # New or renamed variants must be findable by the search box at once.
        variant_search_text_refresh(
            variant_ids=form.instance.variants.values_list("pk", flat=True)
        )


class VariantNewPriceInline(admin.TabularInline):
    model = VariantNewPrice
    extra = 0


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ["__str__", "device_model", "storage_gb", "colour", "connectivity"]
    list_filter = ["device_model__category", "connectivity"]
    list_select_related = ["device_model"]
    search_fields = ["search_text"]
    readonly_fields = ["search_text"]
    inlines = [VariantNewPriceInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        variant_search_text_refresh(variant_ids=[obj.pk])


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

    @admin.action(description="Pause selected listings", permissions=["change"])
    def pause_listings(self, request, queryset):
        for listing in queryset:
            listing_status_set(
                listing=listing, status=ListingStatus.PAUSED, actor=request.user
            )
        self.message_user(
            request, f"Paused {queryset.count()} listings.", messages.SUCCESS
        )

    @admin.action(description="Resume selected listings", permissions=["change"])
    def resume_listings(self, request, queryset):
        for listing in queryset:
            listing_status_set(
                listing=listing, status=ListingStatus.ACTIVE, actor=request.user
            )
        self.message_user(
            request, f"Resumed {queryset.count()} listings.", messages.SUCCESS
        )


from listings import admin_requests  # noqa: E402, F401  (device model requests)
