"""`bench/vrp.py` on a small published instance: one row per seed, every plan checked and recorded."""

import csv
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "bench/vrp.py", "--time-limit", "1", "--workers", "1", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_runs_the_named_instance_once_per_seed_and_engine(tmp_path):
    # given
    results = tmp_path / "vrp.csv"

    # when
    done = run_bench(
        "--instance", "A-n32-k5", "--seed", "3", "--runs", "2", "--engine", "ortools", "--engine", "pyvrp",
        "--results", str(results),
    )  # fmt: skip

    # then: a row per seed and engine, all feasible, then the medians side by side
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines() if line.startswith("A-n32-k5") and "yes" in line]
    assert [(row[1], row[2]) for row in rows] == [("3", "ortools"), ("3", "pyvrp"), ("4", "ortools"), ("4", "pyvrp")]
    assert all(row[4] == "784" for row in rows)
    assert "seeds 3-4" in done.stdout
    assert "median gap %" in done.stdout and "worst gap" in done.stdout
    # and: the same rows appended to the results file, with when and at which commit
    recorded = list(csv.DictReader(results.open()))
    assert [(r["instance"], r["seed"], r["engine"], r["best_known"], r["feasible"]) for r in recorded] == [
        ("A-n32-k5", "3", "ortools", "784", "yes"),
        ("A-n32-k5", "3", "pyvrp", "784", "yes"),
        ("A-n32-k5", "4", "ortools", "784", "yes"),
        ("A-n32-k5", "4", "pyvrp", "784", "yes"),
    ]
    assert all(r["date"] and r["commit"] and r["time_limit_s"] == "1" for r in recorded)


def test_an_unknown_instance_is_refused_by_name(tmp_path):
    # when
    done = run_bench("--instance", "X-n999-k1", "--results", str(tmp_path / "vrp.csv"))

    # then
    assert done.returncode == 2
    assert "X-n999-k1" in done.stderr
