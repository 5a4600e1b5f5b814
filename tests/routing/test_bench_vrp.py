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


def test_runs_the_named_instance_once_per_seed(tmp_path):
    # given
    results = tmp_path / "vrp.csv"

    # when
    done = run_bench("--instance", "A-n32-k5", "--seed", "3", "--runs", "2", "--results", str(results))

    # then: two rows, seeds 3 and 4, both feasible, then the summary
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines() if line.startswith("A-n32-k5")]
    assert [row[1] for row in rows] == ["3", "4"]
    assert all(row[3] == "784" and row[-1] == "yes" for row in rows)
    assert "seeds 3-4" in done.stdout
    assert "worst gap" in done.stdout
    # and: the same rows appended to the results file, with when and at which commit
    recorded = list(csv.DictReader(results.open()))
    assert [(r["instance"], r["seed"], r["best_known"], r["feasible"]) for r in recorded] == [
        ("A-n32-k5", "3", "784", "yes"),
        ("A-n32-k5", "4", "784", "yes"),
    ]
    assert all(r["date"] and r["commit"] and r["time_limit_s"] == "1" for r in recorded)


def test_an_unknown_instance_is_refused_by_name(tmp_path):
    # when
    done = run_bench("--instance", "X-n999-k1", "--results", str(tmp_path / "vrp.csv"))

    # then
    assert done.returncode == 2
    assert "X-n999-k1" in done.stderr
