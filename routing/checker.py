"""An independent feasibility check of a routing plan.

It shares no code with the solver and imports no OR-Tools: it re-reads the problem and re-derives
every time, load and distance from the travel matrix, so a modelling mistake in the solver shows up
here as a violation instead of being confirmed by the same mistake.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from routing.engine import Problem, Route, Solution, Stop, Vehicle

# Loads are floats; a sum of a few hundred of them may be off by far less than this.
_LOAD_TOLERANCE = 1e-6
# What is on board, each against its own capacity: ambient, chilled and frozen compartments, payload.
_UNITS = ("volume", "chilled volume", "frozen volume", "kg")


def check(problem: Problem, solution: Solution) -> list[str]:
    """Every way the solution breaks the problem's rules; an empty list means it is feasible."""
    violations: list[str] = []
    stops = {s.id: s for s in problem.stops}
    vehicles = {v.id: v for v in problem.vehicles}
    index = {s.id: i for i, s in enumerate(problem.stops, start=1)}

    served = Counter(visit.stop_id for route in solution.routes for visit in route.visits)
    unserved = Counter(u.stop_id for u in solution.unserved)
    for stop_id in sorted((served | unserved).keys() - stops.keys()):
        violations.append(f"unknown stop {stop_id}")
    for stop_id in stops:
        times = served[stop_id] + unserved[stop_id]
        if times == 0:
            violations.append(f"stop {stop_id} is neither served nor reported unserved")
        elif served[stop_id] > 1:
            violations.append(f"stop {stop_id} is served {served[stop_id]} times")
        elif times > 1:
            violations.append(f"stop {stop_id} is both served and reported unserved, or reported twice")
    for u in solution.unserved:
        if not u.reason:
            violations.append(f"stop {u.stop_id} is unserved without a reason")

    used = Counter(route.vehicle_id for route in solution.routes)
    for vehicle_id, count in used.items():
        if vehicle_id not in vehicles:
            violations.append(f"unknown vehicle {vehicle_id}")
        elif count > 1:
            violations.append(f"vehicle {vehicle_id} drives {count} routes")

    for vehicle_id, locked in problem.locked_routes.items():
        if not locked:
            continue
        driven = [[v.stop_id for v in route.visits] for route in solution.routes if route.vehicle_id == vehicle_id]
        if driven != [list(locked)]:
            violations.append(f"vehicle {vehicle_id}: locked route {list(locked)} not kept, drove {driven}")

    for route in solution.routes:
        vehicle = vehicles.get(route.vehicle_id)
        if vehicle is not None and all(v.stop_id in stops for v in route.visits):
            violations += _check_route(problem, vehicle, route, stops, index)

    expected = sum(r.distance_m for r in solution.routes) + sum(vehicles[v].fixed_cost for v in used if v in vehicles)
    if solution.objective != expected:
        violations.append(f"objective {solution.objective} != distance + fixed costs {expected}")
    return violations


