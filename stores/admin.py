from django.contrib import admin

from core.admin import ReadOnlyAdmin
from stores.models import DistributionCenter, OpeningHours, Region, SearchCell, StaffMembership, Store, Vehicle


@admin.register(DistributionCenter)
class DistributionCenterAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "time_zone", "opens", "closes"]
    search_fields = ["code", "name", "address"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "dc"]
    list_filter = ["dc"]
    search_fields = ["code", "name"]
    list_select_related = ["dc"]


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0
    max_num = 7


class StaffInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    fields = ["user", "role"]
    autocomplete_fields = ["user"]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "district",
        "postal_code",
        "region",
        "is_24h",
        "slot_capacity",
        "max_size_class",
        "active",
    ]
    list_filter = ["active", "is_24h", "max_size_class", "region__dc", "region"]
    search_fields = ["code", "name", "address", "postal_code", "district"]
    list_select_related = ["region"]
    inlines = [OpeningHoursInline, StaffInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "region", "active"]}),
        ("Location", {"fields": ["address", "district", "postal_code", "latitude", "longitude", "time_zone"]}),
        ("Hours", {"fields": ["is_24h", "receiving_start", "receiving_end"]}),
        (
            "Limits",
            {
                "fields": [
                    "slot_capacity",
                    "chilled_slots",
                    "frozen_slots",
                    "max_size_class",
                    "max_weight_g",
                    "max_cash_on_pickup",
                ]
            },
        ),
    ]


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "dc",
        "volume_capacity",
        "chilled_volume_capacity",
        "frozen_volume_capacity",
        "kg_capacity",
        "shift_start",
        "shift_end",
        "fixed_cost",
        "active",
    ]
    list_filter = ["dc", "active"]
    search_fields = ["name"]
    list_select_related = ["dc"]


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "store", "dc"]
    list_filter = ["role", "dc"]
    search_fields = ["user__username", "user__email", "store__code", "store__name"]
    list_select_related = ["user", "store", "dc"]
    autocomplete_fields = ["user", "store"]


@admin.register(SearchCell)
class SearchCellAdmin(ReadOnlyAdmin):
    list_display = ["day", "row", "col", "searches", "with_no_store_near"]
    list_filter = ["day"]
