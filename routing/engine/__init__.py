"""Delivery-and-return route planning on OR-Tools, with no Django in sight.

Dataclasses in, dataclasses out: build a `Problem` (a depot, stops, vehicles and a travel matrix),
call `solve` (or `solve_isolated`, in a child process that can be killed) with `SearchParams`, and
read the `Solution`. Units, everywhere: times are integer seconds since midnight of the plan day,
distances integer metres, volumes in the planner's units and weights in kg (see
routing.engine.model).

The objective is metres driven plus the fixed cost of every vehicle used (fixed costs are expressed in
the same unit, metres). Serving a stop always beats leaving it out: a stop is dropped only when no
vehicle can take it, and is then reported in `Solution.unserved` with the reason.

How the search works, and what did not pay: docs/routing.md.
"""

from routing.engine.model import (
    DAY_S,
    LOAD_SCALE,
    REASON_COLD_RIDE,
    REASON_FLEET_FULL,
    REASON_NO_COMPARTMENT,
    REASON_NO_ROAD,
    REASON_NO_SOLUTION,
    REASON_NO_VEHICLE,
    REASON_OVER_CAPACITY,
    REASON_SHIFT,
    REASON_WINDOW,
    UNREACHABLE,
    Depot,
    Problem,
    ProblemError,
    Route,
    SearchParams,
    Solution,
    Stop,
    TravelMatrix,
    Unserved,
    Vehicle,
    Visit,
    overrun_slack,
)
from routing.engine.planner import solve, solve_isolated
from routing.engine.workers import GRACE_S, SolverCrashed, SolverTimedOut, Workers, children_allowed

__all__ = [
    "DAY_S",
    "GRACE_S",
    "LOAD_SCALE",
    "REASON_COLD_RIDE",
    "REASON_FLEET_FULL",
    "REASON_NO_COMPARTMENT",
    "REASON_NO_ROAD",
    "REASON_NO_SOLUTION",
    "REASON_NO_VEHICLE",
    "REASON_OVER_CAPACITY",
    "REASON_SHIFT",
    "REASON_WINDOW",
    "UNREACHABLE",
    "Depot",
    "Problem",
    "ProblemError",
    "Route",
    "SearchParams",
    "Solution",
    "SolverCrashed",
    "SolverTimedOut",
    "Stop",
    "TravelMatrix",
    "Unserved",
    "Vehicle",
    "Visit",
    "Workers",
    "children_allowed",
    "overrun_slack",
    "solve",
    "solve_isolated",
]
