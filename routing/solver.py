"""Delivery-and-return route planning on OR-Tools, with no Django in sight.

Dataclasses in, dataclasses out. Units, everywhere in this module:

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
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ortools.constraint_solver import pywrapcp

    from routing.isolation import Workers

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
    search steps; callers that need a hard bound there use `routing.isolation.solve_isolated`.
    """

    time_limit_s: float = 30.0
    seed: int = 0
    solution_limit: int | None = None
    workers: int = 1


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


def solve(problem: Problem, params: SearchParams = SearchParams()) -> Solution:
    """Plan the routes. Never raises for stops that cannot be served; raises `ProblemError` only for
    a locked route that cannot be driven as given."""
    started = time.monotonic()
    fleet = [v for v in problem.vehicles if _can_leave(problem, v)]
    locked = _locked_nodes(problem, fleet)
    locked_nodes = {node for nodes in locked.values() for node in nodes}
    reasons: dict[int, str] = {}
    for node in range(1, len(problem.stops) + 1):
        if node not in locked_nodes:
            reason = _unservable_reason(problem, fleet, node)
            if reason:
                reasons[node] = reason
    candidates = [n for n in range(1, len(problem.stops) + 1) if n not in reasons]

    if all(node in locked_nodes for node in candidates):
        # Nothing left to choose: the locked routes are the plan.
        best: dict[int, list[int]] | None = {k: locked[v.id] for k, v in enumerate(fleet) if v.id in locked}
    else:
        # Imported here: routing.isolation runs solves, so it imports this module at its top.
        from routing.isolation import Workers

        deadline = started + params.time_limit_s
        with Workers() as children:
            best = _best_of_portfolio(problem, fleet, locked, candidates, params, deadline, children)

    routes = []
    served: set[int] = set()
    if best is not None:
        for index, nodes in sorted(best.items()):
            if not nodes:
                continue
            vehicle = fleet[index]
            route = _drive(problem, vehicle, nodes)
            if isinstance(route, str):
                raise RuntimeError(f"solver returned a route it should have rejected: {route}")
            routes.append(replace(route, locked=vehicle.id in locked))
            served.update(nodes)
    fallback = REASON_FLEET_FULL if best is not None else REASON_NO_SOLUTION
    unserved = tuple(
        Unserved(problem.stops[n - 1].id, reasons.get(n, fallback))
        for n in range(1, len(problem.stops) + 1)
        if n not in served
    )
    objective = sum(r.distance_m for r in routes) + sum(
        v.fixed_cost for v in fleet if any(r.vehicle_id == v.id for r in routes)
    )
    return Solution(tuple(routes), unserved, objective, round(time.monotonic() - started, 3))


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
        if min(amount for pair in _loads(s) for amount in pair) < 0 or min(s.deliver_parcels, s.collect_parcels) < 0:
            raise ProblemError(f"stop {s.id}: negative load")
        if s.window is not None and not 0 <= s.window[0] <= s.window[1]:
            raise ProblemError(f"stop {s.id}: window must be (start, end) with 0 <= start <= end")
        if min(s.service_fixed_s, s.service_per_parcel_s) < 0:
            raise ProblemError(f"stop {s.id}: negative service time")
    for v in problem.vehicles:
        if min(_capacities(v)) < 0 or v.fixed_cost < 0:
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


def _locked_nodes(problem: Problem, fleet: list[Vehicle]) -> dict[str, list[int]]:
    """Locked routes as matrix nodes, each checked to be drivable as given."""
    node_of = {s.id: i for i, s in enumerate(problem.stops, start=1)}
    usable = {v.id: v for v in fleet}
    locked = {}
    for vehicle_id, stop_ids in problem.locked_routes.items():
        if not stop_ids:
            continue
        if vehicle_id not in usable:
            raise ProblemError(f"locked route of vehicle {vehicle_id}: its shift misses the depot's hours")
        nodes = [node_of[s] for s in stop_ids]
        driven = _drive(problem, usable[vehicle_id], nodes)
        if isinstance(driven, str):
            raise ProblemError(f"locked route of vehicle {vehicle_id} cannot be driven: {driven}")
        locked[vehicle_id] = nodes
    return locked


# --- loads and schedules (shared by the pre-checks, the lock check and the output) ---------------


# What a truck carries, each kept within its own capacity: three compartments, and the payload.
_LOADS = ("volume", "chilled volume", "frozen volume", "kg")


def _loads(stop: Stop) -> tuple[tuple[float, float], ...]:
    """(delivered, collected) at the stop, in the order of _LOADS."""
    return (
        (stop.deliver_volume, stop.collect_volume),
        (stop.deliver_chilled_volume, stop.collect_chilled_volume),
        (stop.deliver_frozen_volume, stop.collect_frozen_volume),
        (stop.deliver_kg, stop.collect_kg),
    )


def _capacities(vehicle: Vehicle) -> tuple[float, ...]:
    return (
        vehicle.volume_capacity,
        vehicle.chilled_volume_capacity,
        vehicle.frozen_volume_capacity,
        vehicle.kg_capacity,
    )


def _demand(x: float) -> int:
    return math.ceil(x * LOAD_SCALE - _SCALE_EPS)


def _capacity(x: float) -> int:
    return math.floor(x * LOAD_SCALE + _SCALE_EPS)


def _can_leave(problem: Problem, vehicle: Vehicle) -> bool:
    leave, back = _departure_window(problem, vehicle)
    return leave <= back


def _departure_window(problem: Problem, vehicle: Vehicle) -> tuple[int, int]:
    """When the vehicle may leave and must be back: its shift within the depot's opening hours."""
    return max(vehicle.shift_start, problem.depot.opens), min(vehicle.shift_end, problem.depot.closes)


def _drive(problem: Problem, vehicle: Vehicle, nodes: Sequence[int]) -> Route | str:
    """The route driven in this order, leaving as late as possible without waiting more than
    needed; or the reason it cannot be driven."""
    stops = [problem.stops[n - 1] for n in nodes]
    capacities = [_capacity(c) for c in _capacities(vehicle)]
    on_board = [sum(_demand(_loads(s)[k][0]) for s in stops) for k in range(len(_LOADS))]
    for stop in [*stops, None]:
        over = [name for name, load, cap in zip(_LOADS, on_board, capacities) if load > cap]
        if over:
            place = "on the way back" if stop is None else f"before stop {stop.id}"
            return f"over capacity of vehicle {vehicle.id} {place} ({', '.join(over)})"
        if stop is not None:
            for k, (delivered, collected) in enumerate(_loads(stop)):
                on_board[k] += _demand(collected) - _demand(delivered)

    earliest, latest_back = _departure_window(problem, vehicle)
    timing = _timing(problem, nodes, earliest)
    if isinstance(timing, str):
        return timing
    starts, back = timing
    if back > latest_back:
        return f"back at the depot at {_clock(back)}, after {_clock(latest_back)}"
    # Leaving later by `delay` shifts each service start by max(0, delay - waiting so far), so the
    # largest delay that keeps every window is bounded per stop; beyond the total waiting it would
    # only make the day longer.
    waited, delay = 0, None
    prev, clock = 0, earliest
    for node, start in zip(nodes, starts):
        stop = problem.stops[node - 1]
        waited += start - (clock + problem.matrix.durations[prev][node])
        if stop.window is not None:
            slack = stop.window[1] - start + waited
            delay = slack if delay is None else min(delay, slack)
        prev, clock = node, start + stop.service_s
    delay = waited if delay is None else min(delay, waited)
    leave = earliest + delay
    timing = _timing(problem, nodes, leave)
    assert not isinstance(timing, str)
    if _cold_overrun(problem, nodes, leave, timing) is not None:
        # Leaving late is the shortest day, not always the shortest ride for every cold parcel:
        # look for any schedule of this order that keeps them all within the limit.
        schedule = _schedule_within_ride_limit(problem, vehicle, nodes)
        if schedule is None:
            stop_id = _cold_overrun(problem, nodes, leave, timing)
            limit = problem.max_cold_ride_s
            return f"{_COLD_RIDE_OVERRUN} {limit // 60} min, for stop {stop_id}"
        leave, timing = schedule
    return _route(problem, vehicle, nodes, leave, timing)


_COLD_RIDE_OVERRUN = "chilled/frozen goods on board longer than"


def _cold_overrun(problem: Problem, nodes: Sequence[int], leave: int, timing: tuple[list[int], int]) -> str | None:
    """The first stop whose chilled/frozen goods ride longer than allowed on this schedule, if any."""
    limit = problem.max_cold_ride_s
    if limit is None:
        return None
    starts, back = timing
    for node, start in zip(nodes, starts):
        stop = problem.stops[node - 1]
        if stop.delivers_cold and start - leave > limit:
            return stop.id
        if stop.collects_cold and back - (start + stop.service_s) > limit:
            return stop.id
    return None


