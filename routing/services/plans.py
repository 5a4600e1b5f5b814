"""Writing a solver's plan into a region plan's rows, and moving parcels with it through the gate.

A recorded plan is the truth about which parcels are planned: a delivery on a stop is PLANNED (with
its ETA as `expected_arrival`), a delivery whose store went unserved is back AT_DC. Collected
parcels keep their status; the clerk's scan-out to the driver moves them later.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F
from django.utils import timezone

from core.errors import ConflictError
from orders.lifecycle import parcel_transition
from orders.models import Parcel
from routing import engine
from routing.models import PlannedRoute, PlannedStop, PlanParcel, RegionPlan, UnservedStop
from routing.problem_builder import RegionProblem, peak_volume

ACTOR = "route planning"
REASON_NO_VEHICLES = "no vehicle is available in this region"


def plan_write(*, region_plan: RegionPlan, region_problem: RegionProblem, solution: engine.Solution) -> None:
    """Replace the region plan's routes, stops and unserved stops with `solution`, move the parcels
    whose planned state changed and refresh the totals. Call inside a transaction holding the region
    plan's row."""
    old_routes = list(region_plan.routes.all())
    numbers = {r.vehicle_id: r.number for r in old_routes}
    served_before = set(
        PlanParcel.objects.filter(
            region_plan=region_plan, kind=PlanParcel.Kind.DELIVER, stop__isnull=False
        ).values_list("pk", flat=True)
    )
    # Deleting the routes cascades to their stops and detaches the parcels (stop → NULL).
    region_plan.routes.all().delete()
    region_plan.unserved.all().delete()

    served_now: set[int] = set()
    next_number = max(numbers.values(), default=0)
    for solved in sorted(solution.routes, key=lambda r: (numbers.get(int(r.vehicle_id), 10**6), int(r.vehicle_id))):
        vehicle_id = int(solved.vehicle_id)
        if vehicle_id not in numbers:
            next_number += 1
            numbers[vehicle_id] = next_number
        route = PlannedRoute(region_plan=region_plan, vehicle_id=vehicle_id, number=numbers[vehicle_id])
        served_now |= route_write(
            route=route, solved=solved, region_problem=region_problem, run=region_plan.run, served_before=served_before
        )

    reasons = {u.stop_id: u.reason for u in solution.unserved}
    if not region_problem.vehicles:
        reasons = dict.fromkeys(reasons, REASON_NO_VEHICLES)
    UnservedStop.objects.bulk_create(
        UnservedStop(
            region_plan=region_plan,
            store_id=int(stop_id),
            reason=reason[:300],
            parcels_out=sum(1 for e in region_problem.entries[stop_id] if e.kind == PlanParcel.Kind.DELIVER),
            parcels_back=sum(1 for e in region_problem.entries[stop_id] if e.kind == PlanParcel.Kind.COLLECT),
        )
        for stop_id, reason in reasons.items()
    )
    _unplan(
        PlanParcel.objects.filter(pk__in=served_before - served_now).select_related(
            "parcel__order__merchant", "parcel__order__pickup_store"
        ),
        region_plan=region_plan,
    )
    plan_refresh_totals(region_plan=region_plan, solve_seconds=solution.search_seconds)
    RegionPlan.objects.filter(pk=region_plan.pk).update(planned_condition_factor=region_plan.effective_condition_factor)


