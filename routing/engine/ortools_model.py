"""One worker's search: the OR-Tools routing model of a problem (arc costs, time windows, shifts, cold
ride limits, loads by compartment, locked routes) and the search it runs on it."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from routing.engine import clock
from routing.engine.model import (
    LOAD_KINDS,
    UNREACHABLE,
    Problem,
    SearchParams,
    Stop,
    Vehicle,
    scaled_capacity,
    scaled_demand,
    stop_loads,
    vehicle_capacities,
)
from routing.engine.schedule import departure_window, route_cost, vehicle_classes

if TYPE_CHECKING:
    from ortools.constraint_solver import pywrapcp


@dataclass(frozen=True)
class Strategy:
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
    # routing.engine.search).
    later_rounds: Strategy | None = None


# Ruin and recreate leaves every route as cheapest insertion built it, and gets only about a hundred
# iterations a second out of OR-Tools on 200 stops; this share of its time goes to a final descent
# with the full neighbourhood (2-opt, or-opt, exchanges between routes) from the best plan it found.
_POLISH_SHARE = 0.05

# Guided local search resumes in epochs of this many solutions per free stop (see _guided_search).
_GLS_EPOCH_PER_STOP = 20


@dataclass(frozen=True)
class Outcome:
    routes: dict[int, list[int]]  # fleet index -> matrix nodes
    dropped: int
    cost: int
    # Routes of the plans the search passed through, as (vehicle class, matrix nodes); filled only
    # for searches asked to pool them (see run_search).
    pool: frozenset[tuple[int, tuple[int, ...]]] = frozenset()


# A worker pools the routes of the plans within this fraction of the cheapest one it found: those of
# costlier plans rarely make a cheaper one, and more routes make the recombination outlast its time.
POOL_WITHIN = 0.015


@dataclass(frozen=True)
class SearchJob:
    """What one worker searches: `candidates` (matrix nodes) on `fleet`, with `locked` routes (vehicle
    id -> matrix nodes) kept as they are, until `deadline` (a clock.now() value)."""

    problem: Problem
    fleet: list[Vehicle]
    locked: dict[str, list[int]]
    candidates: list[int]
    strategy: Strategy
    params: SearchParams
    seed: str
    deadline: float
    # The plan to start from (fleet index -> matrix nodes); None: the strategy's first solution.
    start: dict[int, list[int]] | None = None
    # Ruin and recreate ends with a descent.
    polish: bool = True
    # The outcome carries the routes of the plans the search found within POOL_WITHIN of its cheapest.
    pool_routes: bool = False


def run_search(job: SearchJob) -> Outcome | None:
    """One worker's search: the best plan it found, or None if it found none in time."""
    problem, fleet, locked, candidates = job.problem, job.fleet, job.locked, job.candidates
    strategy, params, seed, deadline = job.strategy, job.params, job.seed, job.deadline
    start, polish, pool_routes = job.start, job.polish, job.pool_routes
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
    for k, name in enumerate(LOAD_KINDS):
        demands = [(scaled_demand(stop_loads(s)[k][0]), scaled_demand(stop_loads(s)[k][1])) for s in stops]
        capacities = [scaled_capacity(vehicle_capacities(v)[k]) for v in fleet]
        _add_load(model, fleet, name.replace(" ", "_"), demands, capacities)

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
        polish_from = deadline - _POLISH_SHARE * (deadline - clock.now())
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
    cost = sum(route_cost(problem, fleet[k], nodes) for k, nodes in as_nodes.items())
    cheapest = min(seen.values(), default=0)
    pool = frozenset(route for route, plan_cost in seen.items() if plan_cost <= cheapest * (1 + POOL_WITHIN))
    return Outcome(as_nodes, dropped, cost, pool)


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
    and a plan more than POOL_WITHIN over the cheapest so far is not read at all, since it is that
    much over the cheapest at the end too and would not be pooled. Reading every plan through
    model.NextVar and model.IsEnd made ruin and recreate a third slower."""
    classes = vehicle_classes(fleet)
    size = model.Size()  # indices from here on are routes' ends
    nexts = [model.NextVar(i) for i in range(size)]
    place = [places[manager.IndexToNode(i)] for i in range(size)]
    starts = [(classes[k], model.Start(k)) for k, v in enumerate(fleet) if v.id not in locked]
    objective = model.CostVar()
    cheapest = math.inf

    def record() -> None:
        nonlocal cheapest
        cost = objective.Value()
        if cost > cheapest * (1 + POOL_WITHIN):
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
        if not improved or solutions_left == 0 or clock.now() >= deadline:
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
    shortest_shift = min(back - leave for leave, back in (departure_window(problem, v) for v in fleet))
    limit = problem.max_cold_ride_s
    cold = limit is not None and any(s.delivers_cold or s.collects_cold for s in stops)
    if not windows and longest_route <= shortest_shift and (not cold or longest_route <= limit):
        return
    horizon = max(departure_window(problem, v)[1] for v in fleet)
    model.AddDimension(model.RegisterTransitMatrix(transits.tolist()), horizon, horizon, False, "time")
    times = model.GetDimensionOrDie("time")
    for k, window in windows:
        times.CumulVar(manager.NodeToIndex(k)).SetRange(*window)
    for k, vehicle in enumerate(fleet):
        leave, back = departure_window(problem, vehicle)
        times.CumulVar(model.Start(k)).SetRange(leave, back)
        times.CumulVar(model.End(k)).SetRange(leave, back)
    if cold:
        _add_ride_limits(model, manager, stops, times, limit, horizon)


def _add_ride_limits(
    model: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    stops: list[Stop],
    times: pywrapcp.RoutingDimension,
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
    departures = [solver.IntVar(horizon, horizon)] + [times.CumulVar(model.Start(k)) for k in vehicles]
    returns = [solver.IntVar(0, 0)] + [times.CumulVar(model.End(k)) for k in vehicles]
    for node, stop in enumerate(stops, start=1):
        if not (stop.delivers_cold or stop.collects_cold):
            continue
        index = manager.NodeToIndex(node)
        vehicle = (model.VehicleVar(index) + 1).Var()
        if stop.delivers_cold:
            solver.Add(times.CumulVar(index) <= solver.Element(departures, vehicle) + limit)
        if stop.collects_cold:
            solver.Add(solver.Element(returns, vehicle) <= times.CumulVar(index) + stop.service_s + limit)


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
        for a, b in pairwise(path):
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
    return max(1, round((deadline - clock.now()) * 1000))


def _search_parameters(
    strategy: Strategy, params: SearchParams, mean_arc: float, deadline: float
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