def _schedule_within_ride_limit(
    problem: Problem, vehicle: Vehicle, nodes: Sequence[int]
) -> tuple[int, tuple[list[int], int]] | None:
    """A schedule for this order that keeps every ride limit, or None if there is none.

    Every rule is a difference of two times (a simple temporal network): point 0 is midnight, 1 the
    departure, 2.. the service starts, the last the return. Of all feasible schedules it picks the
    earliest return, then the latest departure for it, then every stop as early as possible.
    """
    limit = problem.max_cold_ride_s
    assert limit is not None
    durations = problem.matrix.durations
    leave_point, back_point = 1, len(nodes) + 2
    earliest, latest_back = _departure_window(problem, vehicle)
    # (a, b, w): time[a] - time[b] <= w
    rules = [(0, leave_point, -earliest), (back_point, 0, latest_back)]
    prev_point, prev_node, prev_service = leave_point, 0, 0
    for point, node in enumerate(nodes, start=2):
        stop = problem.stops[node - 1]
        rules.append((prev_point, point, -(prev_service + durations[prev_node][node])))
        if stop.window is not None:
            rules += [(point, 0, stop.window[1]), (0, point, -stop.window[0])]
        if stop.delivers_cold:
            rules.append((point, leave_point, limit))
        if stop.collects_cold:
            rules.append((back_point, point, limit + stop.service_s))
        prev_point, prev_node, prev_service = point, node, stop.service_s
    # No waiting between the last stop and the depot: the return is fixed by the last departure.
    last_leg = prev_service + durations[prev_node][0]
    rules += [(prev_point, back_point, -last_leg), (back_point, prev_point, last_leg)]

    times = _earliest_times(back_point + 1, rules)
    if times is None:
        return None
    rules.append((back_point, 0, times[back_point]))
    leave = _latest_time(back_point + 1, rules, leave_point)
    rules += [(leave_point, 0, leave), (0, leave_point, -leave)]
    times = _earliest_times(back_point + 1, rules)
    assert times is not None
    return leave, (times[2:back_point], times[back_point])


def _earliest_times(points: int, rules: list[tuple[int, int, int]]) -> list[int] | None:
    """The earliest time of every point (point 0 at 0) under the rules, or None if they conflict.
    Bellman-Ford: time[b] >= time[a] - w, relaxed until nothing moves."""
    times = [0] * points
    for _ in range(points + 1):
        moved = False
        for a, b, w in rules:
            if times[a] - w > times[b]:
                times[b], moved = times[a] - w, True
        if not moved:
            return times if times[0] == 0 else None
    return None


def _latest_time(points: int, rules: list[tuple[int, int, int]], point: int) -> int:
    """The latest time `point` can take under rules known to be consistent: time[a] <= time[b] + w."""
    inf = math.inf
    times = [0] + [inf] * (points - 1)
    for _ in range(points + 1):
        moved = False
        for a, b, w in rules:
            if times[b] + w < times[a]:
                times[a], moved = times[b] + w, True
        if not moved:
            break
    return int(times[point])


def _timing(problem: Problem, nodes: Sequence[int], leave: int) -> tuple[list[int], int] | str:
    durations = problem.matrix.durations
    starts, prev, clock = [], 0, leave
    for node in nodes:
        stop = problem.stops[node - 1]
        if durations[prev][node] >= UNREACHABLE:
            return f"no road route to stop {stop.id}"
        arrival = clock + durations[prev][node]
        start = arrival if stop.window is None else max(arrival, stop.window[0])
        if stop.window is not None and start > stop.window[1]:
            closes = _clock(stop.window[1])
            return f"arrives at stop {stop.id} at {_clock(arrival)}, after its window closes at {closes}"
        starts.append(start)
        prev, clock = node, start + stop.service_s
    if durations[prev][0] >= UNREACHABLE:
        return "no road route back to the depot"
    return starts, clock + durations[prev][0]


def _route(
    problem: Problem, vehicle: Vehicle, nodes: Sequence[int], leave: int, timing: tuple[list[int], int]
) -> Route:
    starts, back = timing
    stops = [problem.stops[n - 1] for n in nodes]
    on_board = [sum(_loads(s)[k][0] for s in stops) for k in range(len(_LOADS))]
    start_load = [round(load, 6) for load in on_board]
    visits, prev, clock, distance = [], 0, leave, 0
    for node, stop, start in zip(nodes, stops, starts):
        for k, (delivered, collected) in enumerate(_loads(stop)):
            on_board[k] += collected - delivered
        volume, chilled, frozen, kg = (round(load, 6) for load in on_board)
        visits.append(
            Visit(
                stop_id=stop.id,
                arrival=clock + problem.matrix.durations[prev][node],
                service_start=start,
                departure=start + stop.service_s,
                load_volume=volume,
                load_kg=kg,
                delivered_parcels=stop.deliver_parcels,
                collected_parcels=stop.collect_parcels,
                load_chilled_volume=chilled,
                load_frozen_volume=frozen,
            )
        )
        distance += problem.matrix.distances[prev][node]
        prev, clock = node, start + stop.service_s
    distance += problem.matrix.distances[prev][0]
    return Route(
        vehicle_id=vehicle.id,
        visits=tuple(visits),
        start=leave,
        end=back,
        start_load_volume=start_load[0],
        start_load_kg=start_load[3],
        distance_m=distance,
        start_load_chilled_volume=start_load[1],
        start_load_frozen_volume=start_load[2],
    )


def _clock(seconds: int) -> str:
    day, rest = divmod(seconds, DAY_S)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"
    return text if day == 0 else f"{text} (+{day}d)"


def _unservable_reason(problem: Problem, fleet: list[Vehicle], node: int) -> str | None:
    """Why no vehicle could serve this stop even on a route of its own, or None if one could."""
    if not fleet:
        return REASON_NO_VEHICLE
    stop = problem.stops[node - 1]
    fitting = [v for v in fleet if not _over_capacity(v, stop)]
    if not fitting:
        needs = [max(_demand(d), _demand(c)) for d, c in _loads(stop)]
        cold = [
            f"{name} {max(pair):g} (largest compartment {max(_capacities(v)[k] for v in fleet):g})"
            for k, (name, pair) in enumerate(zip(_LOADS, _loads(stop)))
            if name in ("chilled volume", "frozen volume")
            and all(needs[k] > _capacity(_capacities(v)[k]) for v in fleet)
        ]
        if cold:
            return f"{REASON_NO_COMPARTMENT} ({', '.join(cold)})"
        return (
            f"{REASON_OVER_CAPACITY} (delivers {stop.deliver_volume:g} volume / {stop.deliver_kg:g} kg, "
            f"collects {stop.collect_volume:g} volume / {stop.collect_kg:g} kg)"
        )
    durations = problem.matrix.durations
    if durations[0][node] >= UNREACHABLE or durations[node][0] >= UNREACHABLE:
        return REASON_NO_ROAD
    alone = [_drive(problem, v, [node]) for v in fitting]
    if any(not isinstance(route, str) for route in alone):
        return None
    if any(route.startswith(_COLD_RIDE_OVERRUN) for route in alone):
        return f"{REASON_COLD_RIDE} ({problem.max_cold_ride_s // 60} min)"
    if stop.window is not None:
        return f"{REASON_WINDOW} ({_clock(stop.window[0])}-{_clock(stop.window[1])})"
    return REASON_SHIFT


def _over_capacity(vehicle: Vehicle, stop: Stop) -> bool:
    return any(
        max(_demand(delivered), _demand(collected)) > _capacity(capacity)
        for (delivered, collected), capacity in zip(_loads(stop), _capacities(vehicle))
    )


# --- the OR-Tools search -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Strategy:
    first_solution: str
    # "ruin_recreate": iterated local search with SISR ruins (remove a few strings of neighbouring
    # stops), cheapest-insertion recreate and simulated-annealing acceptance; "guided": guided local
    # search; "descent": plain local search down to the first local optimum.
    search: str = "ruin_recreate"
    # Annealing temperatures at the start and the end of the search, as fractions of the mean arc
    # cost, so that they mean the same on a benchmark's unit grid as on a map in metres.
    temperatures: tuple[float, float] = (0.8, 0.008)
    # Polish every recreated plan with local search, instead of only accepting or rejecting it;
    # fewer, better iterations.
    improve_perturbed: bool = False
    removed_visits: int = 10
    max_string: int = 10
    # What the worker searches with in the parallel rounds after the first, where it differs (see
    # _round_of).
    later_rounds: _Strategy | None = None


# OR-Tools runs its iterated local search until a limit, with no way to stop it when it stalls, so it
# is kept for large problems, where it clearly beats guided local search; smaller ones use guided
# local search, which stops early once it converges (see _guided_search).
_RUIN_RECREATE_FROM_STOPS = 100


