"""The second search of the portfolio: a region's problem in PyVRP's model, solved by its iterated
local search on one core.

PyVRP expresses most of the problem: four load dimensions (ambient, chilled and frozen volume, and
kg) with deliveries and returns on one truck, receiving windows on the start of service, shifts and
the depot's hours as each vehicle's window, fixed vehicle costs, and every stop optional with a prize
larger than any detour, so that a stop is left out only when no truck can take it. What it cannot
express is handled outside it: locked routes and their vehicles are taken out of its problem, and the
cold-goods ride limit is not modelled, so every route it returns is driven again by
`schedule.drive` (the rules of the OR-Tools model) and a plan with a route that breaks one is
discarded as a whole; its other routes still join the pool recombination chooses from, each checked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routing.engine import clock
from routing.engine.model import (
    LOAD_KINDS,
    Problem,
    Stop,
    Vehicle,
    scaled_capacity,
    scaled_demand,
    stop_loads,
    vehicle_capacities,
)
from routing.engine.ortools_model import POOL_WITHIN, Outcome
from routing.engine.schedule import drive, route_cost, vehicle_classes


@dataclass(frozen=True)
class PyVRPJob:
    """The free part of a problem for PyVRP: `candidates` (matrix nodes) on the free vehicles of
    `fleet`, until `deadline` (a clock.now() value); with `iterations` set instead, the result
    depends only on the input and `seed`. With `start` (fleet index -> matrix nodes, as the OR-Tools
    searches report a plan), the search begins from that plan's free routes instead of its own."""

    problem: Problem
    fleet: list[Vehicle]
    locked: dict[str, list[int]]
    candidates: list[int]
    seed: int
    deadline: float
    iterations: int | None = None
    start: dict[int, list[int]] | None = None


@dataclass(frozen=True)
class PyVRPResult:
    plan: Outcome | None  # None: PyVRP found no plan, or one with a route that breaks a rule
    pool: frozenset[tuple[int, tuple[int, ...]]]  # its routes that keep every rule, by vehicle class


def run_pyvrp(job: PyVRPJob) -> PyVRPResult:
    """PyVRP's best plan for the free stops and vehicles, with the locked routes as given, checked
    route by route."""
    from pyvrp import Model
    from pyvrp.IteratedLocalSearch import IteratedLocalSearchParams
    from pyvrp.solve import SolveParams
    from pyvrp.stop import MaxIterations

    problem, fleet, locked = job.problem, job.fleet, job.locked
    locked_nodes = {n for nodes in locked.values() for n in nodes}
    free_vehicles = [k for k, v in enumerate(fleet) if v.id not in locked]
    windows = _windows(problem, [fleet[k] for k in free_vehicles], job.candidates) if free_vehicles else {}
    # A stop whose windows leave no time (its receiving window and the cold-goods windows do not
    # meet) is left out of PyVRP's problem: its plan then serves fewer stops, and loses to one that
    # serves it, but its routes still join the pool.
    free_stops = [n for n in job.candidates if n not in locked_nodes and n in windows]
    plan = {k: list(locked[v.id]) for k, v in enumerate(fleet) if v.id in locked}
    if not free_stops or not free_vehicles:
        return _outcome(problem, fleet, locked, plan, job.candidates)

    model = Model()
    nodes = [0, *free_stops]
    xy = _embedding(problem, nodes)
    locations = [model.add_location(x=float(x), y=float(y)) for x, y in xy]
    depot = model.add_depot(locations[0], tw_early=problem.depot.opens, tw_late=problem.depot.closes)
    classes = vehicle_classes(fleet)
    members: dict[int, list[int]] = {}
    for k in free_vehicles:
        members.setdefault(classes[k], []).append(k)
    for c, ks in members.items():
        vehicle = fleet[c]
        model.add_vehicle_type(
            num_available=len(ks),
            capacity=[scaled_capacity(x) for x in vehicle_capacities(vehicle)],
            start_depot=depot,
            end_depot=depot,
            fixed_cost=vehicle.fixed_cost,
            tw_early=max(vehicle.shift_start, problem.depot.opens),
            tw_late=min(vehicle.shift_end, problem.depot.closes),
        )
    prize = _prize(problem, fleet, free_stops)
    for n, location in zip(free_stops, locations[1:], strict=True):
        stop = problem.stops[n - 1]
        loads = stop_loads(stop)
        window = windows[n]
        model.add_client(
            location,
            delivery=[scaled_demand(loads[k][0]) for k in range(len(LOAD_KINDS))],
            pickup=[scaled_demand(loads[k][1]) for k in range(len(LOAD_KINDS))],
            service_duration=stop.service_s,
            tw_early=window[0],
            tw_late=window[1],
            prize=prize,
            required=False,
        )
    distances, durations = problem.matrix.distances, problem.matrix.durations
    for a, frm in zip(nodes, locations, strict=True):
        for b, to in zip(nodes, locations, strict=True):
            model.add_edge(frm, to, distance=int(distances[a][b]), duration=int(durations[a][b]))

    # PyVRP's MaxRuntime counts from the first iteration, after its first plan is built; the
    # deadline is the caller's, so it is read from the engine's clock at every iteration.
    stop_when = MaxIterations(job.iterations) if job.iterations is not None else _until(job.deadline)
    seen: dict[tuple[int, tuple[int, ...]], float] = {}
    params = SolveParams(ils=IteratedLocalSearchParams(callbacks=_pooling(seen)))
    class_of_type = list(members)
    initial = None
    if job.start is not None:
        start = {k: job.start[k] for k in free_vehicles if k in job.start}
        initial = _solution(model.data(), start, free_stops, classes, class_of_type)
    result = model.solve(
        stop_when, seed=job.seed, collect_stats=False, display=False, params=params, initial_solution=initial
    )
    cheapest = min(seen.values(), default=0.0)
    pooled = [
        (class_of_type[t], tuple(free_stops[i] for i in clients))
        for (t, clients), cost in seen.items()
        if cost <= (1 + POOL_WITHIN) * cheapest
    ]
    if not result.best.is_feasible():
        return PyVRPResult(None, _kept(problem, fleet, pooled))
    vacant = {c: list(ks) for c, ks in members.items()}
    for t, clients in _routes(result.best):
        k = vacant[class_of_type[t]].pop(0)
        plan[k] = [free_stops[i] for i in clients]
    return _outcome(problem, fleet, locked, plan, job.candidates, pooled)


