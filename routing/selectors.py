"""Reads for the planner console: the day overview, a region's routes and map, a route's manifest."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from orders.lifecycle import AWAITING_COLLECTION
from orders.models import Parcel
from routing.models import BatchRun, HeldParcel, PlannedRoute, PlannedStop, PlanParcel, RegionPlan, UnservedStop
from routing.services import wording
from stores.models import DistributionCenter

# Route colours on the map and beside the stop lists; distinct for the colour-blind (Okabe-Ito + a few).
ROUTE_COLOURS = [
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#8C564B",
    "#7F7F7F",
    "#BCBD22",
]

# A delivery that left the plan (cancelled, or planned elsewhere since) is not on the truck.
ON_BOARD = (
    Parcel.Status.PLANNED,
    Parcel.Status.IN_TRANSIT,
    Parcel.Status.AT_STORE,
    Parcel.Status.EXPIRED,
    Parcel.Status.RETURN_IN_TRANSIT,
)


def route_colour(number: int) -> str:
    return ROUTE_COLOURS[(number - 1) % len(ROUTE_COLOURS)]


def run_for(dc: DistributionCenter, day: date) -> BatchRun | None:
    return BatchRun.objects.filter(dc=dc, plan_date=day).select_related("dc", "started_by").first()


def runs_for(dc: DistributionCenter) -> QuerySet[BatchRun]:
    return BatchRun.objects.filter(dc=dc).order_by("-plan_date").prefetch_related(_SOLVE_TIMES)


_SOLVE_TIMES = Prefetch(
    "region_plans", queryset=RegionPlan.objects.only("run_id", "solve_started_at", "solve_finished_at")
)


def solving_seconds(intervals: list[tuple[datetime | None, datetime | None]]) -> float:
    """How long something was being solved: the union of the (start, finish) intervals, so regions
    solved side by side count once and the hours between a run and a region's later re-run not at all.
    An interval not finished since it last started (a region solving now) is left out."""
    spans = sorted((start, end) for start, end in intervals if start and end and end >= start)
    total, reach = 0.0, None
    for start, end in spans:
        if reach is None or start > reach:
            total += (end - start).total_seconds()
            reach = end
        elif end > reach:
            total += (end - reach).total_seconds()
            reach = end
    return total


def run_solving_seconds(run: BatchRun) -> float | None:
    """The run's real solving time (None until it has finished): its regions' solves, side by side
    counted once. A run's finish moves to the end of any later re-run of a region, so the time between
    its start and its finish can be hours that nothing was solved."""
    if run.finished_at is None:
        return None
    return solving_seconds([(rp.solve_started_at, rp.solve_finished_at) for rp in run.region_plans.all()])


@dataclass
class DayOverview:
    run: BatchRun | None
    region_plans: list[RegionPlan]
    previous_run: BatchRun | None
    previous: dict[int, RegionPlan]  # region id -> the day before's plan
    done: int = 0
    totals: dict = field(default_factory=dict)
    solving_seconds: float | None = None  # once the run has finished

    @property
    def total(self) -> int:
        return len(self.region_plans)


def day_overview(dc: DistributionCenter, day: date) -> DayOverview:
    run = run_for(dc, day)
    plans = []
    if run:
        plans = list(
            run.region_plans.select_related("region")
            .prefetch_related(Prefetch("unserved", queryset=UnservedStop.objects.select_related("store")))
            .order_by("region__code")
        )
    previous_run = BatchRun.objects.filter(dc=dc, plan_date__lt=day).order_by("-plan_date").first()
    previous = {}
    if previous_run:
        previous = {rp.region_id: rp for rp in previous_run.region_plans.select_related("region")}
    overview = DayOverview(run=run, region_plans=plans, previous_run=previous_run, previous=previous)
    overview.done = sum(1 for rp in plans if rp.status in RegionPlan.FINISHED)
    overview.totals = _totals(plans)
    if run and run.finished_at:
        overview.solving_seconds = solving_seconds([(rp.solve_started_at, rp.solve_finished_at) for rp in plans])
    for rp in plans:
        rp.previous = previous.get(rp.region_id)
        rp.error_text = wording.failure_text(rp) if rp.error else ""
        for unserved in rp.unserved.all():
            unserved.reason_text = wording.reason_text(unserved.reason, wording.NO_NAMES)
    return overview


def _totals(plans) -> dict:
    keys = ["stops", "parcels_out", "parcels_back", "vehicles_used", "distance_m", "duration_s", "unserved_stops"]
    return {key: sum(getattr(rp, key) for rp in plans) for key in keys}


def region_plan_for(run: BatchRun, region_code: str) -> RegionPlan | None:
    return run.region_plans.select_related("region", "run__dc", "approved_by").filter(region__code=region_code).first()


def region_routes(region_plan: RegionPlan) -> list[PlannedRoute]:
    """The routes with their stops (store, parcel counts, per-stop problems) and load counts in two queries."""
    deliveries = Q(stops__parcels__kind=PlanParcel.Kind.DELIVER)
    routes = list(
        region_plan.routes.select_related("vehicle", "dispatched_by")
        .prefetch_related(Prefetch("stops", queryset=PlannedStop.objects.select_related("store").order_by("position")))
        # What the dock has scanned onto each truck, for the dispatch button's decision.
        .annotate(
            to_load=Count("stops__parcels", filter=deliveries),
            loaded=Count("stops__parcels", filter=deliveries & Q(stops__parcels__loaded_at__isnull=False)),
        )
    )
    for route in routes:
        route.colour = route_colour(route.number)
        route.stop_list = list(route.stops.all())
        for stop in route.stop_list:
            stop.problems = stop_problems(route, stop)
        route.problems = [p for s in route.stop_list for p in s.problems]
        if route.end_s > _seconds(route.vehicle.shift_end):
            route.problems.append(_("back after the driver's shift ends"))
    return routes


def _seconds(moment) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def stop_problems(route: PlannedRoute, stop: PlannedStop) -> list[str]:
    """What is wrong at this stop as recorded (moves are checked before saving, so normally nothing)."""
    problems = []
    window = (_seconds(stop.store.receiving_start), _seconds(stop.store.receiving_end))
    if not window[0] <= stop.service_start_s <= window[1]:
        problems.append(_("arrives outside the receiving window"))
    if stop.load_volume > route.vehicle.volume_capacity or stop.load_kg > route.vehicle.kg_capacity:
        problems.append(_("over the vehicle's capacity"))
    return problems


def map_data(region_plan: RegionPlan, routes: list[PlannedRoute]) -> dict:
    return _map(
        region_plan.run.dc,
        [_map_route(r, r.stop_list) for r in routes],
        region_plan.unserved.select_related("store"),
    )


def day_map_data(run: BatchRun) -> dict:
    """Every route of the day on one map, in the shape of a region's, each route named with its region.
    Each region numbers its routes from 1, so here the colours run on across the day, apart on one map."""
    stops = (
        PlannedStop.objects.filter(route__region_plan__run=run)
        .select_related("store", "route__vehicle", "route__region_plan__region")
        .order_by("route__region_plan__region__code", "route__number", "position")
    )
    by_route: dict[PlannedRoute, list[PlannedStop]] = {}
    for stop in stops:
        by_route.setdefault(stop.route, []).append(stop)
    return _map(
        run.dc,
        [
            _map_route(route, route_stops, region=route.region_plan.region.code, colour=route_colour(n))
            for n, (route, route_stops) in enumerate(by_route.items(), start=1)
        ],
        UnservedStop.objects.filter(region_plan__run=run).select_related("store"),
    )


def _map(dc: DistributionCenter, routes: list[dict], unserved) -> dict:
    return {
        "dc": {"lat": float(dc.latitude), "lon": float(dc.longitude), "label": dc.code},
        "routes": routes,
        "unserved": [
            {"lat": float(u.store.latitude), "lon": float(u.store.longitude), "label": f"{u.store.code}: {u.reason}"}
            for u in unserved
        ],
    }


def _map_route(route: PlannedRoute, stops: list[PlannedStop], region: str = "", colour: str = "") -> dict:
    return {
        "number": route.number,
        "region": region,
        "colour": colour or route_colour(route.number),
        "vehicle": route.vehicle.name,
        "stops": [
            {
                "lat": float(s.store.latitude),
                "lon": float(s.store.longitude),
                "position": s.position,
                "label": f"{s.store.code} {s.store.name}",
            }
            for s in stops
        ],
    }


@dataclass
class ManifestStop:
    stop: PlannedStop
    drops: list[Parcel]
    collects: list[Parcel]


def manifest_stops(route: PlannedRoute) -> list[ManifestStop]:
    entries = PlanParcel.objects.filter(stop__route=route).select_related("parcel").order_by("parcel__tracking_number")
    by_stop: dict[int, dict[str, list[Parcel]]] = defaultdict(lambda: {"deliver": [], "collect": []})
    for entry in entries:
        if entry.kind == PlanParcel.Kind.DELIVER and entry.parcel.status not in ON_BOARD:
            continue
        by_stop[entry.stop_id][entry.kind].append(entry.parcel)
    stops = route.stops.select_related("store").order_by("position")
    return [ManifestStop(stop=s, drops=by_stop[s.pk]["deliver"], collects=by_stop[s.pk]["collect"]) for s in stops]


def plan_rows(run: BatchRun, region_plan: RegionPlan | None = None):
    """One row per parcel of the recorded plan, in driving order, for the CSV export."""
    entries = PlanParcel.objects.filter(run=run, stop__isnull=False).select_related(
        "parcel", "stop__store", "stop__route__vehicle", "region_plan__region"
    )
    if region_plan is not None:
        entries = entries.filter(region_plan=region_plan)
    entries = entries.order_by(
        "region_plan__region__code", "stop__route__number", "stop__position", "kind", "parcel__tracking_number"
    )
    for entry in entries:
        if entry.kind == PlanParcel.Kind.DELIVER and entry.parcel.status not in ON_BOARD:
            continue
        yield entry


def held_counts(run: BatchRun, region_id: int | None = None) -> list[tuple[str, int]]:
    """(reason label, parcels) the run held back at the DC, in one region or (None) in all."""
    held = HeldParcel.objects.filter(run=run)
    if region_id is not None:
        held = held.filter(region_id=region_id)
    rows = held.values_list("reason").annotate(n=Count("id")).order_by("reason")
    return [(HeldParcel.Reason(reason).label, n) for reason, n in rows]


def held_parcels(run: BatchRun, region_id: int):
    """The run's deferrals in the region (not the parcels simply waiting for their day), latest pickup day first."""
    return (
        HeldParcel.objects.filter(run=run, region_id=region_id)
        .exclude(reason=HeldParcel.Reason.WAITING_FOR_PICKUP_DAY)
        .select_related("parcel", "store")
        .order_by("-pickup_day", "-parcel_id")
    )


