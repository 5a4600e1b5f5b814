from django.contrib import admin

from orders.models import Merchant, Order, Parcel, ParcelEvent


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "contact_email", "webhook_url", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["code", "name", "contact_email"]


class ParcelInline(admin.TabularInline):
    model = Parcel
    extra = 0
    fields = ["tracking_number", "size_class", "weight_g", "volume_units", "status", "shelf_slot", "hold_deadline"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["reference", "merchant", "shopper_name", "pickup_store", "cash_on_pickup", "created_at"]
    list_filter = ["merchant", "pickup_store__region", "created_at"]
    search_fields = ["reference", "shopper_name", "shopper_email", "shopper_phone", "parcels__tracking_number"]
    list_select_related = ["merchant", "pickup_store"]
    autocomplete_fields = ["pickup_store"]
    date_hierarchy = "created_at"
    inlines = [ParcelInline]


class ParcelEventInline(admin.TabularInline):
    model = ParcelEvent
    extra = 0
    fields = ["seq", "created_at", "type", "from_status", "to_status", "actor", "actor_label", "store", "details"]
    readonly_fields = fields
    can_delete = False
    ordering = ["seq"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Parcel)
class ParcelAdmin(admin.ModelAdmin):
    """Status is read-only here: every change goes through the lifecycle gate, which writes the history."""

    list_display = ["tracking_number", "order", "status", "size_class", "weight_g", "shelf_store", "shelf_slot", "hold_deadline"]
    list_filter = ["status", "size_class", "order__merchant", "order__pickup_store__region"]
    search_fields = ["tracking_number", "order__reference", "order__shopper_name", "order__pickup_store__code"]
    list_select_related = ["order__merchant", "shelf_store"]
    readonly_fields = ["status", "status_changed_at", "shelf_store", "shelf_slot", "arrived_at", "hold_deadline", "failed_code_attempts", "code_locked_until"]
    raw_id_fields = ["order"]
    inlines = [ParcelEventInline]


@admin.register(ParcelEvent)
class ParcelEventAdmin(admin.ModelAdmin):
    """Append-only: viewable and searchable, never edited or deleted."""

    list_display = ["parcel", "seq", "type", "from_status", "to_status", "who", "store", "created_at"]
    list_filter = ["type", "to_status", "created_at"]
    search_fields = ["parcel__tracking_number", "actor__username", "actor_label"]
    list_select_related = ["parcel", "actor", "store"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
