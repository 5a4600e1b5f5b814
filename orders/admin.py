from collections.abc import Callable
from datetime import date

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin import ReadOnlyAdmin, ReadOnlyInline, ServiceOnlyAdmin, act_on_each
from orders.models import (
    ApiKey,
    IdempotencyRecord,
    Merchant,
    Notification,
    Order,
    Parcel,
    ParcelEvent,
    ReturnRequest,
    WebhookAttempt,
    WebhookDelivery,
)
from orders.services.api_keys import api_key_issue, api_key_revoke
from orders.services.ordering import order_cancel, order_change_pickup_store, order_set_pickup_day
from orders.webhooks import webhook_replay
from stores.locator import pickup_day_options
from stores.models import Store


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "contact_email", "webhook_url", "return_window_days", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["code", "name", "contact_email"]


class ParcelInline(ReadOnlyInline):
    model = Parcel
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


class PickupStoreForm(forms.Form):
    store = forms.ModelChoiceField(
        queryset=Store.objects.all(),
        label=gettext_lazy("New pickup store"),
        widget=AutocompleteSelect(Order._meta.get_field("pickup_store"), admin.site),
    )


class PickupDayForm(forms.Form):
    day = forms.TypedChoiceField(
        label=gettext_lazy("New pickup day"),
        coerce=date.fromisoformat,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day"].choices = pickup_day_options()


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Where, when and for how much an order is collected changes only through the services, here
    through the actions: they send planned parcels back to the DC, write the events and webhooks."""

    list_display = [
        "reference",
        "merchant",
        "shopper_name",
        "pickup_store",
        "preferred_pickup_day",
        "cash_on_pickup",
        "created_at",
    ]
    list_filter = ["merchant", "livemode", "pickup_store__region", "language", "created_at"]
    # public_id: what a merchant quotes from the API.
    search_fields = [
        "reference",
        "public_id",
        "shopper_name",
        "shopper_email",
        "shopper_phone",
        "parcels__tracking_number",
    ]
    list_select_related = ["merchant", "pickup_store"]
    date_hierarchy = "created_at"
    inlines = [ParcelInline]
    fields = [
        "merchant",
        "reference",
        "public_id",
        "shopper_name",
        "shopper_email",
        "shopper_phone",
        "language",
        "pickup_store",
        "preferred_pickup_day",
        "cash_on_pickup",
        "proxy_name",
        "proxy_phone_last4",
        "created_at",
    ]
    readonly_fields = [
        "merchant",
        "reference",
        "public_id",
        "pickup_store",
        "preferred_pickup_day",
        "cash_on_pickup",
        "proxy_name",
        "proxy_phone_last4",
        "created_at",
    ]
    actions = ["change_pickup_store", "change_pickup_day", "cancel"]

    def has_add_permission(self, request):
        return False  # orders come from the merchants, through order_create's checks

    @admin.action(description=gettext_lazy("Change the pickup store of the selected orders…"), permissions=["change"])
    def change_pickup_store(self, request, queryset):
        return self._act_with_form(
            request,
            queryset,
            PickupStoreForm,
            action="change_pickup_store",
            title=_("Change the pickup store"),
            change=lambda order, actor, store: order_change_pickup_store(order=order, store=store, actor_label=actor),
            done=_("Changed the pickup store of %(n)s orders."),
        )

    @admin.action(description=gettext_lazy("Change the pickup day of the selected orders…"), permissions=["change"])
    def change_pickup_day(self, request, queryset):
        return self._act_with_form(
            request,
            queryset,
            PickupDayForm,
            action="change_pickup_day",
            title=_("Change the pickup day"),
            change=lambda order, actor, day: order_set_pickup_day(order=order, day=day, actor_label=actor),
            done=_("Changed the pickup day of %(n)s orders."),
        )

    @admin.action(description=gettext_lazy("Cancel the selected orders"), permissions=["change"])
    def cancel(self, request, queryset):
        self._act(
            request,
            queryset,
            lambda order, actor: order_cancel(order=order, actor_label=actor),
            done=_("Cancelled %(n)s orders."),
        )

    def _act_with_form(self, request, queryset, form_class, *, action: str, title: str, change: Callable, done: str):
        """Ask for the action's value on a page of its own, then apply it to each selected order."""
        form = form_class(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._act(request, queryset, lambda order, actor: change(order, actor, **form.cleaned_data), done=done)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "media": self.media + form.media,
            "orders": queryset,
            "action": action,
        }
        return TemplateResponse(request, "admin/orders/order/action_form.html", context)

    def _act(self, request, queryset, change: Callable, *, done: str) -> None:
        actor = f"admin:{request.user.get_username()}"
        act_on_each(
            self, request, queryset.select_related("merchant", "pickup_store"), lambda o: change(o, actor), done=done
        )


class ParcelEventInline(ReadOnlyInline):
    model = ParcelEvent
    fields = ["seq", "created_at", "type", "from_status", "to_status", "actor", "actor_label", "store", "details"]
    readonly_fields = fields
    ordering = ["seq"]


@admin.register(Parcel)
class ParcelAdmin(ServiceOnlyAdmin):
    """Read-only: parcels are created with their order and change only through the lifecycle gate and
    the services, which check the store (size, weight, temperature) and write the history."""

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
    inlines = [ParcelEventInline]


@admin.register(ParcelEvent)
class ParcelEventAdmin(ServiceOnlyAdmin):
    """Append-only: viewable and searchable, never edited or deleted."""

    list_display = ["parcel", "seq", "type", "from_status", "to_status", "who", "store", "created_at"]
    list_filter = ["type", "to_status", "created_at"]
    search_fields = ["parcel__tracking_number", "actor__username", "actor_label"]
    list_select_related = ["parcel", "actor", "store"]
    date_hierarchy = "created_at"


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["merchant", "name", "lookup", "livemode", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["merchant", "livemode", "revoked_at"]
    search_fields = ["merchant__code", "name", "lookup"]
    list_select_related = ["merchant"]
    fields = ["merchant", "name", "livemode", "lookup", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["lookup", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "merchant", "livemode"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        key, raw = api_key_issue(merchant=obj.merchant, name=obj.name, livemode=obj.livemode)
        obj.pk, obj.lookup, obj.secret_hash, obj.created_at = key.pk, key.lookup, key.secret_hash, key.created_at
        messages.warning(request, _("Copy this API key now; it will not be shown again: %(key)s") % {"key": raw})

    @admin.action(description=gettext_lazy("Revoke the selected keys"))
    def revoke(self, request, queryset):
        for key in queryset:
            api_key_revoke(key=key)
        messages.success(request, _("Revoked %(n)s keys.") % {"n": queryset.count()})


class WebhookAttemptInline(ReadOnlyInline):
    model = WebhookAttempt
    fields = ["number", "started_at", "duration_ms", "response_status", "error", "response_body", "succeeded"]
    readonly_fields = fields


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "public_id",
        "merchant",
        "event",
        "status",
        "attempt_count",
        "next_attempt_at",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status", "livemode", "merchant"]
    search_fields = ["public_id", "event__public_id", "merchant__code", "event__parcel__tracking_number", "url"]
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


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ServiceOnlyAdmin):
    """Read-only: a return is started by the shopper or the merchant's API and moves on at the counter and
    the DC, through the lifecycle gate."""

    list_display = ["parcel", "parcel_status", "source", "store", "created_at", "dropped_off_store", "dropped_off_at"]
    list_filter = ["source", "parcel__status", "parcel__order__merchant"]
    search_fields = ["parcel__tracking_number", "parcel__order__reference", "store__code", "dropped_off_store__code"]
    list_select_related = ["parcel", "store", "dropped_off_store"]
    readonly_fields = ["parcel", "source", "reason", "store", "created_at", "dropped_off_store", "dropped_off_at"]
    fields = readonly_fields
    date_hierarchy = "created_at"

    @admin.display(description=gettext_lazy("status"), ordering="parcel__status")
    def parcel_status(self, obj: ReturnRequest) -> str:
        return obj.parcel.get_status_display()