def _check_route(
    problem: Problem, vehicle: Vehicle, route: Route, stops: dict[str, Stop], index: dict[str, int]
) -> list[str]:
    name = f"vehicle {vehicle.id}"
    durations, distances = problem.matrix.durations, problem.matrix.distances
    violations = []
    if not route.visits:
        violations.append(f"{name}: empty route listed")
    if route.start < vehicle.shift_start:
        violations.append(f"{name}: leaves at {route.start}, before its shift starts at {vehicle.shift_start}")
    if route.start < problem.depot.opens:
        violations.append(f"{name}: leaves at {route.start}, before the depot opens at {problem.depot.opens}")

    on_board = [0.0] * len(_UNITS)
    for v in route.visits:
        for k, (delivered, _) in enumerate(_loads(stops[v.stop_id])):
            on_board[k] += delivered
    violations += _capacity(name, "leaving the depot", on_board, vehicle)
    reported = (
        route.start_load_volume,
        route.start_load_chilled_volume,
        route.start_load_frozen_volume,
        route.start_load_kg,
    )
    if any(abs(real - said) > _LOAD_TOLERANCE for real, said in zip(on_board, reported, strict=True)):
        violations.append(f"{name}: reported start load differs from its deliveries {on_board}")

    place, clock, distance = 0, route.start, 0
    for visit in route.visits:
        stop, here = stops[visit.stop_id], index[visit.stop_id]
        where = f"{name} at stop {stop.id}"
        if visit.arrival != clock + durations[place][here]:
            violations.append(f"{where}: arrival {visit.arrival} != {clock} + travel {durations[place][here]}")
        if visit.service_start < visit.arrival:
            violations.append(f"{where}: service starts before arrival")
        if stop.window is not None and not stop.window[0] <= visit.service_start <= stop.window[1]:
            violations.append(f"{where}: service starts at {visit.service_start}, outside window {stop.window}")
        service = stop.service_fixed_s + stop.service_per_parcel_s * (stop.deliver_parcels + stop.collect_parcels)
        if visit.departure != visit.service_start + service:
            violations.append(f"{where}: departure {visit.departure} != start + service {service}")
        if (visit.delivered_parcels, visit.collected_parcels) != (stop.deliver_parcels, stop.collect_parcels):
            violations.append(f"{where}: parcel counts differ from the stop's")
        for k, (delivered, collected) in enumerate(_loads(stop)):
            on_board[k] += collected - delivered
        violations += _capacity(name, f"after stop {stop.id}", on_board, vehicle)
        reported = (visit.load_volume, visit.load_chilled_volume, visit.load_frozen_volume, visit.load_kg)
        if any(abs(real - said) > _LOAD_TOLERANCE for real, said in zip(on_board, reported, strict=True)):
            violations.append(f"{where}: reported load differs from the real one {on_board}")
        distance += distances[place][here]
        place, clock = here, visit.departure

    back = clock + durations[place][0]
    distance += distances[place][0]
    if route.end != back:
        violations.append(f"{name}: reported back at {route.end}, really back at {back}")
    if back > vehicle.shift_end:
        violations.append(f"{name}: back at {back}, after its shift ends at {vehicle.shift_end}")
    if back > problem.depot.closes:
        violations.append(f"{name}: back at {back}, after the depot closes at {problem.depot.closes}")
    if route.distance_m != distance:
        violations.append(f"{name}: reported distance {route.distance_m} != {distance}")
    if problem.max_cold_ride_s is not None:
        violations += _cold_rides(name, route, stops, route.start, back, problem.max_cold_ride_s)
    return violations


def _loads(stop: Stop) -> tuple[tuple[float, float], ...]:
    """(delivered, collected) at the stop, in the order of _UNITS."""
    return (
        (stop.deliver_volume, stop.collect_volume),
        (stop.deliver_chilled_volume, stop.collect_chilled_volume),
        (stop.deliver_frozen_volume, stop.collect_frozen_volume),
        (stop.deliver_kg, stop.collect_kg),
    )


def _capacity(name: str, where: str, on_board: list[float], vehicle: Vehicle) -> list[str]:
    capacities = (
        vehicle.volume_capacity,
        vehicle.chilled_volume_capacity,
        vehicle.frozen_volume_capacity,
        vehicle.kg_capacity,
    )
    violations = []
    for unit, load, capacity in zip(_UNITS, on_board, capacities, strict=True):
        if load <= capacity + _LOAD_TOLERANCE:
            continue
        if capacity == 0 and unit != "kg":
            violations.append(f"{name}: {load:g} {unit} {where}, but it has no {unit.split()[0]} compartment")
        else:
            violations.append(f"{name}: {load:g} {unit} {where}, over capacity {capacity:g}")
    return violations


def _cold_rides(name: str, route: Route, stops: dict[str, Stop], leave: int, back: int, limit: int) -> list[str]:
    """Chilled/frozen deliveries from the depot to the start of their service, returns from leaving
    their stop to the depot: each at most `limit` seconds. Times are the route's own (already checked
    above against the matrix), and the return is the real one."""
    violations = []
    for visit in route.visits:
        stop = stops[visit.stop_id]
        rides = []
        if stop.deliver_chilled_volume > 0 or stop.deliver_frozen_volume > 0:
            rides.append(("delivery", visit.service_start - leave))
        if stop.collect_chilled_volume > 0 or stop.collect_frozen_volume > 0:
            rides.append(("return", back - visit.departure))
        violations += [
            f"{name} at stop {stop.id}: cold {kind} on board {ride} s, over the limit {limit} s"
            for kind, ride in rides
            if ride > limit
        ]
    return violations
