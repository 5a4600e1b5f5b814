from django.contrib import admin

from routing.models import BatchRun, HeldParcel, PlannedRoute, PlannedStop, PlanParcel, RegionPlan, UnservedStop


class RegionPlanInline(admin.TabularInline):
    model = RegionPlan
    extra = 0
    can_delete = False
    fields = [
        "region",
        "status",
        "attempts",
        "stops",
        "parcels_out",
        "parcels_back",
        "vehicles_used",
        "distance_m",
        "unserved_stops",
        "error",
    ]
    readonly_fields = fields
    show_change_link = True


@admin.register(BatchRun)
class BatchRunAdmin(admin.ModelAdmin):
    list_display = ["dc", "plan_date", "status", "trigger", "started_at", "finished_at"]
    list_filter = ["status", "trigger", "dc"]
    date_hierarchy = "plan_date"
    list_select_related = ["dc"]
    readonly_fields = [
        "dc",
        "plan_date",
        "trigger",
        "started_by",
        "cutoff",
        "started_at",
        "finished_at",
        "status",
        "time_limit_s",
    ]
    inlines = [RegionPlanInline]


class PlannedRouteInline(admin.TabularInline):
    model = PlannedRoute
    extra = 0
    can_delete = False
    fields = ["number", "vehicle", "locked", "start_s", "end_s", "distance_m", "dispatched_at"]
    readonly_fields = fields
    show_change_link = True


@admin.register(RegionPlan)
class RegionPlanAdmin(admin.ModelAdmin):
    list_display = ["run", "region", "status", "attempts", "stops", "vehicles_used", "unserved_stops", "solve_seconds"]
    list_filter = ["status", "run__dc"]
    list_select_related = ["run__dc", "region"]
    search_fields = ["region__code", "region__name"]
    readonly_fields = [f.name for f in RegionPlan._meta.fields if f.name not in ("condition", "condition_factor")]
    inlines = [PlannedRouteInline]


class PlannedStopInline(admin.TabularInline):
    model = PlannedStop
    extra = 0
    can_delete = False
    fields = [
        "position",
        "store",
        "arrival_s",
        "service_start_s",
        "departure_s",
        "delivered_parcels",
        "collected_parcels",
        "load_volume",
    ]
    readonly_fields = fields


@admin.register(PlannedRoute)
class PlannedRouteAdmin(admin.ModelAdmin):
    list_display = ["region_plan", "number", "vehicle", "locked", "distance_m", "dispatched_at"]
    list_select_related = ["region_plan__run__dc", "region_plan__region", "vehicle"]
    readonly_fields = [
        "region_plan",
        "vehicle",
        "number",
        "start_s",
        "end_s",
        "distance_m",
        "start_load_volume",
        "start_load_kg",
        "peak_load_volume",
        "dispatched_at",
        "dispatched_by",
    ]
    inlines = [PlannedStopInline]


@admin.register(UnservedStop)
class UnservedStopAdmin(admin.ModelAdmin):
    list_display = ["region_plan", "store", "reason", "parcels_out", "parcels_back"]
    list_select_related = ["region_plan__run__dc", "region_plan__region", "store"]
    search_fields = ["store__code", "reason"]


@admin.register(PlanParcel)
class PlanParcelAdmin(admin.ModelAdmin):
    """Read-only: which run took which parcel; parcels change only through the lifecycle gate."""

    list_display = ["run", "region_plan", "parcel", "store", "kind", "stop"]
    list_filter = ["kind", "run__dc"]
    list_select_related = ["run__dc", "region_plan__region", "parcel", "store", "stop"]
    search_fields = ["parcel__tracking_number", "store__code"]
    raw_id_fields = ["parcel", "stop", "region_plan", "run", "store"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(HeldParcel)
class HeldParcelAdmin(admin.ModelAdmin):
    """Read-only: what a run left at the DC, and why."""

    list_display = ["run", "region", "parcel", "store", "reason", "pickup_day"]
    list_filter = ["reason", "run__dc"]
    list_select_related = ["run__dc", "region", "parcel", "store"]
    search_fields = ["parcel__tracking_number", "store__code"]
    raw_id_fields = ["parcel", "run", "region", "store"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
