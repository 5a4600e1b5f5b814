"""The cheapest plan that can be put together from routes the searches have already driven.

Ruin and recreate rebuilds a few routes at a time and passes through thousands of plans; many of the
routes in plans it discarded are good ones that never came together in one plan. Choosing the
cheapest set of pooled routes that serves every stop exactly once recombines them: the set
partitioning step of ILS-SP (Subramanian, Uchoa and Ochi, 2013). The model is solved with OR-Tools'
CP-SAT, after its linear relaxation has ruled out every route too costly to be part of a plan
cheaper than the incumbent (reduced-cost fixing), which leaves it a small fraction of the pool.

`cheapest_partition` takes pure data, no routing model: a route is its stops in driving order plus the
class of vehicle that drove it, and is feasible for any vehicle of that class. `recombine` is the
solver's side: from its plans and pooled routes to that model and back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from routing.engine import clock
from routing.engine.model import Problem, Vehicle
from routing.engine.ortools_model import Outcome
from routing.engine.schedule import route_cost, vehicle_classes


@dataclass(frozen=True)
class PooledRoute:
    vehicle_class: int
    nodes: tuple[int, ...]
    cost: int


# In deterministic mode (a search with a solution limit) CP-SAT runs on one thread and stops after
# this much of its deterministic time, a measure of work done rather than of seconds.
_DETERMINISTIC_BUDGET = 2.0


def cheapest_partition(
    routes: Sequence[PooledRoute],
    stops: Collection[int],
    vehicles: Mapping[int, int],
    incumbent: Collection[int],
    deadline: float | None,
    same_size: bool = False,
) -> list[int] | None:
    """Indices into `routes` of a plan cheaper than `incumbent` (indices too): every one of `stops`
    visited exactly once, at most `vehicles[c]` routes of each vehicle class c, and as many routes as
    the incumbent if `same_size`. None when the search finds none, or the incumbent is the cheapest
    the pool allows.

    `deadline` (a clock.now() value) bounds the search; None makes the result depend only on
    the arguments, with a budget of work instead of time.
    """
    stop_set = set(stops)
    usable = [
        i
        for i, route in enumerate(routes)
        if vehicles.get(route.vehicle_class, 0) > 0 and stop_set.issuperset(route.nodes)
    ]
    ceiling = sum(routes[i].cost for i in incumbent)
    size = len(incumbent) if same_size else None
    kept = _within_reach(routes, usable, stop_set, vehicles, size, ceiling - 1, deadline)
    if not kept:
        return None
    kept = sorted(set(kept) | set(incumbent))
    chosen = _solve(routes, kept, stop_set, vehicles, size, set(incumbent), deadline)
    if chosen is None or sum(routes[i].cost for i in chosen) >= ceiling:
        return None
    return chosen


def _within_reach(
    routes: Sequence[PooledRoute],
    usable: list[int],
    stops: set[int],
    vehicles: Mapping[int, int],
    size: int | None,
    ceiling: int,
    deadline: float | None,
) -> list[int]:
    """The usable routes that may be part of a plan costing at most `ceiling`: those whose reduced
    cost in the linear relaxation is at most `ceiling` less the relaxation's optimum. Empty when the
    relaxation's optimum is already above the ceiling, or it could not be solved in time."""
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("GLOP")
    if deadline is not None:
        solver.SetTimeLimit(max(1, round((deadline - clock.now()) * 1000)))
    chosen = [solver.NumVar(0, 1, "") for _ in usable]
    covers = {stop: solver.Constraint(1, 1) for stop in stops}
    uses = {c: solver.Constraint(0, n) for c, n in vehicles.items()}
    objective = solver.Objective()
    for i, x in zip(usable, chosen, strict=True):
        route = routes[i]
        for stop in route.nodes:
            covers[stop].SetCoefficient(x, 1)
        uses[route.vehicle_class].SetCoefficient(x, 1)
        objective.SetCoefficient(x, route.cost)
    objective.SetMinimization()
    if size is not None:
        routes_used = solver.Constraint(size, size)
        for x in chosen:
            routes_used.SetCoefficient(x, 1)
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return []
    bound = solver.Objective().Value()
    slack = ceiling - bound + 1e-6
    if slack < 0:
        return []
    return [i for i, x in zip(usable, chosen, strict=True) if x.reduced_cost() <= slack]


def _solve(
    routes: Sequence[PooledRoute],
    indices: list[int],
    stops: set[int],
    vehicles: Mapping[int, int],
    size: int | None,
    incumbent: set[int],
    deadline: float | None,
) -> list[int] | None:
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    chosen = {i: model.NewBoolVar(f"r{i}") for i in indices}
    visits: dict[int, list] = {stop: [] for stop in stops}
    per_class: dict[int, list] = {c: [] for c in vehicles}
    for i, x in chosen.items():
        for stop in routes[i].nodes:
            visits[stop].append(x)
        per_class[routes[i].vehicle_class].append(x)
    for xs in visits.values():
        model.AddExactlyOne(xs)
    for c, xs in per_class.items():
        if xs:
            model.Add(sum(xs) <= vehicles[c])
    if size is not None:
        model.Add(sum(chosen.values()) == size)
    model.Minimize(sum(routes[i].cost * x for i, x in chosen.items()))
    for i, x in chosen.items():
        model.AddHint(x, i in incumbent)

    solver = cp_model.CpSolver()
    if deadline is None:
        solver.parameters.num_workers = 1
        solver.parameters.max_deterministic_time = _DETERMINISTIC_BUDGET
    else:
        # Two threads: the searches it recombines are stopped while it runs.
        solver.parameters.num_workers = 2
        solver.parameters.max_time_in_seconds = max(0.001, deadline - clock.now())
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return [i for i, x in chosen.items() if solver.Value(x)]


def recombine(
    problem: Problem,
    fleet: list[Vehicle],
    locked: dict[str, list[int]],
    best: Outcome,
    pool: set[tuple[int, tuple[int, ...]]],
    deadline: float | None,
    same_size: bool = False,
) -> Outcome | None:
    """A plan cheaper than `best` made of pooled routes, serving the same stops, with as many routes
    if `same_size`; None if the search finds none by `deadline` (None: within a fixed budget of work,
    see cheapest_partition). Locked routes stay as they are, on their vehicles.

    Between rounds the plan keeps its number of routes: where loads fill the fewest trucks, a plan on
    them leaves the searches after it too little room to move stops. The last recombination takes
    the cheapest plan of any size."""
    classes = vehicle_classes(fleet)
    free_vehicles = [k for k, v in enumerate(fleet) if v.id not in locked]
    current = [(classes[k], tuple(best.routes[k])) for k in free_vehicles if best.routes.get(k)]
    keys = list(pool | set(current))
    # A class is the index of its first vehicle.
    routes = [PooledRoute(c, nodes, route_cost(problem, fleet[c], nodes)) for c, nodes in keys]
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
    cost = sum(route_cost(problem, fleet[k], nodes) for k, nodes in plan.items())
    return Outcome(plan, best.dropped, cost)