def route_write(
    *, route: PlannedRoute, solved: engine.Route, region_problem: RegionProblem, run, served_before: set[int]
) -> set[int]:
    """Save `route` with the times and loads of `solved`, attach each stop's parcels, plan the newly
    served deliveries and re-time the others. Returns the ids of the deliveries it serves."""
    route.locked = route.locked or solved.locked
    route.start_s, route.end_s, route.distance_m = solved.start, solved.end, solved.distance_m
    route.start_load_volume, route.start_load_kg = solved.start_load_volume, solved.start_load_kg
    route.peak_load_volume = peak_volume(solved)
    route.save()
    stops = PlannedStop.objects.bulk_create(
        PlannedStop(
            route=route,
            store_id=int(visit.stop_id),
            position=position,
            arrival_s=visit.arrival,
            service_start_s=visit.service_start,
            departure_s=visit.departure,
            load_volume=visit.load_volume,
            load_kg=visit.load_kg,
            delivered_parcels=visit.delivered_parcels,
            collected_parcels=visit.collected_parcels,
        )
        for position, visit in enumerate(solved.visits, start=1)
    )
    served: set[int] = set()
    for stop, visit in zip(stops, solved.visits, strict=True):
        entries = region_problem.entries[visit.stop_id]
        PlanParcel.objects.filter(pk__in=[e.pk for e in entries]).update(stop=stop)
        eta = run.at(visit.service_start)
        deliveries = [e for e in entries if e.kind == PlanParcel.Kind.DELIVER]
        already = [e.parcel_id for e in deliveries if e.pk in served_before]
        Parcel.objects.filter(pk__in=already, status=Parcel.Status.PLANNED).update(
            expected_arrival=eta, updated_at=timezone.now()
        )
        served.update(e.pk for e in deliveries if e.pk in served_before)
        lost = 0
        for entry in deliveries:
            if entry.pk in served_before:
                continue
            try:
                parcel_transition(
                    parcel=entry.parcel,
                    to=Parcel.Status.PLANNED,
                    actor_label=ACTOR,
                    changes={"expected_arrival": eta},
                    details={
                        "run": run.pk,
                        "region": entry.region_plan_id,
                        "vehicle": route.vehicle_id,
                        "stop": stop.position,
                    },
                )
                served.add(entry.pk)
            except ConflictError:
                # Cancelled, or planned by another run, since the problem was built: the gate's
                # compare-and-swap refused it, so it leaves this plan instead of being planned twice.
                PlanParcel.objects.filter(pk=entry.pk).update(stop=None)
                lost += 1
        if lost:
            PlannedStop.objects.filter(pk=stop.pk).update(delivered_parcels=F("delivered_parcels") - lost)
    return served


def _unplan(entries: Iterable[PlanParcel], *, region_plan: RegionPlan) -> None:
    for entry in entries:
        if entry.parcel.status != Parcel.Status.PLANNED:
            continue
        try:
            parcel_transition(
                parcel=entry.parcel,
                to=Parcel.Status.AT_DC,
                actor_label=ACTOR,
                changes={"expected_arrival": None},
                details={"run": region_plan.run_id, "region": region_plan.pk, "reason": "deferred"},
            )
        except ConflictError:
            pass  # it moved on (cancelled) meanwhile; nothing of ours to undo


def plan_refresh_totals(*, region_plan: RegionPlan, solve_seconds: float | None = None) -> None:
    routes = list(region_plan.routes.select_related("vehicle").prefetch_related("stops"))
    stops = [s for r in routes for s in r.stops.all()]
    capacity = sum(r.vehicle.volume_capacity for r in routes)
    region_plan.stops = len(stops)
    region_plan.parcels_out = sum(s.delivered_parcels for s in stops)
    region_plan.parcels_back = sum(s.collected_parcels for s in stops)
    region_plan.vehicles_used = len(routes)
    region_plan.distance_m = sum(r.distance_m for r in routes)
    region_plan.duration_s = sum(r.duration_s for r in routes)
    region_plan.load_factor = round(sum(r.peak_load_volume for r in routes) / capacity, 3) if capacity else None
    region_plan.unserved_stops = region_plan.unserved.count()
    fields = [
        "stops",
        "parcels_out",
        "parcels_back",
        "vehicles_used",
        "distance_m",
        "duration_s",
        "load_factor",
        "unserved_stops",
    ]
    if solve_seconds is not None:
        region_plan.solve_seconds = solve_seconds
        fields.append("solve_seconds")
    region_plan.save(update_fields=fields)