# A drop the store has scanned in: it reached the shelf, whatever happened to it since.
SCANNED_IN = (
    Parcel.Status.AT_STORE,
    Parcel.Status.PICKED_UP,
    Parcel.Status.EXPIRED,
    Parcel.Status.RETURN_IN_TRANSIT,
    Parcel.Status.RETURNED,
)


@dataclass
class DriverStop:
    stop: PlannedStop
    drops: list[Parcel]
    collects: list[Parcel]
    eta: datetime  # the planned start of the hand-over, in the store's zone

    @property
    def scanned_in(self) -> int:
        return sum(1 for p in self.drops if p.status in SCANNED_IN)

    @property
    def sent_back(self) -> int:
        return sum(1 for p in self.drops if p.status == Parcel.Status.AT_DC)

    @property
    def handed_over(self) -> int:
        """Returns the clerk has scanned out to the driver."""
        return sum(1 for p in self.collects if p.status not in AWAITING_COLLECTION)

    @property
    def state(self) -> str:
        if self.stop.not_served_at:
            return "not_served"
        if self.stop.left_at:
            return "left"
        if self.stop.arrived_at:
            return "arrived"
        return "ahead"


def driver_stops(route: PlannedRoute) -> list[DriverStop]:
    """The route's stops in driving order with what to drop and collect at each, as they are now
    (the store's scan-in shows as it happens): two queries."""
    run = route.region_plan.run
    stops = list(route.stops.select_related("store").order_by("position"))
    by_stop: dict[int, dict[str, list[Parcel]]] = defaultdict(lambda: {"deliver": [], "collect": []})
    not_served = {s.pk for s in stops if s.not_served_at}
    entries = PlanParcel.objects.filter(stop__route=route).select_related("parcel").order_by("parcel__tracking_number")
    for entry in entries:
        status = entry.parcel.status
        # A drop is on the truck once in transit; one back at the DC was sent back from a stop not served
        # (or never loaded, and so not the driver's); one cancelled or still planned never left.
        if entry.kind == PlanParcel.Kind.DELIVER and not (
            status == Parcel.Status.IN_TRANSIT
            or status in SCANNED_IN
            or (status == Parcel.Status.AT_DC and entry.stop_id in not_served)
        ):
            continue
        by_stop[entry.stop_id][entry.kind].append(entry.parcel)
    return [
        DriverStop(
            stop=s,
            drops=by_stop[s.pk]["deliver"],
            collects=by_stop[s.pk]["collect"],
            eta=run.at(s.service_start_s).astimezone(s.store.tz),
        )
        for s in stops
    ]


def driver_routes(dcs, day: date) -> QuerySet[PlannedRoute]:
    """The dispatched routes of `dcs` from `day` on (a truck may leave the evening before its plan
    day), for a driver to pick theirs."""
    return (
        PlannedRoute.objects.filter(
            region_plan__run__dc__in=dcs, region_plan__run__plan_date__gte=day, dispatched_at__isnull=False
        )
        .select_related("vehicle", "region_plan__region", "region_plan__run__dc")
        .order_by("region_plan__run__plan_date", "region_plan__run__dc__code", "region_plan__region__code", "number")
    )