def _solution(data, plan: dict[int, list[int]], free_stops: list[int], classes: list[int], class_of_type: list[int]):
    """A plan's routes (free vehicles only) as a PyVRP solution of `data`: stops absent from PyVRP's
    problem are left out of them, and PyVRP's search puts back any the plan left out."""
    from pyvrp import Route, Solution

    client = {n: i for i, n in enumerate(free_stops)}
    type_of_class = {c: t for t, c in enumerate(class_of_type)}
    routes = []
    for k, nodes in plan.items():
        visits = [client[n] for n in nodes if n in client]
        if visits and classes[k] in type_of_class:
            routes.append(Route(data, visits, type_of_class[classes[k]]))
    return Solution(data, routes)


def _until(deadline: float):
    def stop(best_cost: float) -> bool:
        return clock.now() >= deadline

    return stop


def _routes(solution) -> list[tuple[int, tuple[int, ...]]]:
    """A PyVRP solution's routes as (vehicle type, client indices in driving order)."""
    return [(route.vehicle_type(), tuple(a.idx for a in route if a.is_client())) for route in solution.routes()]


def _pooling(seen: dict[tuple[int, tuple[int, ...]], float]):
    """Search callbacks that keep, in `seen`, the routes of every feasible plan the search passes
    through within POOL_WITHIN of the best so far, each with the cost of the cheapest such plan it
    was part of: recombination's material is then the routes of plans within POOL_WITHIN of the
    best of the whole search, as the OR-Tools searches pool theirs."""
    from pyvrp.IteratedLocalSearch import IteratedLocalSearchCallbacks

    class Pooling(IteratedLocalSearchCallbacks):
        def on_iteration(self, current, candidate, best, cost_evaluator):
            if not candidate.is_feasible():
                return
            cost = cost_evaluator.cost(candidate)
            if cost <= (1 + POOL_WITHIN) * cost_evaluator.cost(best):
                for route in _routes(candidate):
                    seen[route] = min(cost, seen.get(route, cost))

    return Pooling()


