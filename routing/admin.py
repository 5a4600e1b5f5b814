"""Runs, plans and routes are written by the batch and changed by planners through the services (the
planner console, or the actions here), which check the plan's state and move parcels through the gate;
no admin form edits them."""

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin import ReadOnlyInline, ServiceOnlyAdmin, act_on_each
from routing.models import BatchRun, HeldParcel, PlannedRoute, PlannedStop, PlanParcel, RegionPlan, UnservedStop
from routing.services.adjust import route_set_locked
from routing.services.batch import region_plan_requeue
from routing.services.dispatch import region_plan_approve


class RegionPlanInline(ReadOnlyInline):
    model = RegionPlan
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
class BatchRunAdmin(ServiceOnlyAdmin):
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


class PlannedRouteInline(ReadOnlyInline):
    model = PlannedRoute
    fields = ["number", "vehicle", "locked", "start_s", "end_s", "distance_m", "dispatched_at"]
    readonly_fields = fields
    show_change_link = True


@admin.register(RegionPlan)
class RegionPlanAdmin(ServiceOnlyAdmin):
    list_display = ["run", "region", "status", "attempts", "stops", "vehicles_used", "unserved_stops", "solve_seconds"]
    list_filter = ["status", "run__dc"]
    list_select_related = ["run__dc", "region"]
    search_fields = ["region__code", "region__name"]
    readonly_fields = [f.name for f in RegionPlan._meta.fields if f.name not in ("condition", "condition_factor")]
    inlines = [PlannedRouteInline]
    actions = ["approve", "solve_again"]

    @admin.action(description=gettext_lazy("Approve the selected plans"), permissions=["act"])
    def approve(self, request, queryset):
        act_on_each(
            self,
            request,
            queryset.select_related("region"),
            lambda rp: region_plan_approve(region_plan=rp, user=request.user),
            done=_("Approved %(n)s plans."),
        )

    @admin.action(description=gettext_lazy("Solve the selected regions again"), permissions=["act"])
    def solve_again(self, request, queryset):
        act_on_each(
            self,
            request,
            queryset.select_related("region"),
            lambda rp: region_plan_requeue(region_plan=rp, user=request.user),
            done=_("Queued %(n)s regions to be solved again."),
        )


class PlannedStopInline(ReadOnlyInline):
    model = PlannedStop
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
class PlannedRouteAdmin(ServiceOnlyAdmin):
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
    actions = ["lock", "unlock"]

    @admin.action(description=gettext_lazy("Lock the selected routes (re-optimising keeps them)"), permissions=["act"])
    def lock(self, request, queryset):
        self._set_locked(request, queryset, True, _("Locked %(n)s routes."))

    @admin.action(description=gettext_lazy("Unlock the selected routes"), permissions=["act"])
    def unlock(self, request, queryset):
        self._set_locked(request, queryset, False, _("Unlocked %(n)s routes."))

    def _set_locked(self, request, queryset, locked: bool, done: str) -> None:
        routes = queryset.select_related("region_plan__run__dc", "region_plan__region", "vehicle")
        act_on_each(self, request, routes, lambda route: route_set_locked(route=route, locked=locked), done=done)


@admin.register(UnservedStop)
class UnservedStopAdmin(ServiceOnlyAdmin):
    list_display = ["region_plan", "store", "reason", "parcels_out", "parcels_back"]
    list_select_related = ["region_plan__run__dc", "region_plan__region", "store"]
    search_fields = ["store__code", "reason"]


@admin.register(PlanParcel)
class PlanParcelAdmin(ServiceOnlyAdmin):
    """Which run took which parcel; parcels change only through the lifecycle gate."""

    list_display = ["run", "region_plan", "parcel", "store", "kind", "stop"]
    list_filter = ["kind", "run__dc"]
    list_select_related = ["run__dc", "region_plan__region", "parcel", "store", "stop"]
    search_fields = ["parcel__tracking_number", "store__code"]
    raw_id_fields = ["parcel", "stop", "region_plan", "run", "store"]


@admin.register(HeldParcel)
class HeldParcelAdmin(ServiceOnlyAdmin):
    """What a run left at the DC, and why."""

    list_display = ["run", "region", "parcel", "store", "reason", "pickup_day"]
    list_filter = ["reason", "run__dc"]
    list_select_related = ["run__dc", "region", "parcel", "store"]
    search_fields = ["parcel__tracking_number", "store__code"]
    raw_id_fields = ["parcel", "run", "region", "store"]
