"""Benchmark the routing engine on published CVRP / VRPTW instances against their best-known costs.

    python bench/vrp.py [--time-limit 60] [--seed 0] [--runs 1] [--workers 2]
                        [--instance NAME ...] [--data ../shared/bench/vrp] [--results bench/results/vrp.csv]

Solves every `.vrp` / `.txt` instance in the data folder that has a `.sol` file (or only those
named), checks each plan with the independent checker, and prints one table row per instance and
seed plus the mean and worst gap. `--runs N` solves each instance with seeds `--seed` to
`--seed + N - 1`: a timed search's result varies from run to run, and one run says little about
the spread. The machine is shared, and a search gets less done when it is busy: each row ends with
the 1-minute load average at the end of its solve.

Every row is also appended to `--results` (a CSV file, created with its header if missing) with the
date and commit it was measured at: figures are kept there, not pasted into documents.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import vrplib as vrplib_reader  # noqa: E402

from routing import vrplib  # noqa: E402
from routing.checker import check  # noqa: E402
from routing.engine import SearchParams, solve  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance (default 60)")
    parser.add_argument("--seed", type=int, default=0, help="the first seed (default 0)")
    parser.add_argument("--runs", type=int, default=1, help="seeds per instance (default 1)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--instance", action="append", metavar="NAME", help="only this instance (repeatable)")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "bench" / "vrp")
    parser.add_argument(
        "--results", type=Path, default=ROOT / "bench" / "results" / "vrp.csv", help="CSV file the rows are appended to"
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
    seeds = range(args.seed, args.seed + args.runs)
    seed_range = f"seed {args.seed}" if args.runs == 1 else f"seeds {seeds[0]}-{seeds[-1]}"
    print(f"time limit {args.time_limit:g} s, {seed_range}, {args.workers} worker(s), {os.cpu_count()} cores")
    print(
        f"{'instance':<12} {'seed':>4} {'cost':>10} {'best known':>10} {'gap %':>7} "
        f"{'seconds':>8} {'load':>5}  feasible"
    )
    gaps = []
    measured = {"date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "commit": _commit()}
    for path in instances:
        instance = vrplib.load(path)
        best = vrplib_reader.read_solution(str(path.with_suffix(".sol")))["cost"]
        for seed in seeds:
            started = time.monotonic()
            params = SearchParams(time_limit_s=args.time_limit, seed=seed, workers=args.workers)
            solution = solve(instance.problem, params)
            result = vrplib.result(instance, solution, time.monotonic() - started)
            violations = check(instance.problem, solution)
            feasible = not violations and not solution.unserved
            gap = (result["cost"] - best) / best * 100
            gaps.append(gap)
            note = "yes" if feasible else f"NO: {len(solution.unserved)} unserved; {'; '.join(violations[:3])}"
            load = os.getloadavg()[0]
            _record(
                args.results,
                {
                    **measured,
                    "instance": instance.name,
                    "seed": seed,
                    "time_limit_s": f"{args.time_limit:g}",
                    "workers": args.workers,
                    "cost": result["cost"],
                    "best_known": best,
                    "gap_pct": f"{gap:.2f}",
                    "seconds": f"{result['seconds']:.1f}",
                    "load": f"{load:.1f}",
                    "feasible": "yes" if feasible else "no",
                },
            )
            print(
                f"{instance.name:<12} {seed:>4} {result['cost']:>10} {best:>10} {gap:>7.2f} "
                f"{result['seconds']:>8.1f} {load:>5.1f}  {note}",
                flush=True,
            )
    print(f"{'mean gap':<12} {'':>4} {'':>10} {'':>10} {sum(gaps) / len(gaps):>7.2f}")
    print(f"{'worst gap':<12} {'':>4} {'':>10} {'':>10} {max(gaps):>7.2f}")
    return 0


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
