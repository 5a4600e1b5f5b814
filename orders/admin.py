from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.models import (
    ApiKey,
    IdempotencyRecord,
    Merchant,
    Notification,
    Order,
    Parcel,
    ParcelEvent,
    WebhookAttempt,
    WebhookDelivery,
)
from orders.services.api_keys import api_key_issue, api_key_revoke
from orders.webhooks import webhook_replay


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "contact_email", "webhook_url", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["code", "name", "contact_email"]


class ParcelInline(admin.TabularInline):
    model = Parcel
    extra = 0
    fields = [
        "tracking_number",
        "size_class",
        "weight_g",
        "volume_units",
        "temperature_class",
        "fragile",
        "status",
        "shelf_slot",
        "hold_deadline",
    ]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "merchant",
        "shopper_name",
        "pickup_store",
        "preferred_pickup_day",
        "cash_on_pickup",
        "created_at",
    ]
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

    list_display = [
        "tracking_number",
        "order",
        "status",
        "size_class",
        "temperature_class",
        "fragile",
        "weight_g",
        "shelf_store",
        "shelf_slot",
        "hold_deadline",
    ]
    list_filter = [
        "status",
        "size_class",
        "temperature_class",
        "fragile",
        "order__merchant",
        "order__pickup_store__region",
    ]
    search_fields = ["tracking_number", "order__reference", "order__shopper_name", "order__pickup_store__code"]
    list_select_related = ["order__merchant", "shelf_store"]
    readonly_fields = [
        "status",
        "status_changed_at",
        "shelf_store",
        "shelf_slot",
        "arrived_at",
        "hold_deadline",
        "failed_code_attempts",
        "code_locked_until",
    ]
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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the system writes; operators look, and act only through the actions offered."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["merchant", "name", "lookup", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["merchant", "revoked_at"]
    search_fields = ["merchant__code", "name", "lookup"]
    list_select_related = ["merchant"]
    fields = ["merchant", "name", "lookup", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["lookup", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "merchant"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        key, raw = api_key_issue(merchant=obj.merchant, name=obj.name)
        obj.pk, obj.lookup, obj.secret_hash, obj.created_at = key.pk, key.lookup, key.secret_hash, key.created_at
        messages.warning(request, _("Copy this API key now; it will not be shown again: %(key)s") % {"key": raw})

    @admin.action(description=gettext_lazy("Revoke the selected keys"))
    def revoke(self, request, queryset):
        for key in queryset:
            api_key_revoke(key=key)
        messages.success(request, _("Revoked %(n)s keys.") % {"n": queryset.count()})


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    fields = ["number", "started_at", "duration_ms", "response_status", "error", "response_body", "succeeded"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "merchant",
        "event",
        "status",
        "attempt_count",
        "next_attempt_at",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status", "merchant"]
    search_fields = ["merchant__code", "event__parcel__tracking_number", "url"]
    list_select_related = ["merchant", "event"]
    date_hierarchy = "created_at"
    inlines = [WebhookAttemptInline]
    actions = ["replay"]

    @admin.action(description=gettext_lazy("Send the selected deliveries again"))
    def replay(self, request, queryset):
        for delivery in queryset:
            webhook_replay(delivery=delivery)
        messages.success(request, _("Queued %(n)s deliveries again.") % {"n": queryset.count()})


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyAdmin):
    list_display = ["delivery", "number", "started_at", "duration_ms", "response_status", "error", "succeeded"]
    list_filter = ["succeeded", "delivery__merchant"]
    search_fields = ["delivery__event__parcel__tracking_number", "error"]
    list_select_related = ["delivery__merchant"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["parcel", "kind", "channel", "recipient", "status", "send_after", "sent_at", "note"]
    list_filter = ["kind", "channel", "status"]
    search_fields = ["parcel__tracking_number", "recipient"]
    list_select_related = ["parcel"]
    date_hierarchy = "created_at"


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ["merchant", "key", "response_status", "created_at"]
    list_filter = ["merchant"]
    search_fields = ["key"]
    list_select_related = ["merchant"]