def _strategies(problem: Problem, fleet: list[Vehicle], free: list[int]) -> tuple[_Strategy, ...]:
    """One strategy per parallel worker, best first.

    Savings builds good capacity-bound routes; with time windows, insertion heuristics are the ones
    that find a feasible plan at all. The ruin-and-recreate settings are the best of our runs on the
    benchmark instances (bench/vrp.py): hot annealing and no polishing for pure capacity problems,
    where fast iterations pay; with windows, a second worker that polishes every recreated plan.
    For capacity problems the second worker anneals from the same start down to a ten times colder
    end, and after the first round both take out twice as many stops (see _LATER_ROUND_RUIN); in single
    60 s runs on X-n200-k36 and X-n214-k11 a half-as-hot second worker did worse on both, and
    hotter, smaller or larger ruins, polishing every plan and guided local search too. Capacity
    problems get somewhat larger ruins, with longer strings where loads make routes long (see
    _CAPACITY_RUIN and _max_string).

    Worse than a last-round polish the second worker had before the larger last-round ruins, or
    less steady, on X-n214-k11 in 60 s runs (gaps in %, seeds 0, 1, 2; the code before that polish
    gave 2.6, 3.1 to 4.0 in three runs, 3.2): recreating in
    order of demand (5.7, 6.3) or of distance from the depot (2.8, 3.2, 4.0); SISR ruins mixed at
    random with random-walk ruins (3.1, 1.7, 3.0; 3.6 on seed 3 against 3.8) or with two-close-route
    ruins (6.4); linear cooling (seeds 1, 2: 2.5, 2.9); rounds of 30, 15 and 15 s (seeds 1-3: 2.1,
    2.6, 3.9) or of 15, 15 and 30 s (seeds 1, 2: 2.5, 2.5).
    """
    free_stops = len(free)
    windowed = _windowed(problem)
    if windowed:
        firsts = ("PARALLEL_CHEAPEST_INSERTION", "LOCAL_CHEAPEST_INSERTION")
    else:
        firsts = ("SAVINGS", "PARALLEL_CHEAPEST_INSERTION")
    if free_stops <= 1:
        # One stop to place: the relocate neighbourhood tries every vehicle and position, so the
        # first local optimum is the best plan there is.
        return tuple(_Strategy(first, search="descent") for first in firsts)
    if free_stops < _RUIN_RECREATE_FROM_STOPS:
        return tuple(_Strategy(first, search="guided") for first in firsts)
    if windowed:
        return (
            _Strategy(firsts[0], temperatures=(0.8, 0.008)),
            _Strategy(firsts[0], temperatures=(0.2, 0.002), improve_perturbed=True),
        )
    string = _max_string(problem, fleet, free)
    removed = max(_CAPACITY_RUIN, string)
    first = _Strategy(firsts[0], temperatures=(0.8, 0.008), removed_visits=removed, max_string=string)
    later = replace(first, removed_visits=_LATER_ROUND_RUIN * removed, max_string=_LATER_ROUND_RUIN * _SISR_RUIN)
    return (
        replace(first, later_rounds=later),
        replace(first, temperatures=(0.8, 0.0008), later_rounds=later),
    )


def _windowed(problem: Problem) -> bool:
    return any(s.window is not None for s in problem.stops)


# The SISR paper's ruin: strings of at most 10 stops, 10 stops removed on average. For capacity
# problems we remove 15 on average: at an equal number of iterations (12 000 plans per worker) that
# was better on X-n200-k36 (mean best of the two workers 2.2% over 3 seeds, against 2.7%) and no
# worse on X-n101-k25 and X-n502-k39 (one seed each).
_SISR_RUIN = 10
_CAPACITY_RUIN = 15
_RUIN_ROUTE_SHARE = 0.75


def _max_string(problem: Problem, fleet: list[Vehicle], free: list[int]) -> int:
    """The longest string of stops a ruin takes out of one route: SISR's 10, or three quarters of a
    route's stops where loads make routes longer than that, up to twice SISR's.

    Strings of 10 out of routes of some twenty stops reshuffle little more than their ends. On
    X-n214-k11 (about 19 stops a route), at an equal number of iterations, ruins of 15 visits in
    strings of up to 15 beat ruins of 10 on all 4 seeds tried (mean best of the two workers 2.5%,
    against 3.5%), while 20 and 20, a whole route's worth, were no better than 10; longer strings
    are untried. OR-Tools itself never takes a string longer than the average route.
    """
    share = round(_RUIN_ROUTE_SHARE * _stops_per_route(problem, fleet, free))
    return min(max(_SISR_RUIN, share), 2 * _SISR_RUIN)


def _stops_per_route(problem: Problem, fleet: list[Vehicle], free: list[int]) -> float:
    """The free stops over the fewest vehicles that could carry their loads. Time limits can only
    make routes shorter than this."""
    return len(free) / _fewest_vehicles(problem, fleet, free)


def _fewest_vehicles(problem: Problem, fleet: list[Vehicle], free: list[int], room: bool = False) -> int:
    """A lower bound on the vehicles that serving the `free` stops takes: each kind of load,
    delivered and collected, counted on its own against the largest capacity for it. With `room`,
    the fewest that leave room for one more stop's load of each kind, on average."""
    needed = 1
    for k in range(len(_LOADS)):
        largest = max((_capacity(_capacities(v)[k]) for v in fleet), default=0)
        if largest <= 0:
            continue
        for side in (0, 1):
            loads = [_demand(_loads(problem.stops[n - 1])[k][side]) for n in free]
            total = sum(loads)
            if room and total:
                total += total / sum(1 for load in loads if load)
            needed = max(needed, math.ceil(total / largest))
    return needed


# Ruin and recreate leaves every route as cheapest insertion built it, and gets only about a hundred
# iterations a second out of OR-Tools on 200 stops; this share of its time goes to a final descent
# with the full neighbourhood (2-opt, or-opt, exchanges between routes) from the best plan it found.
_POLISH_SHARE = 0.05

# From the second round on, both workers take out this many times the usual stops per ruin, in
# strings up to as many times SISR's; first it was the last round alone, as follows.
# By the last round both workers restart from a plan that ruins of the usual size rarely improve:
# in traced 60 s runs on X-n214-k11 the first worker gained 0-30 units of about 11 200 in its 20 s,
# and the second, which polished every recreated plan there, never gained anything. So in the last
# round both anneal as the first worker does, but remove twice as many stops, in strings up to twice
# SISR's. X-n214-k11 at 60 s, 2026-11-27, each pair back to back, seeds 0-5, gap in %:
# - the second worker alone switching to these ruins: 3.00, 3.36, 3.24, 3.60, 2.86, 3.21 (mean
#   3.21) against 3.43, 3.62, 3.36, 5.04, 4.61, 2.09 (mean 3.69) with the polish;
# - both switching: 2.01, 2.16, 3.62, 3.07, 2.28, 2.26 (mean 2.57) against 3.18, 3.35, 3.40, 3.56,
#   3.32, 2.35 (mean 3.19) with the second alone.
# X-n200-k36 and X-n502-k39 (second worker alone, seeds 0-1 and 0) did neither better nor worse:
# their last rounds gain little either way. Guided local search in the second worker's last round
# gained nothing in six runs, nor did a reheated ruin of the usual size (mean 3.25 against 3.30).
# With the rounds in sectors and the descent, these larger ruins in every sector round rather than
# the last alone gave X-n214-k11 (seeds 300-315, each next to the landed settings) a mean of 2.08
# against 2.24, two runs above 3 against one: the difference, 0.16, within its standard error of
# 0.23. Polishing every recreated plan in the sector rounds (improve_perturbed) gave 2.95, 4.00 and
# 2.99 against 2.44, 3.08 and 2.96 (seeds 300-302), and was stopped there.
# Tried again on 2026-11-28, with the descent by then moving strings of stops and route ends between
# rounds: seeds 960-975, each run next to one with these ruins in the last round alone, mean 1.75
# (0.82 to 2.60) against 1.98 (1.03 to 2.65), none above 3 in either, 10 of 16 pairs won, the
# difference 0.22 with a standard error of 0.15. Both trials leaned the same way, 0.19 points over
# their 32 pairs, so every round after the first now takes these ruins (and the second worker,
# which cools ten times further, does so only in the first round). In eight traced runs that day
# the last two rounds had gained 0 to 56 units each, of about 11 000: the plan stalls, and larger
# ruins reach further from it.
# Three times the usual stops per ruin (strings still up to twice SISR's) did no better, 2026-12-03:
# X-n214-k11, seeds 1000-1015, each run next to one with twice, mean 2.27 (one above 3) against
# 2.24 (two above 3), 7 of 16 pairs won, the difference 0.03 points with a standard error of 0.22.
_LATER_ROUND_RUIN = 2

# Guided local search resumes in epochs of this many solutions per free stop (see _guided_search).
_GLS_EPOCH_PER_STOP = 20


@dataclass(frozen=True)
class _Outcome:
    routes: dict[int, list[int]]  # fleet index -> matrix nodes
    dropped: int
    cost: int
    # Routes of the plans the search passed through, as (vehicle class, matrix nodes); filled only
    # for searches asked to pool them (see _search).
    pool: frozenset[tuple[int, tuple[int, ...]]] = frozenset()


