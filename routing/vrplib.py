"""Solve a published benchmark instance with this engine.

    python -m routing.vrplib PATH [--time-limit S] [--solution-limit N] [--seed N] [--workers W]

Reads a CVRPLIB `.vrp` file or a Solomon `.txt` file and prints one JSON object:
{"instance", "cost", "routes", "seconds"}, routes as lists of the file's own node numbers (depot left
out), cost in the instance's own convention:

- CVRP (`.vrp`, EUC_2D): distances are rounded Euclidean (TSPLIB nint); no times; the fleet is
  unlimited, which we model as more vehicles than any good plan uses (see `cvrp_fleet_size`).
- Solomon (`.txt`): distances are Euclidean truncated to one decimal, computed exactly as integers
  scaled by 10; travel time equals distance; time windows and the depot's due time are hard; the fleet
  is the file's vehicle count; the objective is distance only.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import vrplib as vrplib_reader

from routing.engine import Depot, Problem, SearchParams, Solution, Stop, TravelMatrix, Vehicle, solve

SOLOMON_SCALE = 10


@dataclass(frozen=True)
class Instance:
    name: str
    problem: Problem
    node_numbers: dict[str, int]  # stop id -> the node number used in the file
    cost_scale: int  # engine cost / cost_scale = cost in the instance's convention


def load(path: Path) -> Instance:
    if path.suffix == ".txt":
        return _load_solomon(path)
    return _load_cvrp(path)


def cvrp_fleet_size(demands: list[int], capacity: int) -> int:
    """Vehicles offered for an "unlimited fleet" instance: the bin-packing lower bound plus 10% and at
    least two spare. Good plans use about the lower bound; more spare trucks did not pay (see
    bench/results/routing-trials.csv)."""
    lower = math.ceil(sum(demands) / capacity)
    return lower + max(2, math.ceil(lower / 10))


def _load_cvrp(path: Path) -> Instance:
    data = vrplib_reader.read_instance(str(path))
    coords = [(int(x), int(y)) for x, y in data["node_coord"]]
    depot = int(data["depot"][0])
    demands = [int(d) for d in data["demand"]]
    capacity = int(data["capacity"])
    # TSPLIB nint of the Euclidean distance; exact on integer coordinates (never exactly .5).
    distances = [[_nint_distance(a, b) for b in coords] for a in coords]
    order = [depot] + [i for i in range(len(coords)) if i != depot]
    distances = [[distances[a][b] for b in order] for a in order]
    # A CVRP has no clock: zero travel times keep every shift and window out of the way.
    durations = [[0] * len(order) for _ in order]
    stops = [Stop(id=str(i + 1), deliver_volume=demands[i]) for i in order[1:]]
    fleet = cvrp_fleet_size([demands[i] for i in order[1:]], capacity)
    vehicles = [Vehicle(id=f"v{k}", volume_capacity=capacity, kg_capacity=0) for k in range(fleet)]
    problem = Problem(Depot(id=str(depot + 1)), stops, vehicles, TravelMatrix(durations, distances))
    return Instance(data["name"], problem, {s.id: int(s.id) for s in stops}, cost_scale=1)


def _load_solomon(path: Path) -> Instance:
    data = vrplib_reader.read_instance(str(path), instance_format="solomon")
    coords = [(int(x), int(y)) for x, y in data["node_coord"]]
    distances = [[_truncated_distance_x10(a, b) for b in coords] for a in coords]
    windows = [(int(a) * SOLOMON_SCALE, int(b) * SOLOMON_SCALE) for a, b in data["time_window"]]
    service = [int(s) * SOLOMON_SCALE for s in data["service_time"]]
    stops = [
        Stop(id=str(i), deliver_volume=int(data["demand"][i]), window=windows[i], service_fixed_s=service[i])
        for i in range(1, len(coords))
    ]
    opens, closes = windows[0]
    vehicles = [
        Vehicle(id=f"v{k}", volume_capacity=int(data["capacity"]), kg_capacity=0, shift_start=opens, shift_end=closes)
        for k in range(int(data["vehicles"]))
    ]
    problem = Problem(Depot(id="0", opens=opens, closes=closes), stops, vehicles, TravelMatrix(distances, distances))
    return Instance(data["name"], problem, {s.id: int(s.id) for s in stops}, cost_scale=SOLOMON_SCALE)


def _nint_distance(a: tuple[int, int], b: tuple[int, int]) -> int:
    squared = (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2
    root = math.isqrt(squared)
    # sqrt(squared) >= root + 0.5  <=>  squared >= root^2 + root + 0.25  <=>  squared > root^2 + root
    return root + 1 if squared > root * root + root else root


def _truncated_distance_x10(a: tuple[int, int], b: tuple[int, int]) -> int:
    return math.isqrt(100 * ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2))


def result(instance: Instance, solution: Solution, seconds: float) -> dict:
    cost = solution.objective / instance.cost_scale
    return {
        "instance": instance.name,
        "cost": round(cost, 1) if instance.cost_scale > 1 else int(cost),
        "routes": [[instance.node_numbers[v.stop_id] for v in route.visits] for route in solution.routes],
        "seconds": round(seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m routing.vrplib", description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument(
        "--solution-limit",
        type=int,
        default=None,
        help="a budget of solutions instead of time: the same plan on any machine (default: none)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="parallel searches (default: 2, or 1 on a single core)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    instance = load(args.path)
    params = SearchParams(
        time_limit_s=args.time_limit, solution_limit=args.solution_limit, seed=args.seed, workers=args.workers
    )
    solution = solve(instance.problem, params)
    print(json.dumps(result(instance, solution, time.monotonic() - started)))
    return 0 if not solution.unserved else 1


if __name__ == "__main__":
    sys.exit(main())
