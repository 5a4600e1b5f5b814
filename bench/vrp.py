"""Benchmark the routing engine on published CVRP / VRPTW instances against their best-known costs.

    python bench/vrp.py [--time-limit 60] [--seed 0] [--runs 1] [--workers 2] [--engine NAME ...]
                        [--instance NAME ...] [--data ../shared/bench/vrp] [--results bench/results/vrp-engines.csv]

Solves every `.vrp` / `.txt` instance in the data folder that has a `.sol` file (or only those
named) with each engine in turn (`--engine`, repeatable: ortools, pyvrp, portfolio; all three by
default), checks each plan with the independent checker, and prints one row per instance, seed and
engine, then each instance's median gap over the seeds per engine side by side, and the mean over
the instances. The engines of one seed run one after another with the same time limit; PyVRP alone
runs on one core, the reference line for the portfolio. `--runs N` solves each instance with seeds
`--seed` to `--seed + N - 1`: a timed search's result varies from run to run, and one run says
little about the spread. The machine is shared, and a search gets less done when it is busy: each
row ends with the 1-minute load average at the end of its solve.

Every row is also appended to `--results` (a CSV file, created with its header if missing) with the
date and commit it was measured at: figures are kept there, not pasted into documents.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import vrplib as vrplib_reader

from routing import vrplib
from routing.checker import check
from routing.engine import SearchParams, solve
from routing.engine.model import ENGINES


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance (default 60)")
    parser.add_argument("--seed", type=int, default=0, help="the first seed (default 0)")
    parser.add_argument("--runs", type=int, default=1, help="seeds per instance (default 1)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--instance", action="append", metavar="NAME", help="only this instance (repeatable)")
    parser.add_argument("--engine", action="append", choices=ENGINES, help="only this engine (repeatable)")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "bench" / "vrp")
    parser.add_argument(
        "--results",
        type=Path,
        default=ROOT / "bench" / "results" / "vrp-engines.csv",
        help="CSV file the rows are appended to",
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    instances = sorted(
        p for p in args.data.iterdir() if p.suffix in (".vrp", ".txt") and p.with_suffix(".sol").exists()
    )
    if args.instance:
        unknown = sorted(set(args.instance) - {p.stem for p in instances})
        if unknown:
            parser.error(f"no instance with a .sol file in {args.data}: {', '.join(unknown)}")
        instances = [p for p in instances if p.stem in args.instance]
    engines = args.engine or list(ENGINES)
    seeds = range(args.seed, args.seed + args.runs)
    seed_range = f"seed {args.seed}" if args.runs == 1 else f"seeds {seeds[0]}-{seeds[-1]}"
    print(f"time limit {args.time_limit:g} s, {seed_range}, {args.workers} worker(s), {os.cpu_count()} cores")
    print(
        f"{'instance':<12} {'seed':>4} {'engine':<9} {'cost':>10} {'best known':>10} {'gap %':>7} "
        f"{'seconds':>8} {'load':>5}  feasible"
    )
    gaps: dict[str, dict[str, list[float]]] = {}
    measured = {"date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "commit": _commit()}
    for path in instances:
        instance = vrplib.load(path)
        best = vrplib_reader.read_solution(str(path.with_suffix(".sol")))["cost"]
        for seed in seeds:
            for engine in engines:
                gap = _run(args, measured, instance, best, seed, engine)
                gaps.setdefault(instance.name, {}).setdefault(engine, []).append(gap)
    _summary(gaps, engines, args.runs)
    return 0


def _run(args, measured: dict[str, str], instance, best: float, seed: int, engine: str) -> float:
    """One solve, checked, printed and recorded; its gap to the best known in percent."""
    # PyVRP alone searches in this process, on one core, whatever --workers says.
    workers = 1 if engine == "pyvrp" else args.workers
    started = time.monotonic()
    params = SearchParams(time_limit_s=args.time_limit, seed=seed, workers=workers, engine=engine)
    solution = solve(instance.problem, params)
    result = vrplib.result(instance, solution, time.monotonic() - started)
    violations = check(instance.problem, solution)
    feasible = not violations and not solution.unserved
    gap = (result["cost"] - best) / best * 100
    note = "yes" if feasible else f"NO: {len(solution.unserved)} unserved; {'; '.join(violations[:3])}"
    load = os.getloadavg()[0]
    _record(
        args.results,
        {
            **measured,
            "instance": instance.name,
            "seed": seed,
            "engine": engine,
            "time_limit_s": f"{args.time_limit:g}",
            "workers": workers,
            "cost": result["cost"],
            "best_known": best,
            "gap_pct": f"{gap:.2f}",
            "seconds": f"{result['seconds']:.1f}",
            "load": f"{load:.1f}",
            "feasible": "yes" if feasible else "no",
        },
    )
    print(
        f"{instance.name:<12} {seed:>4} {engine:<9} {result['cost']:>10} {best:>10} {gap:>7.2f} "
        f"{result['seconds']:>8.1f} {load:>5.1f}  {note}",
        flush=True,
    )
    return gap


def _summary(gaps: dict[str, dict[str, list[float]]], engines: list[str], runs: int) -> None:
    """Each instance's median gap per engine side by side, the mean of the medians, and the worst."""
    label = "median gap %" if runs > 1 else "gap %"
    print()
    print(f"{label:<12} " + " ".join(f"{engine:>9}" for engine in engines))
    medians = {name: {e: statistics.median(g) for e, g in by_engine.items()} for name, by_engine in gaps.items()}
    for name, by_engine in medians.items():
        print(f"{name:<12} " + " ".join(f"{by_engine[e]:>9.2f}" for e in engines))
    print(f"{'mean gap':<12} " + " ".join(f"{statistics.mean(m[e] for m in medians.values()):>9.2f}" for e in engines))
    print(f"{'worst gap':<12} " + " ".join(f"{max(max(g[e]) for g in gaps.values()):>9.2f}" for e in engines))
    if {"pyvrp", "portfolio"} <= set(engines):
        behind = [name for name, m in medians.items() if m["portfolio"] > m["pyvrp"]]
        print(f"portfolio behind PyVRP alone on: {', '.join(behind) or 'none'}")


def _commit() -> str:
    """The commit measured, with "+" when the working tree differs from it."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True)
    return (head or "unknown") + ("+" if dirty.stdout.strip() else "")


def _record(path: Path, row: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists() or path.stat().st_size == 0
    with path.open("a", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(row))
        if new:
            writer.writeheader()
        writer.writerow(row)


if __name__ == "__main__":
    sys.exit(main())
