"""The problem and the solution: the dataclasses `solve` takes and returns, and the problem's checks.

Units, everywhere in the engine:

- times are integer **seconds since midnight of the plan day** (a shift may run past 86 400);
- distances are integer **metres**, travel times integer seconds (see `TravelMatrix`);
- volumes are in the planner's volume units and weights in kg, as floats. Inside the model they are
  scaled by `LOAD_SCALE` to integers, demands rounded up and capacities down, so rounding can only
  make the model stricter: a plan the model accepts never overloads a truck.

The objective is metres driven plus the fixed cost of every vehicle used (fixed costs are expressed in
the same unit, metres). Serving a stop always beats leaving it out: a stop is dropped only when no
vehicle can take it, and is then reported in `Solution.unserved` with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

DAY_S = 86_400
# Travel time / distance for a pair of places with no road route between them (e.g. OSRM "null").
UNREACHABLE = 10**9
LOAD_SCALE = 1000
# Tolerance for float noise such as 1.1 * 1000 == 1100.0000000000002 when scaling loads.
_SCALE_EPS = 1e-6

REASON_NO_VEHICLE = "no vehicle available: none given, or no shift overlaps the depot's hours"
REASON_OVER_CAPACITY = "load exceeds the capacity of every vehicle"
REASON_NO_COMPARTMENT = "no vehicle has a big enough compartment for its chilled/frozen goods"
REASON_COLD_RIDE = "its chilled/frozen goods would be on board longer than allowed, even on a route of its own"
REASON_NO_ROAD = "no road route between the depot and the stop"
REASON_WINDOW = "receiving window cannot be reached from the depot within any vehicle's shift"
REASON_SHIFT = "cannot be served and brought back to the depot within any vehicle's shift"
REASON_FLEET_FULL = "no capacity/time left on available vehicles"
REASON_NO_SOLUTION = "the search found no plan within its time limit"


class ProblemError(ValueError):
    """The problem is malformed, or a locked route cannot be driven. The message names the culprit."""


@dataclass(frozen=True)
class Depot:
    id: str
    opens: int = 0
    closes: int = DAY_S


@dataclass(frozen=True)
class Stop:
    """A store to visit. The receiving window bounds the *start* of service; None means 24 hours.

    `deliver_volume` / `collect_volume` are ambient goods; chilled and frozen goods have volumes of
    their own, each carried only in the truck's compartment of that class. Weights and parcel counts
    cover every class.
    """

    id: str
    deliver_volume: float = 0.0
    deliver_kg: float = 0.0
    deliver_parcels: int = 0
    collect_volume: float = 0.0
    collect_kg: float = 0.0
    collect_parcels: int = 0
    window: tuple[int, int] | None = None
    service_fixed_s: int = 0
    service_per_parcel_s: int = 0
    deliver_chilled_volume: float = 0.0
    deliver_frozen_volume: float = 0.0
    collect_chilled_volume: float = 0.0
    collect_frozen_volume: float = 0.0

    @property
    def delivers_cold(self) -> bool:
        return self.deliver_chilled_volume > 0 or self.deliver_frozen_volume > 0

    @property
    def collects_cold(self) -> bool:
        return self.collect_chilled_volume > 0 or self.collect_frozen_volume > 0

    @property
    def service_s(self) -> int:
        return self.service_fixed_s + self.service_per_parcel_s * (self.deliver_parcels + self.collect_parcels)


@dataclass(frozen=True)
class Vehicle:
    """A truck and its driver's shift: it leaves the depot no earlier than `shift_start` (and not
    before the depot opens) and is back no later than `shift_end` (and before the depot closes).

    Its compartments: `volume_capacity` is the ambient one; a chilled or frozen capacity of 0 means
    the truck has no such compartment and carries no goods of that class. `kg_capacity` is the
    truck's payload over all of them."""

    id: str
    volume_capacity: float
    kg_capacity: float
    shift_start: int = 0
    shift_end: int = DAY_S
    fixed_cost: int = 0
    chilled_volume_capacity: float = 0.0
    frozen_volume_capacity: float = 0.0


@dataclass(frozen=True)
class TravelMatrix:
    """Square matrices over places: index 0 is the depot, index i is `Problem.stops[i - 1]`."""

    durations: Sequence[Sequence[int]]
    distances: Sequence[Sequence[int]]


@dataclass(frozen=True)
class Problem:
    depot: Depot
    stops: Sequence[Stop]
    vehicles: Sequence[Vehicle]
    matrix: TravelMatrix
    # The planner's fixed routes: vehicle id -> stop ids in driving order. Kept exactly as given.
    locked_routes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # The longest a chilled or frozen parcel may be on board: a delivery from leaving the depot to
    # the start of its stop's service, a return from leaving its stop to arriving at the depot.
    # None: no limit.
    max_cold_ride_s: int | None = None

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True)
class SearchParams:
    """How hard to search. `time_limit_s` bounds the whole solve, building the model included; with
    `solution_limit` set the result depends only on the input and `seed` (the time limit must then be
    generous enough not to cut in). `workers` > 1 runs that many searches in parallel processes with
    different strategies and keeps the best; large problems search in rounds, each with its share of
    the time and of the solution limit, every worker starting a round from the best plan so far.

    With `workers` > 1 the limit is hard: a worker that has not answered `overrun_slack(time_limit_s)`
    after the limit is killed and its plan is lost, so `solve` returns by then (plus the milliseconds
    it takes to write out the plan). A single worker searches in the caller's process, where native
    code cannot be interrupted: it relies on OR-Tools honouring the limit, which it does between
    search steps; callers that need a hard bound there use `routing.engine.solve_isolated`.

    `engine` chooses the search: "ortools" (the searches above), "pyvrp" (PyVRP's iterated local
    search alone, in this process) or "portfolio" (both at once, the OR-Tools search in worker
    processes beside PyVRP, and their routes recombined; see routing.engine.portfolio).
    """

    time_limit_s: float = 30.0
    seed: int = 0
    solution_limit: int | None = None
    workers: int = 1
    engine: str = "ortools"

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ProblemError(f"engine: must be one of {', '.join(ENGINES)}, not {self.engine!r}")


