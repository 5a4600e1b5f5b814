"""The DC floor's rows in the admin: read-only, since the dock's services guard them (a hand-over moves
parcels to returned, resolving a row may move a parcel); the admin is for looking things up."""

from django.contrib import admin

from dc.models import DockException, ReturnConsignment, ReturnItem


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DockException)
class DockExceptionAdmin(ReadOnlyAdmin):
    list_display = ["parcel", "kind", "dc", "store", "opened_at", "resolved_at", "resolution"]
    list_filter = ["dc", "kind", "resolution", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["parcel__tracking_number", "note"]
    list_select_related = ["parcel", "dc", "store"]
    date_hierarchy = "opened_at"


class ReturnItemInline(admin.TabularInline):
    model = ReturnItem
    extra = 0
    fields = ["parcel", "scanned_at", "scanned_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReturnConsignment)
class ReturnConsignmentAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "merchant", "dc", "opened_at", "handed_over_at", "handed_to"]
    list_filter = ["dc", ("handed_over_at", admin.EmptyFieldListFilter)]
    search_fields = ["merchant__code", "merchant__name", "handed_to", "items__parcel__tracking_number"]
    list_select_related = ["merchant", "dc"]
    inlines = [ReturnItemInline]
