"""Feasibility and schedules: whether a vehicle can drive stops in a given order, when, and with what
on board. Shared by the checks before the search, the check of locked routes and the plan returned."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise

from routing.engine.model import (
    DAY_S,
    LOAD_KINDS,
    REASON_COLD_RIDE,
    REASON_NO_COMPARTMENT,
    REASON_NO_ROAD,
    REASON_NO_VEHICLE,
    REASON_OVER_CAPACITY,
    REASON_SHIFT,
    REASON_WINDOW,
    UNREACHABLE,
    Problem,
    ProblemError,
    Route,
    Stop,
    Vehicle,
    Visit,
    scaled_capacity,
    scaled_demand,
    stop_loads,
    vehicle_capacities,
)


def locked_route_nodes(problem: Problem, fleet: list[Vehicle]) -> dict[str, list[int]]:
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
        driven = drive(problem, usable[vehicle_id], nodes)
        if isinstance(driven, str):
            raise ProblemError(f"locked route of vehicle {vehicle_id} cannot be driven: {driven}")
        locked[vehicle_id] = nodes
    return locked


def can_leave(problem: Problem, vehicle: Vehicle) -> bool:
    leave, back = departure_window(problem, vehicle)
    return leave <= back


def departure_window(problem: Problem, vehicle: Vehicle) -> tuple[int, int]:
    """When the vehicle may leave and must be back: its shift within the depot's opening hours."""
    return max(vehicle.shift_start, problem.depot.opens), min(vehicle.shift_end, problem.depot.closes)


def drive(problem: Problem, vehicle: Vehicle, nodes: Sequence[int]) -> Route | str:
    """The route driven in this order, leaving as late as possible without waiting more than
    needed; or the reason it cannot be driven."""
    stops = [problem.stops[n - 1] for n in nodes]
    capacities = [scaled_capacity(c) for c in vehicle_capacities(vehicle)]
    on_board = [sum(scaled_demand(stop_loads(s)[k][0]) for s in stops) for k in range(len(LOAD_KINDS))]
    for stop in [*stops, None]:
        over = [name for name, load, cap in zip(LOAD_KINDS, on_board, capacities, strict=True) if load > cap]
        if over:
            place = "on the way back" if stop is None else f"before stop {stop.id}"
            return f"over capacity of vehicle {vehicle.id} {place} ({', '.join(over)})"
        if stop is not None:
            for k, (delivered, collected) in enumerate(stop_loads(stop)):
                on_board[k] += scaled_demand(collected) - scaled_demand(delivered)

    earliest, latest_back = departure_window(problem, vehicle)
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
    for node, start in zip(nodes, starts, strict=True):
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
            return f"{COLD_RIDE_OVERRUN} {limit // 60} min, for stop {stop_id}"
        leave, timing = schedule
    return _route(problem, vehicle, nodes, leave, timing)


COLD_RIDE_OVERRUN = "chilled/frozen goods on board longer than"


def _cold_overrun(problem: Problem, nodes: Sequence[int], leave: int, timing: tuple[list[int], int]) -> str | None:
    """The first stop whose chilled/frozen goods ride longer than allowed on this schedule, if any."""
    limit = problem.max_cold_ride_s
    if limit is None:
        return None
    starts, back = timing
    for node, start in zip(nodes, starts, strict=True):
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
    earliest, latest_back = departure_window(problem, vehicle)
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
    on_board = [sum(stop_loads(s)[k][0] for s in stops) for k in range(len(LOAD_KINDS))]
    start_load = [round(load, 6) for load in on_board]
    visits, prev, clock, distance = [], 0, leave, 0
    for node, stop, start in zip(nodes, stops, starts, strict=True):
        for k, (delivered, collected) in enumerate(stop_loads(stop)):
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


def unservable_reason(problem: Problem, fleet: list[Vehicle], node: int) -> str | None:
    """Why no vehicle could serve this stop even on a route of its own, or None if one could."""
    if not fleet:
        return REASON_NO_VEHICLE
    stop = problem.stops[node - 1]
    fitting = [v for v in fleet if not _over_capacity(v, stop)]
    if not fitting:
        needs = [max(scaled_demand(d), scaled_demand(c)) for d, c in stop_loads(stop)]
        cold = [
            f"{name} {max(pair):g} (largest compartment {max(vehicle_capacities(v)[k] for v in fleet):g})"
            for k, (name, pair) in enumerate(zip(LOAD_KINDS, stop_loads(stop), strict=True))
            if name in ("chilled volume", "frozen volume")
            and all(needs[k] > scaled_capacity(vehicle_capacities(v)[k]) for v in fleet)
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
    alone = [drive(problem, v, [node]) for v in fitting]
    if any(not isinstance(route, str) for route in alone):
        return None
    if any(route.startswith(COLD_RIDE_OVERRUN) for route in alone):
        return f"{REASON_COLD_RIDE} ({problem.max_cold_ride_s // 60} min)"
    if stop.window is not None:
        return f"{REASON_WINDOW} ({_clock(stop.window[0])}-{_clock(stop.window[1])})"
    return REASON_SHIFT


def _over_capacity(vehicle: Vehicle, stop: Stop) -> bool:
    return any(
        max(scaled_demand(delivered), scaled_demand(collected)) > scaled_capacity(capacity)
        for (delivered, collected), capacity in zip(stop_loads(stop), vehicle_capacities(vehicle), strict=True)
    )


def vehicle_classes(fleet: list[Vehicle]) -> list[int]:
    """For each vehicle, the index of the first one in `fleet` that differs from it only by id: a
    route one of them can drive, any of them can."""
    anonymous = [replace(v, id="") for v in fleet]
    return [anonymous.index(v) for v in anonymous]


def route_cost(problem: Problem, vehicle: Vehicle, nodes: Sequence[int]) -> int:
    """What a route adds to the objective: its metres, plus its vehicle's fixed cost."""
    if not nodes:
        return 0
    distances = problem.matrix.distances
    return sum(int(distances[a][b]) for a, b in legs(list(nodes))) + vehicle.fixed_cost


def legs(nodes: list[int]) -> list[tuple[int, int]]:
    path = [0, *nodes, 0]
    return list(pairwise(path)) if nodes else []
