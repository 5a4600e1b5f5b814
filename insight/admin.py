"""The roll-up in the admin: read-only, since only the roll-up writes it (re-run rollup_figures to mend)."""

from django.contrib import admin

from dc.admin import ReadOnlyAdmin as DcReadOnlyAdmin
from insight.models import MerchantDay, RegionDay, Rollup, StoreDay


class ReadOnlyAdmin(DcReadOnlyAdmin):
    date_hierarchy = "day"


@admin.register(StoreDay)
class StoreDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "store", "region", "delivered", "picked_up", "expired", "peak_on_shelf", "slots"]
    list_filter = ["dc", "region"]
    search_fields = ["store__code", "store__name"]
    list_select_related = ["store", "region"]


@admin.register(RegionDay)
class RegionDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "region", "delivered", "picked_up", "expired", "routes", "distance_m", "parcels_carried"]
    list_filter = ["dc"]
    list_select_related = ["region"]


@admin.register(MerchantDay)
class MerchantDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "merchant", "dc", "delivered", "picked_up", "expired", "exceptions"]
    list_filter = ["dc"]
    search_fields = ["merchant__code", "merchant__name"]
    list_select_related = ["merchant", "dc"]


@admin.register(Rollup)
class RollupAdmin(ReadOnlyAdmin):
    list_display = ["day", "dc", "computed_at"]
    list_filter = ["dc"]