def _outcome(
    problem: Problem,
    fleet: list[Vehicle],
    locked: dict[str, list[int]],
    plan: dict[int, list[int]],
    candidates: list[int],
    pooled: list[tuple[int, tuple[int, ...]]] = (),
) -> PyVRPResult:
    """The plan as the OR-Tools searches report theirs, unless one of its routes breaks a rule the
    OR-Tools model keeps; with the pooled routes that keep every rule."""
    classes = vehicle_classes(fleet)
    free = [(classes[k], tuple(nodes)) for k, nodes in plan.items() if nodes and fleet[k].id not in locked]
    broken = any(isinstance(drive(problem, fleet[k], nodes), str) for k, nodes in plan.items() if nodes)
    pool = _kept(problem, fleet, [*pooled, *free])
    if broken:
        return PyVRPResult(None, pool)
    served = sum(len(nodes) for nodes in plan.values())
    cost = sum(route_cost(problem, fleet[k], nodes) for k, nodes in plan.items())
    return PyVRPResult(Outcome(plan, len(candidates) - served, cost), pool)


def _kept(
    problem: Problem, fleet: list[Vehicle], routes: list[tuple[int, tuple[int, ...]]]
) -> frozenset[tuple[int, tuple[int, ...]]]:
    """The routes (vehicle class, matrix nodes) to pool: those with chilled or frozen goods on board
    only if a vehicle of their class can drive them within the ride limit, which PyVRP does not
    model. Every other rule PyVRP keeps itself, and the portfolio drives the plan recombination
    makes of them again before handing it back (routing.engine.portfolio)."""
    if problem.max_cold_ride_s is None:
        return frozenset(routes)
    return frozenset(
        (c, nodes)
        for c, nodes in set(routes)
        if not any(_cold(problem.stops[n - 1]) for n in nodes) or not isinstance(drive(problem, fleet[c], nodes), str)
    )


def _cold(stop: Stop) -> bool:
    return stop.delivers_cold or stop.collects_cold


def _windows(problem: Problem, vehicles: list[Vehicle], nodes: list[int]) -> dict[int, tuple[int, int]]:
    """Each stop's window on the start of its service in PyVRP's problem: its receiving window,
    narrowed for chilled and frozen goods (see _cold_windows); stops with no time left are absent."""
    cold_by, cold_from = _cold_windows(problem, vehicles)
    windows = {}
    for n in nodes:
        stop = problem.stops[n - 1]
        start, end = stop.window or (0, np.iinfo(np.int64).max)
        if stop.delivers_cold and cold_by is not None:
            end = min(end, cold_by)
        if stop.collects_cold and cold_from is not None:
            start = max(start, cold_from)
        if start <= end:
            windows[n] = (start, end)
    return windows


def _cold_windows(problem: Problem, vehicles: list[Vehicle]) -> tuple[int | None, int | None]:
    """When chilled or frozen goods must be handed over so that the ride limit holds whatever time
    the truck leaves and returns: a delivery started by the earliest departure plus the limit, a
    return collected no earlier than the latest return to the depot less the limit. PyVRP has no
    ride limits; these windows are sufficient, if stricter than the rule, and every route is driven
    again by the OR-Tools model's rules anyway. (None, None) without a limit."""
    if problem.max_cold_ride_s is None:
        return None, None
    earliest = min(max(v.shift_start, problem.depot.opens) for v in vehicles)
    latest = max(min(v.shift_end, problem.depot.closes) for v in vehicles)
    return earliest + problem.max_cold_ride_s, latest - problem.max_cold_ride_s


def _prize(problem: Problem, fleet: list[Vehicle], stops: list[int]) -> int:
    """More than serving any one stop can add to the objective: a return trip to it on the dearest
    truck."""
    distances = problem.matrix.distances
    trip = max(int(distances[0][n]) + int(distances[n][0]) for n in stops)
    return 2 * (trip + max(v.fixed_cost for v in fleet)) + 1


def _embedding(problem: Problem, nodes: list[int]) -> np.ndarray:
    """Planar coordinates whose distances approximate the matrix's (classical multidimensional
    scaling). The problem has no coordinates, and PyVRP's SWAP* uses the polar angles of stops
    around the depot to pick which routes to pair; unreachable pairs are capped so they do not
    swamp the layout."""
    d = np.asarray([[problem.matrix.distances[a][b] for b in nodes] for a in nodes], dtype=float)
    d = np.minimum((d + d.T) / 2, np.percentile(d, 99) * 2 if d.size > 1 else 0)
    n = len(nodes)
    centring = np.eye(n) - np.full((n, n), 1 / n)
    gram = -0.5 * centring @ (d**2) @ centring
    values, vectors = np.linalg.eigh(gram)
    top = np.argsort(values)[::-1][:2]
    xy = vectors[:, top] * np.sqrt(np.maximum(values[top], 0))
    return xy - xy[0]
