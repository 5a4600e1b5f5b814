"""An independent feasibility check of a routing plan.

It shares no code with the solver and imports no OR-Tools: it re-reads the problem and re-derives
every time, load and distance from the travel matrix, so a modelling mistake in the solver shows up
here as a violation instead of being confirmed by the same mistake.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from routing.solver import Problem, Route, Solution, Stop, Vehicle

# Loads are floats; a sum of a few hundred of them may be off by far less than this.
_LOAD_TOLERANCE = 1e-6


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
        driven = [
            [v.stop_id for v in route.visits] for route in solution.routes if route.vehicle_id == vehicle_id
        ]
        if driven != [list(locked)]:
            violations.append(f"vehicle {vehicle_id}: locked route {list(locked)} not kept, drove {driven}")

    for route in solution.routes:
        vehicle = vehicles.get(route.vehicle_id)
        if vehicle is not None and all(v.stop_id in stops for v in route.visits):
            violations += _check_route(problem, vehicle, route, stops, index)

    expected = sum(r.distance_m for r in solution.routes) + sum(
        vehicles[v].fixed_cost for v in used if v in vehicles
    )
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

    on_board = [sum(stops[v.stop_id].deliver_volume for v in route.visits),
                sum(stops[v.stop_id].deliver_kg for v in route.visits)]
    violations += _capacity(name, "leaving the depot", on_board, vehicle)
    if abs(on_board[0] - route.start_load_volume) > _LOAD_TOLERANCE or abs(
        on_board[1] - route.start_load_kg
    ) > _LOAD_TOLERANCE:
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
        on_board[0] += stop.collect_volume - stop.deliver_volume
        on_board[1] += stop.collect_kg - stop.deliver_kg
        violations += _capacity(name, f"after stop {stop.id}", on_board, vehicle)
        if abs(on_board[0] - visit.load_volume) > _LOAD_TOLERANCE or abs(
            on_board[1] - visit.load_kg
        ) > _LOAD_TOLERANCE:
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
    return violations


def _capacity(name: str, where: str, on_board: list[float], vehicle: Vehicle) -> list[str]:
    violations = []
    if on_board[0] > vehicle.volume_capacity + _LOAD_TOLERANCE:
        violations.append(f"{name}: {on_board[0]:g} volume {where}, over capacity {vehicle.volume_capacity:g}")
    if on_board[1] > vehicle.kg_capacity + _LOAD_TOLERANCE:
        violations.append(f"{name}: {on_board[1]:g} kg {where}, over capacity {vehicle.kg_capacity:g}")
    return violations
