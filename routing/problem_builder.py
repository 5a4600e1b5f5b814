"""Django rows in, solver dataclasses out: the only place that knows both.

Stop ids are store primary keys and vehicle ids vehicle primary keys, as strings. Times are seconds
since midnight of the plan day in the DC's time zone; a store in another zone has its receiving
window moved into the DC's clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings

from orders.lifecycle import AWAITING_COLLECTION
from orders.models import Parcel
from routing import engine, travel
from routing.models import PlanParcel, RegionPlan
from stores.models import COLD_CLASSES, DistributionCenter, Store, TemperatureClass, Vehicle

# Parking, walking in and signing for the delivery, then a scan per parcel.
SERVICE_FIXED_S = 300
SERVICE_PER_PARCEL_S = 30
# Vehicle fixed costs are TWD a day; the solver weighs them against metres driven. At about
# 10 TWD per km a day's van costs as much as 120 km of driving.
METRES_PER_TWD = 100


COLD_VEHICLE_FIELDS = ("chilled_volume_capacity", "frozen_volume_capacity")


@dataclass(frozen=True)
class RegionProblem:
    problem: engine.Problem
    stores: dict[str, Store]
    vehicles: dict[str, Vehicle]
    # Parcel entries per stop id, so a recorded solution knows which parcels each stop carries.
    entries: dict[str, list[PlanParcel]]


def seconds_of_day(day: date, moment: time, tz, dc_tz) -> int:
    """`moment` on `day` in zone `tz`, as seconds since midnight of `day` in the DC's zone."""
    local = datetime.combine(day, moment, tzinfo=tz)
    return round((local - datetime.combine(day, time(0), tzinfo=dc_tz)).total_seconds())


def open_entries(region_plan: RegionPlan) -> list[PlanParcel]:
    """The plan's parcels that can still travel: deliveries at the DC or planned by this plan
    (a delivery planned elsewhere, or cancelled, has left it) and parcels still on a shelf to collect."""
    entries = PlanParcel.objects.filter(region_plan=region_plan).select_related(
        "parcel__order__merchant", "parcel__order__pickup_store", "store"
    )
    return [e for e in entries if _still_open(e)]


def _still_open(entry: PlanParcel) -> bool:
    status = entry.parcel.status
    if entry.kind == PlanParcel.Kind.COLLECT:
        return status in AWAITING_COLLECTION
    return status == Parcel.Status.AT_DC or (status == Parcel.Status.PLANNED and entry.stop_id is not None)


def build_region_problem(region_plan: RegionPlan, *, locked: bool = True) -> RegionProblem:
    """The region's whole problem: every open parcel, its available vehicles, its locked routes."""
    run = region_plan.run
    entries = open_entries(region_plan)
    vehicles = [v for v in region_plan.vehicles.all() if v.active]
    locked_routes: dict[str, list[str]] = {}
    if locked:
        available = {v.pk for v in vehicles}
        for route in region_plan.routes.filter(locked=True).prefetch_related("stops"):
            if route.vehicle_id in available:
                locked_routes[str(route.vehicle_id)] = [str(s.store_id) for s in route.stops.all()]
    return build_problem(
        dc=run.dc,
        day=run.plan_date,
        entries=entries,
        vehicles=vehicles,
        condition_factor=region_plan.effective_condition_factor,
        locked_routes=locked_routes,
    )


