"""Benchmark the routing engine on published CVRP / VRPTW instances against their best-known costs.

    python bench/vrp.py [--time-limit 60] [--seed 0] [--workers 2] [--data ../shared/bench/vrp]

Solves every `.vrp` / `.txt` instance in the data folder that has a `.sol` file, checks each plan
with the independent checker, and prints one table row per instance plus the mean gap. The machine
is shared, and a search gets less done when it is busy: each row ends with the 1-minute load average
at the end of its solve.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import vrplib as vrplib_reader  # noqa: E402

from routing import vrplib  # noqa: E402
from routing.checker import check  # noqa: E402
from routing.solver import SearchParams, solve  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance (default 60)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "bench" / "vrp")
    args = parser.parse_args()

    instances = sorted(p for p in args.data.iterdir() if p.suffix in (".vrp", ".txt") and p.with_suffix(".sol").exists())
    print(f"time limit {args.time_limit:g} s, seed {args.seed}, {args.workers} worker(s), {os.cpu_count()} cores")
    print(f"{'instance':<12} {'cost':>10} {'best known':>10} {'gap %':>7} {'seconds':>8} {'load':>5}  feasible")
    gaps = []
    for path in instances:
        instance = vrplib.load(path)
        started = time.monotonic()
        solution = solve(instance.problem, SearchParams(time_limit_s=args.time_limit, seed=args.seed, workers=args.workers))
        result = vrplib.result(instance, solution, time.monotonic() - started)
        violations = check(instance.problem, solution)
        feasible = not violations and not solution.unserved
        best = vrplib_reader.read_solution(str(path.with_suffix(".sol")))["cost"]
        gap = (result["cost"] - best) / best * 100
        gaps.append(gap)
        note = "yes" if feasible else f"NO: {len(solution.unserved)} unserved; {'; '.join(violations[:3])}"
        load = os.getloadavg()[0]
        print(
            f"{instance.name:<12} {result['cost']:>10} {best:>10} {gap:>7.2f} {result['seconds']:>8.1f} {load:>5.1f}  {note}",
            flush=True,
        )
    print(f"{'mean gap':<12} {'':>10} {'':>10} {sum(gaps) / len(gaps):>7.2f}")
    print(f"{'worst gap':<12} {'':>10} {'':>10} {max(gaps):>7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
