"""`bench/vrp.py` on a small published instance: one row per seed, every plan checked."""

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


def test_runs_the_named_instance_once_per_seed():
    # when
    done = run_bench("--instance", "A-n32-k5", "--seed", "3", "--runs", "2")

    # then: two rows, seeds 3 and 4, both feasible, then the summary
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines() if line.startswith("A-n32-k5")]
    assert [row[1] for row in rows] == ["3", "4"]
    assert all(row[3] == "784" and row[-1] == "yes" for row in rows)
    assert "seeds 3-4" in done.stdout
    assert "worst gap" in done.stdout


def test_an_unknown_instance_is_refused_by_name():
    # when
    done = run_bench("--instance", "X-n999-k1")

    # then
    assert done.returncode == 2
    assert "X-n999-k1" in done.stderr