def build_problem(
    *,
    dc: DistributionCenter,
    day: date,
    entries: Iterable[PlanParcel],
    vehicles: Sequence[Vehicle],
    condition_factor: float,
    locked_routes: Mapping[str, Sequence[str]] | None = None,
    only_stores: Iterable[int] | None = None,
) -> RegionProblem:
    by_store: dict[str, list[PlanParcel]] = defaultdict(list)
    stores: dict[str, Store] = {}
    keep = None if only_stores is None else {str(pk) for pk in only_stores}
    for entry in entries:
        key = str(entry.store_id)
        if keep is not None and key not in keep:
            continue
        by_store[key].append(entry)
        stores[key] = entry.store
    ids = sorted(by_store, key=int)
    stops = [_stop(day, dc, stores[key], by_store[key]) for key in ids]
    fleet = [_vehicle(day, dc, v) for v in vehicles]
    points = [(float(dc.latitude), float(dc.longitude))] + [
        (float(stores[k].latitude), float(stores[k].longitude)) for k in ids
    ]
    span = (min((v.shift_start for v in fleet), default=0), max((v.shift_end for v in fleet), default=engine.DAY_S))
    problem = engine.Problem(
        max_cold_ride_s=settings.PICKUP_COLD_MAX_ON_BOARD_MINUTES * 60,
        depot=engine.Depot(
            "dc", opens=seconds_of_day(day, dc.opens, dc.tz, dc.tz), closes=seconds_of_day(day, dc.closes, dc.tz, dc.tz)
        ),
        stops=stops,
        vehicles=fleet,
        matrix=travel_matrix(points, day=day, driving_span=span, condition_factor=condition_factor),
        locked_routes=dict(locked_routes or {}),
    )
    return RegionProblem(
        problem=problem, stores=stores, vehicles={str(v.pk): v for v in vehicles}, entries=dict(by_store)
    )


def travel_matrix(points, *, day: date, driving_span: tuple[int, int], condition_factor: float) -> engine.TravelMatrix:
    if settings.OSRM_URL:
        return travel.OsrmClient(settings.OSRM_URL).matrix(points, day=day, condition_factor=condition_factor)
    return travel.estimate_matrix(points, driving_span=driving_span, condition_factor=condition_factor)


def _volume(entries: list[PlanParcel], temperature_class: str) -> float:
    return float(sum(e.volume_units for e in entries if e.parcel.temperature_class == temperature_class))


def _stop(day: date, dc: DistributionCenter, store: Store, entries: list[PlanParcel]) -> engine.Stop:
    """One stop per store: `*_volume` is the ambient space and each cold class has its own compartment."""
    out = [e for e in entries if e.kind == PlanParcel.Kind.DELIVER]
    back = [e for e in entries if e.kind == PlanParcel.Kind.COLLECT]
    cold = {
        f"{way}_{c}_volume": _volume(group, c)
        for way, group in (("deliver", out), ("collect", back))
        for c in COLD_CLASSES
    }
    return engine.Stop(
        **cold,
        id=str(store.pk),
        deliver_volume=_volume(out, TemperatureClass.AMBIENT),
        deliver_kg=sum(e.weight_g for e in out) / 1000,
        deliver_parcels=len(out),
        collect_volume=_volume(back, TemperatureClass.AMBIENT),
        collect_kg=sum(e.weight_g for e in back) / 1000,
        collect_parcels=len(back),
        window=(
            seconds_of_day(day, store.receiving_start, store.tz, dc.tz),
            seconds_of_day(day, store.receiving_end, store.tz, dc.tz),
        ),
        service_fixed_s=SERVICE_FIXED_S,
        service_per_parcel_s=SERVICE_PER_PARCEL_S,
    )


def _vehicle(day: date, dc: DistributionCenter, vehicle: Vehicle) -> engine.Vehicle:
    compartments = {name: float(getattr(vehicle, name)) for name in COLD_VEHICLE_FIELDS}
    return engine.Vehicle(
        **compartments,
        id=str(vehicle.pk),
        volume_capacity=float(vehicle.volume_capacity),
        kg_capacity=float(vehicle.kg_capacity),
        shift_start=seconds_of_day(day, vehicle.shift_start, dc.tz, dc.tz),
        shift_end=seconds_of_day(day, vehicle.shift_end, dc.tz, dc.tz),
        fixed_cost=vehicle.fixed_cost * METRES_PER_TWD,
    )


def peak_volume(route: engine.Route) -> float:
    return max([route.start_load_volume, *(v.load_volume for v in route.visits)])