ENGINES = ("ortools", "pyvrp", "portfolio")


def overrun_slack(time_limit_s: float) -> float:
    """How long past its time limit a parallel worker may take to stop searching, return its plan and
    have it received: OR-Tools finishes the search step it is in, then the plan is pickled back."""
    return 1.0 + 0.05 * time_limit_s


@dataclass(frozen=True)
class Visit:
    stop_id: str
    arrival: int
    service_start: int
    departure: int
    load_volume: float  # on board after the stop
    load_kg: float
    delivered_parcels: int
    collected_parcels: int
    load_chilled_volume: float = 0.0
    load_frozen_volume: float = 0.0


@dataclass(frozen=True)
class Route:
    vehicle_id: str
    visits: tuple[Visit, ...]
    start: int  # leaves the depot
    end: int  # back at the depot
    start_load_volume: float
    start_load_kg: float
    distance_m: int
    locked: bool = False
    start_load_chilled_volume: float = 0.0
    start_load_frozen_volume: float = 0.0

    @property
    def duration_s(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Unserved:
    stop_id: str
    reason: str


@dataclass(frozen=True)
class Solution:
    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...]
    objective: int  # metres driven + fixed costs of the vehicles used
    search_seconds: float

    @property
    def total_distance_m(self) -> int:
        return sum(route.distance_m for route in self.routes)

    @property
    def total_duration_s(self) -> int:
        return sum(route.duration_s for route in self.routes)


# --- validation -------------------------------------------------------------------------------


def _validate(problem: Problem) -> None:
    ids = [s.id for s in problem.stops]
    if len(set(ids)) != len(ids):
        raise ProblemError("stops: duplicate stop id")
    if len({v.id for v in problem.vehicles}) != len(problem.vehicles):
        raise ProblemError("vehicles: duplicate vehicle id")
    if problem.depot.opens > problem.depot.closes:
        raise ProblemError("depot: opens after it closes")
    for s in problem.stops:
        negative_load = min(amount for pair in stop_loads(s) for amount in pair) < 0
        if negative_load or min(s.deliver_parcels, s.collect_parcels) < 0:
            raise ProblemError(f"stop {s.id}: negative load")
        if s.window is not None and not 0 <= s.window[0] <= s.window[1]:
            raise ProblemError(f"stop {s.id}: window must be (start, end) with 0 <= start <= end")
        if min(s.service_fixed_s, s.service_per_parcel_s) < 0:
            raise ProblemError(f"stop {s.id}: negative service time")
    for v in problem.vehicles:
        if min(vehicle_capacities(v)) < 0 or v.fixed_cost < 0:
            raise ProblemError(f"vehicle {v.id}: negative capacity or fixed cost")
        if v.shift_start > v.shift_end:
            raise ProblemError(f"vehicle {v.id}: shift ends before it starts")
    if problem.max_cold_ride_s is not None and problem.max_cold_ride_s < 0:
        raise ProblemError("max_cold_ride_s: must not be negative")
    size = len(problem.stops) + 1
    for name in ("durations", "distances"):
        rows = getattr(problem.matrix, name)
        if len(rows) != size or any(len(row) != size for row in rows):
            raise ProblemError(f"matrix.{name}: must be {size}x{size} (depot + {size - 1} stops)")
    known_vehicles = {v.id for v in problem.vehicles}
    seen: set[str] = set()
    for vehicle_id, stop_ids in problem.locked_routes.items():
        if vehicle_id not in known_vehicles:
            raise ProblemError(f"locked_routes: unknown vehicle {vehicle_id}")
        for stop_id in stop_ids:
            if stop_id not in ids:
                raise ProblemError(f"locked_routes[{vehicle_id}]: unknown stop {stop_id}")
            if stop_id in seen:
                raise ProblemError(f"locked_routes[{vehicle_id}]: stop {stop_id} is locked twice")
            seen.add(stop_id)


# --- loads, kind by kind ----------------------------------------------------------------------

# What a truck carries, each kept within its own capacity: three compartments, and the payload.
LOAD_KINDS = ("volume", "chilled volume", "frozen volume", "kg")


def stop_loads(stop: Stop) -> tuple[tuple[float, float], ...]:
    """(delivered, collected) at the stop, in the order of LOAD_KINDS."""
    return (
        (stop.deliver_volume, stop.collect_volume),
        (stop.deliver_chilled_volume, stop.collect_chilled_volume),
        (stop.deliver_frozen_volume, stop.collect_frozen_volume),
        (stop.deliver_kg, stop.collect_kg),
    )


def vehicle_capacities(vehicle: Vehicle) -> tuple[float, ...]:
    return (
        vehicle.volume_capacity,
        vehicle.chilled_volume_capacity,
        vehicle.frozen_volume_capacity,
        vehicle.kg_capacity,
    )


def scaled_demand(x: float) -> int:
    return math.ceil(x * LOAD_SCALE - _SCALE_EPS)


def scaled_capacity(x: float) -> int:
    return math.floor(x * LOAD_SCALE + _SCALE_EPS)
