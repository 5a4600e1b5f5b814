"""`solve`: the checks before the search, the search, and the plan written out; `solve_isolated`, the
same in a child process that can be killed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from routing.engine import clock, portfolio
from routing.engine.model import (
    REASON_FLEET_FULL,
    REASON_NO_SOLUTION,
    Problem,
    SearchParams,
    Solution,
    Unserved,
)
from routing.engine.schedule import can_leave, drive, locked_route_nodes, unservable_reason
from routing.engine.workers import GRACE_S, Workers, run_isolated

DEFAULT_PARAMS = SearchParams()


def solve(problem: Problem, params: SearchParams = DEFAULT_PARAMS) -> Solution:
    """Plan the routes. Never raises for stops that cannot be served; raises `ProblemError` only for
    a locked route that cannot be driven as given."""
    started = clock.now()
    fleet = [v for v in problem.vehicles if can_leave(problem, v)]
    locked = locked_route_nodes(problem, fleet)
    locked_nodes = {node for nodes in locked.values() for node in nodes}
    reasons: dict[int, str] = {}
    for node in range(1, len(problem.stops) + 1):
        if node not in locked_nodes:
            reason = unservable_reason(problem, fleet, node)
            if reason:
                reasons[node] = reason
    candidates = [n for n in range(1, len(problem.stops) + 1) if n not in reasons]

    if all(node in locked_nodes for node in candidates):
        # Nothing left to choose: the locked routes are the plan.
        best: dict[int, list[int]] | None = {k: locked[v.id] for k, v in enumerate(fleet) if v.id in locked}
    else:
        deadline = started + params.time_limit_s
        with Workers() as children:
            best = portfolio.search(problem, fleet, locked, candidates, params, deadline, children)

    routes = []
    served: set[int] = set()
    if best is not None:
        for index, nodes in sorted(best.items()):
            if not nodes:
                continue
            vehicle = fleet[index]
            route = drive(problem, vehicle, nodes)
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
    return Solution(tuple(routes), unserved, objective, round(clock.now() - started, 3))


def solve_isolated(
    problem: Problem,
    params: SearchParams = DEFAULT_PARAMS,
    *,
    timeout_s: float | None = None,
    target: Callable[[Problem, SearchParams], Solution] = solve,
) -> Solution:
    """`target(problem, params)` (the solver, unless a test swaps in a misbehaving one) run in a child
    process, killed after `timeout_s` (default: the search's time limit plus `GRACE_S`). Errors the
    solver raises (such as `ProblemError`) are raised here unchanged."""
    timeout = params.time_limit_s + GRACE_S if timeout_s is None else timeout_s
    return run_isolated(target, problem, params, timeout)