def _best_of_portfolio(
    problem: Problem,
    fleet: list[Vehicle],
    locked: dict[str, list[int]],
    candidates: list[int],
    params: SearchParams,
    deadline: float,
    children: Workers,
) -> dict[int, list[int]] | None:
    """The best plan of the portfolio's workers, each searching until `deadline` (time.monotonic()).

    With one worker it runs here. With more, every worker runs in one of the `children` (none in
    this process, which could not be interrupted), which is killed if it overruns, and so does the
    recombination after each round; the deadline is shared across processes because Linux's
    monotonic clock is system-wide. Parallel ruin and recreate searches in rounds (see _ROUNDS),
    and without windows in sectors (see _SECTOR_ROUNDS).
    """
    locked_nodes = {node for nodes in locked.values() for node in nodes}
    strategies = _strategies(problem, fleet, [n for n in candidates if n not in locked_nodes])
    workers = max(1, params.workers)
    in_rounds = workers > 1 and strategies[0].search == "ruin_recreate"
    by_sector = in_rounds and not _windowed(problem)
    rounds = (_SECTOR_ROUNDS if by_sector else _ROUNDS) if in_rounds else 1
    if params.solution_limit is not None:
        params = replace(params, solution_limit=max(1, params.solution_limit // rounds))
    began = time.monotonic()
    first_share = _FIRST_SECTOR_ROUND_SHARE if by_sector else 1 / rounds
    recombining = rounds > 1
    recombine_s = _RECOMBINE_SHARE * (deadline - began) / rounds if recombining else 0.0
    descent_s = _SWAP_STAR_SHARE * recombine_s if by_sector else 0.0
    first_fleets = _first_round_fleets(problem, fleet, locked, candidates, workers) if by_sector else [fleet] * workers
    descent = _swap_star(problem, fleet, locked) if by_sector else None
    best: _Outcome | None = None
    pool: set[tuple[int, tuple[int, ...]]] = set()
    for r in range(rounds):
        ends = _round_end(began, deadline, r, rounds, first_share)
        searches = [_round_of(strategies[w % len(strategies)], r, rounds) for w in range(workers)]
        until, polish = ends - recombine_s, r == rounds - 1
        seeds = [f"{params.seed}/{w}/{r}" for w in range(workers)]
        sectors = (
            None
            if best is None or not by_sector
            else _sectors(problem, fleet, locked, best, candidates, workers, f"{params.seed}/{r}")
        )
        if sectors is None:
            start = None if best is None else best.routes
            jobs = [
                (
                    problem,
                    first_fleets[w] if best is None else fleet,
                    locked,
                    candidates,
                    searches[w],
                    params,
                    seeds[w],
                    until,
                    start,
                    polish,
                    recombining,
                )
                for w in range(workers)
            ]
        else:
            jobs = [
                (
                    problem,
                    [fleet[k] for k in vehicles],
                    {},
                    stops,
                    searches[w],
                    params,
                    seeds[w],
                    until,
                    {i: best.routes.get(k, []) for i, k in enumerate(vehicles)},
                    polish,
                    recombining,
                )
                for w, (vehicles, stops) in enumerate(sectors)
            ]
        if len(jobs) == 1:
            outcomes = [_search(*jobs[0])]
        else:
            hard_deadline = until + overrun_slack(params.time_limit_s)
            outcomes = children.run([(_search, job) for job in jobs], deadline=hard_deadline)
        if sectors is not None:
            outcomes = [_joined(problem, fleet, best, candidates, sectors, outcomes)]
        found = [o for o in [best, *outcomes] if o is not None]
        if not found:
            continue
        best = min(found, key=lambda o: _rank(o, fewest_routes_first=by_sector and r == 0))
        if recombining:
            pool.update(route for o in outcomes if o is not None for route in o.pool)
            timed = None if params.solution_limit is not None else ends - descent_s
            recombined = children.run(
                [(_recombine, (problem, fleet, locked, best, pool, timed, r < rounds - 1))],
                deadline=ends + overrun_slack(params.time_limit_s),
            )[0]
            best = recombined or best
        if descent is not None:
            best = descent(best, None if params.solution_limit is not None else ends)
    return None if best is None else best.routes


def _first_round_fleets(
    problem: Problem, fleet: list[Vehicle], locked: dict[str, list[int]], candidates: list[int], workers: int
) -> list[list[Vehicle]]:
    """The vehicles each worker may use in the first round: all of them, except that the last worker
    gets only the fewest that leave room for one more stop (see _fewest_vehicles), where the fleet is
    all of one kind and nothing is locked. Later rounds start from the best plan with the whole
    fleet again.

    Every route drives out from the depot and back, and ruin and recreate seldom empties a route: it
    keeps about as many routes as its first plan has. From savings, X-n200-k36 (whose best known plan
    uses 36 trucks, the fewest its loads fit in) settled on 37 in every run, 2.15-2.59% over the best
    known in four 60 s runs (2026-11-27); with this first round and the plan on fewer trucks taken
    after it (see _rank), 36 trucks and 1.33% and 0.83% on seeds 0 and 1, as with a fleet of 36 all
    along (0.68%, 0.83%). A fixed cost on the vehicles beyond the fewest did not do it (37 trucks at
    half and at one mean arc a vehicle). Where the fewest cannot serve every stop, that worker's plan
    leaves stops out and loses to the other's.

    The room for one more stop is what the search needs to move stops between routes at all: on
    X-n214-k11, whose loads fill its fewest, 11 trucks, to 99.7% (room for half a stop), the plan on
    11 trucks won the first round and the run ended at 3.92% (seed 0), where 12 trucks, the fewest
    with room, give about 2.2% (see _SECTOR_ROUNDS); X-n101-k25's best known plan uses 26 trucks, one
    more than its loads fill to 99.9%."""
    fewest = _fewest_vehicles(problem, fleet, candidates, room=True)
    if workers < 2 or locked or fewest >= len(fleet) or len(set(_vehicle_classes(fleet))) > 1:
        return [fleet] * workers
    return [fleet] * (workers - 1) + [fleet[:fewest]]


def _rank(outcome: _Outcome, fewest_routes_first: bool = False) -> tuple[int, int, int]:
    """The order in which plans are better: fewer stops left out, then, when `fewest_routes_first`
    (after the first round, see _first_round_fleets), fewer routes, then cheaper."""
    routes = sum(1 for nodes in outcome.routes.values() if nodes) if fewest_routes_first else 0
    return (outcome.dropped, routes, outcome.cost)


def _sectors(
    problem: Problem,
    fleet: list[Vehicle],
    locked: dict[str, list[int]],
    best: _Outcome,
    candidates: list[int],
    parts: int,
    seed: str,
) -> list[tuple[list[int], list[int]]] | None:
    """`best`'s free routes dealt into `parts` sectors of neighbouring routes with about as many stops
    each, as (fleet indices, stops): each sector in turn grows from a random stop by the routes
    nearest it. A stop `best` leaves out joins the sector of the route nearest it, and the empty
    vehicles are dealt out in turn. None when there are fewer routes than sectors."""
    rng = random.Random(seed)
    distances = problem.matrix.distances
    free = [k for k, v in enumerate(fleet) if v.id not in locked]
    left = [k for k in free if best.routes.get(k)]
    if len(left) < parts:
        return None
    sectors: list[list[int]] = []
    for part in range(parts, 0, -1):
        centre = rng.choice([n for k in left for n in best.routes[k]])
        left.sort(key=lambda k: min(distances[centre][n] for n in best.routes[k]))
        share = sum(len(best.routes[k]) for k in left) / part
        taken, stops = [], 0
        while stops < share and len(left) >= part:
            taken.append(left.pop(0))
            stops += len(best.routes[taken[-1]])
        sectors.append(taken)
    sectors[-1] += left
    stops = [[n for k in sector for n in best.routes[k]] for sector in sectors]
    served = {n for nodes in best.routes.values() for n in nodes}
    for n in candidates:
        if n not in served:
            nearest = min(range(parts), key=lambda p: min(distances[n][m] for m in stops[p]))
            stops[nearest].append(n)
    for i, k in enumerate(k for k in free if not best.routes.get(k)):
        sectors[i % parts].append(k)
    return list(zip(sectors, stops))


def _joined(
    problem: Problem,
    fleet: list[Vehicle],
    best: _Outcome,
    candidates: list[int],
    sectors: list[tuple[list[int], list[int]]],
    parts: list[_Outcome | None],
) -> _Outcome:
    """The plan the sector searches make together: `best` with each sector's routes as its search left
    them, or as they were where the search did not answer, and their pooled routes."""
    classes = _vehicle_classes(fleet)
    routes = dict(best.routes)
    pool: set[tuple[int, tuple[int, ...]]] = set()
    for (vehicles, _), part in zip(sectors, parts):
        if part is None:
            continue
        routes.update((k, part.routes.get(i, [])) for i, k in enumerate(vehicles))
        # A sector's vehicle classes index its own list of vehicles.
        pool.update((classes[vehicles[c]], nodes) for c, nodes in part.pool)
    dropped = len(candidates) - sum(len(nodes) for nodes in routes.values())
    cost = sum(_route_cost(problem, fleet[k], nodes) for k, nodes in routes.items())
    return _Outcome(routes, dropped, cost, frozenset(pool))


# After each round the routes of the plans the workers passed through are recombined into the
# cheapest plan they make up (see _recombine), in this share of the round. It mostly finds its best
# in well under a second; X-n214-k11's pools hold 500 to 5 000 routes. In 60 s runs on X-n214-k11 on
# 2026-11-26 (this machine, seeds 0-7, load about 2), the gap was 1.8-3.5%, mean 2.8%, against
# 2.2-4.0%, mean 3.2%, without it (seeds 1-7, same hour); 5 rounds instead of 3 gave a mean of 2.8%
# too, and the second worker's last round without polishing 2.9%.
# With sectors and the descent after each round it still gains, if narrowly: without recombining at
# all (no pooling, its time given to the searches, the descent kept) X-n214-k11 did worse on
# 2026-12-03, seeds 1700-1715, each run next to one with it: mean 2.16 (two above 3) against 2.00
# (none above 3), 7 of 16 pairs won, the difference 0.15 points with a standard error of 0.16; the
# recombinations in the runs with it found a cheaper plan in 21 of 96 rounds.
# A longer last recombination did not pay (2026-12-03). On three plans of X-n214-k11 taken before
# the last recombination of a 60 s run (seeds 3200-3202), CP-SAT found nothing cheaper in 0.7 s, a
# round's share less the descent's, but plans 45, 16 and 2 units cheaper in 3 s. Yet 5% of the
# whole time for it (3 s at 60 s, taken from the last round's search) gave X-n214-k11 a mean of
# 2.07% (one run above 3) against 1.88% (one above 3), seeds 3400-3415, each run next to one with
# the usual share, 6 of 16 pairs won, the difference 0.19 points with a standard error of 0.25.
_RECOMBINE_SHARE = 0.1

# A worker pools the routes of the plans within this fraction of the cheapest one it found. Those of
# costlier plans rarely make a cheaper one, and pooling all of them (16 000 routes a round on
# X-n214-k11) made the linear relaxation alone outlast the time for recombining. Within 3% did too
# (2026-12-03, X-n214-k11 at 60 s, seeds 1600-1604): pools grew to 9 500-15 700 routes and none of
# the 30 recombinations found a plan in its time, where 1.5% (seeds 1600-1603, run next to them,
# pools of 2 700-4 600) found 6 of 24; the gaps were no worse for it over those four pairs (mean
# 2.11 against 2.13), but see _RECOMBINE_SHARE for what recombining at all still gains.
_POOL_WITHIN = 0.015


def _recombine(
    problem: Problem,
    fleet: list[Vehicle],
    locked: dict[str, list[int]],
    best: _Outcome,
    pool: set[tuple[int, tuple[int, ...]]],
    deadline: float | None,
    same_size: bool = False,
) -> _Outcome | None:
    """A plan cheaper than `best` made of pooled routes, serving the same stops, with as many routes
    if `same_size`; None if the search finds none by `deadline` (None: within a fixed budget of work,
    see routing.recombination). Locked routes stay as they are, on their vehicles.

    Between rounds the plan keeps its number of routes: X-n214-k11's loads fill 11 trucks to 99.7%,
    and a recombined plan of 11 routes left the searches after it so little room to move stops that
    two runs ended at 3.9% and 4.8%, where plans of 12 routes averaged 2.7%. The last recombination
    takes the cheapest plan of any size.

    A sector search can empty a route too (in 5 of 16 traced 60 s runs on X-n214-k11), and keeping
    that out as well did no better (2026-12-03): before the last round, where the joined plan had
    fewer routes than the round's start, the sector that emptied one kept its routes, and the plan
    on fewer routes was held back as a candidate for the answer (in those runs it never won).
    Seeds 1400-1415 and 1500-1515, each run next to one of the landed code: mean 2.11 (0.96 to
    3.29, three above 3) against 2.19 (0.75 to 4.08, three above 3), 15 of 32 pairs won, the
    difference 0.09 points with a standard error of 0.18."""
    from routing.recombination import PooledRoute, cheapest_partition

    classes = _vehicle_classes(fleet)
    free_vehicles = [k for k, v in enumerate(fleet) if v.id not in locked]
    current = [(classes[k], tuple(best.routes[k])) for k in free_vehicles if best.routes.get(k)]
    keys = list(pool | set(current))
    # A class is the index of its first vehicle.
    routes = [PooledRoute(c, nodes, _route_cost(problem, fleet[c], nodes)) for c, nodes in keys]
    index = {key: i for i, key in enumerate(keys)}
    incumbent = [index[key] for key in current]
    stops = [n for _, nodes in current for n in nodes]
    vehicles = Counter(classes[k] for k in free_vehicles)
    chosen = cheapest_partition(routes, stops, vehicles, incumbent, deadline, same_size)
    if chosen is None:
        return None
    plan = {k: list(best.routes.get(k, [])) for k, v in enumerate(fleet) if v.id in locked}
    for i in chosen:
        k = next(k for k in free_vehicles if classes[k] == routes[i].vehicle_class and k not in plan)
        plan[k] = list(routes[i].nodes)
    cost = sum(_route_cost(problem, fleet[k], nodes) for k, nodes in plan.items())
    return _Outcome(plan, best.dropped, cost)


# Without windows, the best plan of every round, recombined, is improved by routing.swap_star's
# descent (SWAP*, moving strings of stops, exchanging route ends, 2-opt) before the next round
# starts from it, in this share of the time for recombining (0.3 s a round at 60 s). Ruin and
# recreate returns the best plan it recreated, which no descent has touched (only the last round
# polishes), and recombined plans are not even 2-opt optimal: in three traced 60 s runs on
# X-n214-k11 (2026-11-27, seeds 7, 8, 104; before route ends were exchanged) the descent took the
# first round's plan down by 176 to 276 units (1.5 to 2.4%), the second's by 62 to 113, and the
# later ones' by 0 to 33, each in under 0.1 s. On final 60 s plans of X-n214-k11 it gained 10 to
# 30 units (0.1 to 0.3%); on 20 s plans of X-n200-k36 and X-n502-k39, 83 (0.14%) and 172 (0.25%),
# the latter in 0.26 s.
# X-n214-k11 at 60 s, 2026-11-27, seeds 40-55, each run next to one without: mean gap 2.53% (1.20
# to 4.52, five above 3) against 2.70% (1.58 to 4.10, three above 3); the difference, 0.18 points,
# is within the runs' spread (its standard error over the 16 pairs is 0.31) and about what the
# final plans' gains alone account for.
# Exchanging route ends (2-opt*) joined the descent later that day: X-n214-k11 at 60 s, seeds
# 400-415, each run next to one without, mean gap 2.02% (1.11 to 3.91, one above 3) against 2.40%
# (1.51 to 3.54, two above 3), 10 of the 16 pairs won, the difference 0.39 points with a standard
# error of 0.24. On seeds 400-401, X-n101-k25 0.00 and 0.00 against 0.27 and 0.22, X-n502-k39 0.47
# and 0.62 against 0.61 and 1.01; X-n200-k36 (seeds 400-403) 1.10, 1.33, 1.12, 1.34 against 0.76,
# 0.74, 1.13, 1.28, within its spread from run to run.
# Moving strings of two and three stops between routes, either way round, joined it later still:
# X-n214-k11 at 60 s, seeds 600-615, each run next to one without, mean gap 2.12% (1.09 to 3.68,
# two above 3) against 2.43% (1.35 to 3.74, three above 3), 10 of the 16 pairs won, the difference
# 0.32 points with a standard error of 0.30. On seeds 600-601, X-n502-k39 0.81 and 0.72 against
# 1.07 and 0.56, X-n200-k36 0.74 and 0.80 against 0.73 and 0.90, X-n101-k25 0.02 and 0.22
# against 0.22 and 0.27.
# By then the descent runs out of moves, not time: traced on X-n214-k11 (2026-11-28, seed 901) it
# gained 51 and 18 units after the first two rounds and nothing after the other four, each time done
# in 0.02 to 0.05 s with 0.24 to 0.77 s of its time still left. Exchanging strings of up to three
# stops between routes (cross-exchange, at least one of the two longer than one stop, each driven
# the cheaper way in the other's place) gained nothing either: seeds 900-915, each run next to one
# without, mean 1.97 (none above 3) against 2.01 (one above 3), 7 of 16 pairs won, the difference
# 0.05 points with a standard error of 0.23.
_SWAP_STAR_SHARE = 0.3


def _swap_star(
    problem: Problem, fleet: list[Vehicle], locked: dict[str, list[int]]
) -> Callable[[_Outcome, float | None], _Outcome]:
    """routing.swap_star's descent for `problem`: a function of a plan and a deadline that returns
    the plan improved, its locked routes as they are. What does not change from one plan to the
    next (distances, nearest stops, loads) is built here, once a solve."""
    from routing.swap_star import Neighbourhood, descend

    near = Neighbourhood(problem.matrix.distances)
    # Only the kinds of load some stop has: the descent checks each of them for every move.
    kinds = [
        (kind, side)
        for kind in range(len(_LOADS))
        for side in (0, 1)
        if any(_demand(_loads(stop)[kind][side]) for stop in problem.stops)
    ]
    loads = [()] + [tuple(_demand(_loads(stop)[kind][side]) for kind, side in kinds) for stop in problem.stops]
    capacities = {
        k: tuple(_capacity(_capacities(v)[kind]) for kind, _ in kinds)
        for k, v in enumerate(fleet)
        if v.id not in locked
    }

    def improved(best: _Outcome, deadline: float | None) -> _Outcome:
        routes = descend(
            near,
            {k: nodes for k, nodes in best.routes.items() if k in capacities},
            loads,
            capacities,
            lambda k, nodes: not isinstance(_drive(problem, fleet[k], nodes), str),
            deadline,
        )
        plan = {**best.routes, **routes}
        cost = sum(_route_cost(problem, fleet[k], nodes) for k, nodes in plan.items())
        return _Outcome(plan, best.dropped, cost)

    return improved


def _vehicle_classes(fleet: list[Vehicle]) -> list[int]:
    """For each vehicle, the index of the first one in `fleet` that differs from it only by id: a
    route one of them can drive, any of them can."""
    anonymous = [replace(v, id="") for v in fleet]
    return [anonymous.index(v) for v in anonymous]


def _route_cost(problem: Problem, vehicle: Vehicle, nodes: Sequence[int]) -> int:
    """What a route adds to the objective: its metres, plus its vehicle's fixed cost."""
    if not nodes:
        return 0
    distances = problem.matrix.distances
    return sum(int(distances[a][b]) for a, b in _legs(list(nodes))) + vehicle.fixed_cost


# Parallel ruin-and-recreate workers search in rounds, and each round every worker restarts from the
# best plan so far, so that neither spends the rest of its time on a plan the other has beaten. On
# X-n214-k11 at an equal number of iterations (12 000 plans per worker, seeds 0-3), the mean cost was
# 4.1% over the best known in one round, 3.2% in two, 3.6% in three and 3.4% in six. In 60 s runs on
# the shared machine (seeds 0-5) three rounds averaged 2.9% (10 runs, 1.6% to 3.8%) against 3.2% for
# one (7 runs, 2.2% to 3.9%), and two rounds 2.9% (5 runs); a seed's gap moves by up to a point from
# one run to the next, so neither is reliably within 3% there.
_ROUNDS = 3

# Without windows, parallel workers search in six rounds (the first longer, see
# _FIRST_SECTOR_ROUND_SHARE), and from the second on each searches a sector of the best plan (half
# its routes, for two workers; see _sectors) rather than all of it:
# OR-Tools' ruin and recreate gets through about four times as many plans a second on half of
# X-n214-k11's stops (2 000 plans in 1.0-1.3 s, against 5.1 s on all of them), so every part of the
# plan is searched several times as hard as when both workers searched the whole of the same plan.
# Each round grows its sectors from a new random stop, and the recombination after it joins routes
# from both sides of the old boundary. X-n214-k11 at 60 s, 2026-11-27, seeds 0-7, gap in %: 2.34,
# 1.45, 2.49, 3.39, 2.98, 0.94, 2.99, 2.30 (mean 2.36) against 3.80, 2.99, 3.22, 1.86, 1.94, 2.68,
# 3.07, 1.98 (mean 2.69) with three rounds on the whole plan, in the same hours; ten rounds in sectors
# gave a mean of 2.32 (1.24 to 4.10). X-n502-k39 gained most (seed 0: 0.65 against 1.51), X-n200-k36
# a little (2.11 against 2.56). Seeds 8-13 gave 3.49, 1.31, 1.88, 2.45, 3.11, 2.53 (mean 2.46);
# against them, in the same hour, four sectors searched two at a time by each worker gave a mean of
# 3.58, the usual ruins in the last round 2.36, temperatures taken from the whole problem's arcs
# rather than the sector's (hotter) 3.44, and half as hot 2.59. Problems with windows keep three
# rounds on the whole plan: sectors are untried there.
#
# What keeps X-n214-k11 near 2%: its best known plan has 11 routes, and its loads fill 11 trucks to
# 99.7%. Our plans mostly end with 12, but the twelfth is a single stop (load 35) 24 units from the
# depot, 48 units (0.44%); the other eleven are nearly as full as the best known plan's (916 to 944
# of 944, against 937 to 944), with 63 units of room among them, about one stop's load. So ruin and
# recreate can move a stop between them only where one of nearly the same load moves back, and the
# rest of the gap is in the shape of those eleven routes. In eight traced runs the last three rounds
# gained 36 to 282 units, the recombination after a round 0 to 23, and the descent at the end
# nothing. Tried on 2026-11-27 without gain, each against these settings (before
# _first_round_fleets) in the same hour, gap in %:
# - a fleet of 11, the lower bound: 11 routes from the first round on, 3.33 against 2.10 (seed 3);
# - capacity made soft in all rounds but the last (load over capacity charged at the end of each
#   route through SetCumulVarSoftUpperBound on a coarse copy of the load dimension, the hard limit
#   25% over, the plan unloaded before the last round): at 0.1 to 1 mean arc per mean stop's load
#   the plans stayed two trucks' worth over and ended at 8.5; at 1 to 20, 9.2; and at prices high
#   enough to forbid any overload the first round stalled at 13 680 against 11 430, because the
#   recreate step inserts by arc cost alone, fills the room over capacity and has nearly every plan
#   rejected; recreating by the full cost (LOCAL_CHEAPEST_COST_INSERTION) made no progress at all;
# - every sector round annealing on its own, from the second round's start temperature down to the
#   end one: seeds 0-20, mean 2.31 against 2.32, seed by seed -1.9 to +1.8 points apart;
# - four rounds instead of six: seeds 0, 1, 3, 4, 10, 11, mean 1.95 against 2.04.
# These settings gave a mean of 2.24 over 29 runs that day, two of them above 3 (3.31, 3.45). The
# same seed gave 1.44, 2.10, 2.10 and 3.31 in four of them: the spread comes from how much each run
# gets done, not from the seed. Later that day, with _first_round_fleets, a descent at the end of
# every round rather than only the last gave a mean of 2.01 over 30 runs (seeds 1-20 and 1-10, two
# above 3) against 2.19 over 40 without (five above 3): within the spread, so not taken. Nor did a
# search a third faster per second (see _route_recorder) show: 2.26 over seeds 1-20 against 2.12
# before it, both with runs above 3. Nor, next to these settings: recreating the ruined stops in
# random order, as the SISR paper mostly does (SORTING_PROPERTY_RANDOM), seeds 1-7 mean 3.00
# against 2.41; recreating by global cheapest insertion, 5.5 against 1.7 at 20 s (seed 1), too slow;
# capacity 5% larger in rounds 3 to 5 and the stops over it taken out before the last round: the
# larger trucks' plan reached 10 764 on 11 routes, but putting its 16 stops back ended at 2.12
# against 1.97 (seed 3), and capacity tightened round by round (3, 2, 1, 0.5% over) at 3.28.
# On 2026-11-28, sectors grown as wedges around the depot rather than by the routes nearest a stop
# (routes taken in order of the angle at the depot between their medoid stop and that of the random
# stop's route, worked out from the three distances) made no difference: seeds 930-945, each run
# next to one with these sectors, mean 2.09 (one above 3) against 2.11 (two above 3), 8 of 16 pairs
# won, the difference 0.01 points with a standard error of 0.18. On a plan of X-n214-k11's, whose
# routes fan out from a central depot, a half of the routes nearest a random stop lay in one piece
# of the fan in 14% of 2 000 draws and in two to five pieces otherwise; the wedges, in one or two.
# A run settles on its plan well before its end, but a second draw does not pay either (2026-12-03).
# In traced 60 s runs (seeds 1801-1808) the last three rounds gained 0 to 70 units each; four runs of
# 120 s (seeds 1801-1804) averaged 2.03% against 2.17% for the same seeds at 60 s, and 14 runs of
# 30 s (seeds 1801-1816 but two run beside other work) 2.36% (1.38 to 3.84, two above 3). So the
# time was split into two searches from scratch, each with these six rounds in half of it, and the
# cheaper plan taken: seeds 1900-1915 and 2000-2015, each run next to one of a single search, mean
# 2.14% (1.44 to 3.51, two above 3) against 2.15% (0.99 to 3.25, three above 3), 19 of 32 pairs won,
# the difference 0.01 points with a standard error of 0.11; the first 16 pairs leaned one way (0.11)
# and the second the other (-0.10). X-n200-k36 did worse with it (seeds 0, 1: 1.48 and 1.23 against
# 1.27 and 1.06), X-n502-k39 no better (1.05 and 1.05 against 0.77 and 1.28). Recombining the routes
# of both searches' plans at the end found no cheaper plan (seed 1950: 4 500 routes pooled).
# Eight rounds rather than six, once the workers' processes were kept for the whole solve (so that a
# round no longer costs a process start), did worse: seeds 3500-3515, each run next to one with six,
# mean 2.28% (0.97 to 3.88, two above 3) against 2.05% (1.36 to 3.05, one above 3), 7 of 16 pairs
# won, the difference 0.23 points with a standard error of 0.24.
_SECTOR_ROUNDS = 6


# Before the sector rounds, the first round searches the whole problem from its first plan; it takes
# this share of the time, and the sector rounds share the rest equally. A sector search reshapes
# routes only within its half of the plan, so the layout of the routes across the whole of it comes
# from the first round. X-n214-k11 at 60 s, 2026-11-27, each run next to one with equal rounds (a
# sixth each), gap in %: 30% over seeds 11-26, mean 1.87 (1.18 to 2.75, none above 3) against 2.12
# (0.79 to 3.28, two above 3); 6% over seeds 1-10, mean 2.49 against 1.84. Longer first rounds
# helped X-n214-k11 further but cost the instances that gain most from sectors: with
# routing.swap_star's descent after each round, 45% over seeds 60-71 gave 2.40 (three above 3)
# against 2.82 for 30% (five above 3), and 60% over seeds 80-91 2.45 (three above 3) against 2.93
# for 45% (five above 3); but a bench/vrp.py table with 60% (seed 0) gave X-n101-k25 1.86%
# (0.02% with 30%, the same hour and seed), X-n200-k36 1.73, X-n214-k11 3.72 and X-n502-k39 1.35.
# Later that day, on a machine that got more done (the routing tests in half the time), 60% for
# X-n214-k11 alone lost to 30% (seeds 100-104: mean 3.23 against 1.99), 15% tied with it (seeds
# 200-209: 1.91 against 1.95), and the first round split in two of 15%, with the descent between
# them, lost (2.45): the best share moves with how much the machine gets done in it, and 30% lies
# between the shares that won in the slow hours and in the fast ones.
_FIRST_SECTOR_ROUND_SHARE = 0.3


def _round_end(began: float, deadline: float, r: int, rounds: int, first_share: float) -> float:
    """When round `r` of `rounds`, searching from `began` until `deadline`, ends: the first after
    `first_share` of the time, the others after equal shares of the rest."""
    if r == rounds - 1:
        return deadline
    return began + (deadline - began) * (first_share + (1 - first_share) * r / (rounds - 1))


def _round_of(strategy: _Strategy, r: int, rounds: int) -> _Strategy:
    """The strategy for round `r` of `rounds`: its share of the exponential cooling from the
    strategy's start temperature to its end one, so that the rounds together anneal as one search.
    Every round after the first searches with the strategy's `later_rounds`, where it has one."""
    if r > 0 and strategy.later_rounds is not None:
        strategy = strategy.later_rounds
    hot, cold = strategy.temperatures
    step = (cold / hot) ** (1 / rounds)
    return replace(strategy, temperatures=(hot * step**r, hot * step ** (r + 1)))


def _search(
    problem: Problem,
    fleet: list[Vehicle],
    locked: dict[str, list[int]],
    candidates: list[int],
    strategy: _Strategy,
    params: SearchParams,
    seed: str,
    deadline: float,
    start: dict[int, list[int]] | None = None,
    polish: bool = True,
    pool_routes: bool = False,
) -> _Outcome | None:
    """One worker's search until `deadline`, from `start` (fleet index -> matrix nodes) if given,
    else from the strategy's first solution; ruin and recreate ends with a descent if `polish`.
    With `pool_routes`, the outcome carries the routes of the plans the search found within
    `_POOL_WITHIN` of its cheapest."""
    # Imported here, not at the top: whoever only builds problems or reads solutions (the web
    # process) never loads the native library; only the process that searches does.
    from ortools.constraint_solver import pywrapcp

    # OR-Tools takes no seed (its own random choices are fixed), so the seed picks the order in which
    # it sees the stops: ties break differently in the first solution and in every neighbourhood scan.
    order = list(candidates)
    random.Random(seed).shuffle(order)
    places = [0, *order]
    manager = pywrapcp.RoutingIndexManager(len(places), len(fleet), 0)
    model = pywrapcp.RoutingModel(manager)

    durations = np.asarray(problem.matrix.durations, dtype=np.int64)[np.ix_(places, places)]
    distances = np.asarray(problem.matrix.distances, dtype=np.int64)[np.ix_(places, places)]
    stops = [problem.stops[n - 1] for n in order]
    service = np.array([0] + [s.service_s for s in stops], dtype=np.int64)

    distance_cb = model.RegisterTransitMatrix(distances.tolist())
    model.SetArcCostEvaluatorOfAllVehicles(distance_cb)
    for k, vehicle in enumerate(fleet):
        model.SetFixedCostOfVehicle(vehicle.fixed_cost, k)

    _add_time(model, manager, problem, fleet, stops, durations + service[:, None])
    for k, name in enumerate(_LOADS):
        demands = [(_demand(_loads(s)[k][0]), _demand(_loads(s)[k][1])) for s in stops]
        _add_load(model, fleet, name.replace(" ", "_"), demands, [_capacity(_capacities(v)[k]) for v in fleet])

    position = {node: k for k, node in enumerate(places)}
    locked_indices = _add_locks(model, manager, fleet, locked, position)
    penalty = _drop_penalty(distances, fleet)
    for k in range(1, len(places)):
        index = manager.NodeToIndex(k)
        if index not in locked_indices:
            model.AddDisjunction([index], penalty)

    reachable = distances[distances < UNREACHABLE]
    mean_arc = float(reachable.mean()) if reachable.size else 1.0
    if strategy.search == "ruin_recreate" and polish:
        polish_from = deadline - _POLISH_SHARE * (deadline - time.monotonic())
        search = _search_parameters(strategy, params, mean_arc, polish_from)
    else:
        search = _search_parameters(strategy, params, mean_arc, deadline)
    model.CloseModelWithParameters(search)
    if start is not None:
        # Locks on every route make the first solution exactly this plan (OR-Tools takes locks only
        # once the model is closed). The search may change it from there on; only _add_locks'
        # constraints pin the planner's locked routes.
        chains = [[manager.NodeToIndex(position[n]) for n in start.get(k, [])] for k in range(len(fleet))]
        model.ApplyLocksToAllVehicles(chains, False)
    # Route -> the cost of the cheapest plan it was seen in (see _route_recorder).
    seen: dict[tuple[int, tuple[int, ...]], int] = {}
    if pool_routes:
        model.AddAtSolutionCallback(_route_recorder(model, manager, fleet, locked, places, seen))
    if strategy.search == "guided":
        routes = _guided_search(model, search, params, _GLS_EPOCH_PER_STOP * len(order), deadline)
    else:
        if strategy.search == "ruin_recreate":
            assignment = model.SolveWithIteratedLocalSearch(search)
            if assignment is not None and polish:
                descent = _search_parameters(replace(strategy, search="descent"), params, mean_arc, deadline)
                assignment = model.SolveFromAssignmentWithParameters(assignment, descent) or assignment
        else:
            assignment = model.SolveWithParameters(search)
        routes = None if assignment is None else _read_routes(model, assignment)
    if routes is None:
        return None
    as_nodes = {k: [places[manager.IndexToNode(i)] for i in route] for k, route in enumerate(routes)}
    dropped = len(candidates) - sum(len(route) for route in routes)
    cost = sum(_route_cost(problem, fleet[k], nodes) for k, nodes in as_nodes.items())
    cheapest = min(seen.values(), default=0)
    pool = frozenset(route for route, plan_cost in seen.items() if plan_cost <= cheapest * (1 + _POOL_WITHIN))
    return _Outcome(as_nodes, dropped, cost, pool)


def _route_recorder(
    model: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    fleet: list[Vehicle],
    locked: dict[str, list[int]],
    places: list[int],
    seen: dict[tuple[int, tuple[int, ...]], int],
) -> Callable[[], None]:
    """The callback that records, for every plan OR-Tools reports (each one ruin and recreate accepts
    or improves on, and each step of a descent), its free routes in `seen`: (vehicle class, matrix
    nodes) -> the cost of the cheapest plan the route was seen in.

    It runs hundreds of times a second, so it does little: the next variables are looked up once,
    and a plan more than _POOL_WITHIN over the cheapest so far is not read at all, since it is that
    much over the cheapest at the end too and would not be pooled. Reading every plan through
    model.NextVar and model.IsEnd, as it first did, made ruin and recreate on X-n214-k11 slower by
    a third from savings (3 000 plans in 4.1 s against 3.1 s without pooling) and by two fifths from
    a searched plan, where most plans are pooled (3.8 s against 2.7 s); this way it takes 0.0-0.2 s
    of those."""
    classes = _vehicle_classes(fleet)
    size = model.Size()  # indices from here on are routes' ends
    nexts = [model.NextVar(i) for i in range(size)]
    place = [places[manager.IndexToNode(i)] for i in range(size)]
    starts = [(classes[k], model.Start(k)) for k, v in enumerate(fleet) if v.id not in locked]
    objective = model.CostVar()
    cheapest = math.inf

    def record() -> None:
        nonlocal cheapest
        cost = objective.Value()
        if cost > cheapest * (1 + _POOL_WITHIN):
            return
        cheapest = min(cheapest, cost)
        for vehicle_class, start in starts:
            route, index = [], nexts[start].Value()
            while index < size:
                route.append(place[index])
                index = nexts[index].Value()
            if route:
                key = (vehicle_class, tuple(route))
                if cost < seen.get(key, cost + 1):
                    seen[key] = cost

    return record


def _legs(nodes: list[int]) -> list[tuple[int, int]]:
    path = [0, *nodes, 0]
    return list(zip(path, path[1:])) if nodes else []


def _read_routes(model: pywrapcp.RoutingModel, assignment: pywrapcp.Assignment) -> list[list[int]]:
    routes = []
    for k in range(model.vehicles()):
        index, route = assignment.Value(model.NextVar(model.Start(k))), []
        while not model.IsEnd(index):
            route.append(index)
            index = assignment.Value(model.NextVar(index))
        routes.append(route)
    return routes


def _guided_search(
    model: pywrapcp.RoutingModel,
    search: pywrapcp.RoutingSearchParameters,
    params: SearchParams,
    epoch: int,
    deadline: float,
) -> list[list[int]] | None:
    """Guided local search in epochs of `epoch` solutions, each resuming from the best plan so far.
    It stops as soon as a whole epoch finds nothing better, or at the deadline or solution limit."""
    solutions_left = params.solution_limit
    best: list[list[int]] | None = None
    best_cost = math.inf
    while True:
        search.solution_limit = epoch if solutions_left is None else min(epoch, solutions_left)
        search.time_limit.FromMilliseconds(_millis_until(deadline))
        start = None if best is None else model.ReadAssignmentFromRoutes(best, True)
        found = model.SolveFromAssignmentWithParameters(start, search)
        if solutions_left is not None:
            solutions_left -= search.solution_limit
        if found is None:
            return best
        improved = found.ObjectiveValue() < best_cost
        if improved:
            best, best_cost = _read_routes(model, found), found.ObjectiveValue()
        if not improved or solutions_left == 0 or time.monotonic() >= deadline:
            return best


def _add_time(
    model: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    problem: Problem,
    fleet: list[Vehicle],
    stops: list[Stop],
    transits: np.ndarray,
) -> None:
    """Windows on the start of service, shifts and depot hours on each vehicle's start and end,
    and the ride limit of chilled/frozen goods.

    Skipped when it cannot bind: no windows, and even a route through every stop, each left by its
    slowest arc, fits every shift and the ride limit. A dimension that never binds only slows the
    search down.
    """
    windows = [(k, s.window) for k, s in enumerate(stops, start=1) if s.window is not None]
    longest_route = int(transits.max(axis=1).sum())
    shortest_shift = min(back - leave for leave, back in (_departure_window(problem, v) for v in fleet))
    limit = problem.max_cold_ride_s
    cold = limit is not None and any(s.delivers_cold or s.collects_cold for s in stops)
    if not windows and longest_route <= shortest_shift and (not cold or longest_route <= limit):
        return
    horizon = max(_departure_window(problem, v)[1] for v in fleet)
    model.AddDimension(model.RegisterTransitMatrix(transits.tolist()), horizon, horizon, False, "time")
    clock = model.GetDimensionOrDie("time")
    for k, window in windows:
        clock.CumulVar(manager.NodeToIndex(k)).SetRange(*window)
    for k, vehicle in enumerate(fleet):
        leave, back = _departure_window(problem, vehicle)
        clock.CumulVar(model.Start(k)).SetRange(leave, back)
        clock.CumulVar(model.End(k)).SetRange(leave, back)
    if cold:
        _add_ride_limits(model, manager, stops, clock, limit, horizon)


def _add_ride_limits(
    model: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    stops: list[Stop],
    clock: pywrapcp.RoutingDimension,
    limit: int,
    horizon: int,
) -> None:
    """Chilled/frozen goods on board no longer than `limit`, per parcel rather than per route.

    A cold delivery's service starts within `limit` of its vehicle's departure, and a cold return's
    vehicle is back within `limit` of leaving the stop. Which vehicle that is, is itself a variable,
    so each rule reads the departure or return of the stop's vehicle out of a list indexed by it,
    shifted by one past a neutral first entry that stands for "not served" (vehicle -1).
    """
    solver = model.solver()
    vehicles = range(model.vehicles())
    departures = [solver.IntVar(horizon, horizon)] + [clock.CumulVar(model.Start(k)) for k in vehicles]
    returns = [solver.IntVar(0, 0)] + [clock.CumulVar(model.End(k)) for k in vehicles]
    for node, stop in enumerate(stops, start=1):
        if not (stop.delivers_cold or stop.collects_cold):
            continue
        index = manager.NodeToIndex(node)
        vehicle = (model.VehicleVar(index) + 1).Var()
        if stop.delivers_cold:
            solver.Add(clock.CumulVar(index) <= solver.Element(departures, vehicle) + limit)
        if stop.collects_cold:
            solver.Add(solver.Element(returns, vehicle) <= clock.CumulVar(index) + stop.service_s + limit)


def _add_load(
    model: pywrapcp.RoutingModel,
    fleet: list[Vehicle],
    name: str,
    demands: list[tuple[int, int]],
    capacities: list[int],
) -> None:
    """Keep the load within capacity at every point of every route.

    The truck leaves full of its deliveries and fills with returns, so the load on arrival at a stop
    is (deliveries still on board) + (returns collected so far). `onboard` tracks exactly that: its
    transit at a stop is collected - delivered, and its start is tied to the route's total delivery,
    read off a second dimension `delivered` that counts deliveries from zero. When only one kind of
    load occurs, a single monotone dimension says the same thing faster.
    """
    delivers = any(d for d, _ in demands)
    collects = any(c for _, c in demands)
    if not delivers and not collects:
        return
    if not (delivers and collects):
        amounts = [0] + [d + c for d, c in demands]
        callback = model.RegisterUnaryTransitVector(amounts)
        model.AddDimensionWithVehicleCapacity(callback, 0, capacities, True, f"{name}_load")
        return
    delivered_cb = model.RegisterUnaryTransitVector([0] + [d for d, _ in demands])
    model.AddDimensionWithVehicleCapacity(delivered_cb, 0, capacities, True, f"{name}_delivered")
    change_cb = model.RegisterUnaryTransitVector([0] + [c - d for d, c in demands])
    model.AddDimensionWithVehicleCapacity(change_cb, 0, capacities, False, f"{name}_onboard")
    delivered = model.GetDimensionOrDie(f"{name}_delivered")
    onboard = model.GetDimensionOrDie(f"{name}_onboard")
    solver = model.solver()
    for k in range(len(fleet)):
        solver.Add(onboard.CumulVar(model.Start(k)) == delivered.CumulVar(model.End(k)))


def _add_locks(
    model: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    fleet: list[Vehicle],
    locked: dict[str, list[int]],
    position: dict[int, int],
) -> set[int]:
    """Pin each locked route to its vehicle, in its order, with nothing added to it."""
    if not locked:
        return set()
    solver = model.solver()
    locked_indices: set[int] = set()
    for k, vehicle in enumerate(fleet):
        chain = [manager.NodeToIndex(position[n]) for n in locked.get(vehicle.id, [])]
        if not chain:
            continue
        path = [model.Start(k), *chain, model.End(k)]
        for a, b in zip(path, path[1:]):
            solver.Add(model.NextVar(a) == b)
        locked_indices.update(chain)
    # -1 is "not performed": other stops may still be dropped, but never join a locked vehicle.
    free = [-1] + [k for k, v in enumerate(fleet) if v.id not in locked]
    for k in range(1, len(position)):
        index = manager.NodeToIndex(k)
        if index not in locked_indices:
            model.VehicleVar(index).SetValues(free)
    return locked_indices


def _drop_penalty(distances: np.ndarray, fleet: list[Vehicle]) -> int:
    """Large enough that serving one more stop beats any saving in distance or vehicles: an upper
    bound on the cost of any plan at all."""
    nodes = len(distances)
    return int(distances.max(initial=0)) * (nodes + 2 * len(fleet)) + sum(v.fixed_cost for v in fleet) + 1


def _millis_until(deadline: float) -> int:
    # A deadline already passed still makes a valid limit: the search stops at its first check.
    return max(1, round((deadline - time.monotonic()) * 1000))


def _search_parameters(
    strategy: _Strategy, params: SearchParams, mean_arc: float, deadline: float
) -> pywrapcp.RoutingSearchParameters:
    from ortools.constraint_solver import pywrapcp
    from ortools.constraint_solver import routing_enums_pb2 as enums

    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = getattr(enums.FirstSolutionStrategy, strategy.first_solution)
    # Counted from now, so that building the model counts against the limit too. It must be set
    # before the model is closed: the first-solution heuristics take their limit from then on.
    search.time_limit.FromMilliseconds(_millis_until(deadline))
    if params.solution_limit is not None:
        search.solution_limit = params.solution_limit
    if strategy.search == "guided":
        search.local_search_metaheuristic = enums.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        return search
    search.local_search_metaheuristic = enums.LocalSearchMetaheuristic.GREEDY_DESCENT
    if strategy.search == "descent":
        return search
    search.use_iterated_local_search = True
    ils = search.iterated_local_search_parameters
    ils.improve_perturbed_solution = strategy.improve_perturbed
    ruin_recreate = ils.ruin_recreate_parameters
    del ruin_recreate.ruin_strategies[:]
    sisr = ruin_recreate.ruin_strategies.add().sisr
    sisr.avg_num_removed_visits = strategy.removed_visits
    sisr.max_removed_sequence_size = strategy.max_string
    sisr.bypass_factor = 0.01
    ruin_recreate.recreate_strategy.heuristic = enums.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
    annealing = ils.reference_solution_acceptance_strategy.simulated_annealing
    annealing.automatic_temperatures = False
    annealing.initial_temperature = max(1.0, strategy.temperatures[0] * mean_arc)
    annealing.final_temperature = max(0.01, strategy.temperatures[1] * mean_arc)
    return search
