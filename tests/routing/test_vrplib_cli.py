"""`python -m routing.vrplib` on published instances, its output re-checked from the files."""

import json
import math
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest
import vrplib

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT.parent / "shared" / "bench" / "vrp"


def run_cli(instance: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "routing.vrplib", str(BENCH / instance), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_cvrp_instance():
    # when: a budget of solutions, not of seconds, so the plan is the same however busy the machine;
    # the time limit is far beyond what the budget takes
    result = run_cli("A-n32-k5.vrp", "--time-limit", "60", "--solution-limit", "1000", "--workers", "1")

    # then: every customer (nodes 2..32 in the file) once, loads within capacity, cost as claimed
    data = vrplib.read_instance(str(BENCH / "A-n32-k5.vrp"))
    assert result["instance"] == "A-n32-k5"
    assert sorted(n for route in result["routes"] for n in route) == list(range(2, 33))
    xy = data["node_coord"]
    cost = 0
    for route in result["routes"]:
        assert sum(data["demand"][n - 1] for n in route) <= data["capacity"]
        path = [1, *route, 1]
        cost += sum(round(math.dist(xy[a - 1], xy[b - 1])) for a, b in pairwise(path))
    assert result["cost"] == cost
    assert cost <= 784 * 1.05  # within 5% of the proven optimum


def test_solomon_instance_with_both_workers():
    # when
    result = run_cli("C101.txt", "--time-limit", "3", "--workers", "2")

    # then: served once each, windows and capacity kept, cost in the truncated-to-0.1 convention
    data = vrplib.read_instance(str(BENCH / "C101.txt"), instance_format="solomon")
    assert sorted(n for route in result["routes"] for n in route) == list(range(1, 101))
    assert len(result["routes"]) <= data["vehicles"]
    xy, windows, service = data["node_coord"], data["time_window"], data["service_time"]

    def dist(a, b):
        return math.isqrt(int(100 * ((xy[a][0] - xy[b][0]) ** 2 + (xy[a][1] - xy[b][1]) ** 2)))

    total = 0
    for route in result["routes"]:
        assert sum(data["demand"][n] for n in route) <= data["capacity"]
        clock, place = 0, 0
        for n in route:
            clock = max(clock + dist(place, n), 10 * windows[n][0])
            assert clock <= 10 * windows[n][1]
            clock, place = clock + 10 * service[n], n
        assert clock + dist(place, 0) <= 10 * windows[0][1]
        path = [0, *route, 0]
        total += sum(dist(a, b) for a, b in pairwise(path))
    assert result["cost"] == pytest.approx(total / 10)
    assert set(result) == {"instance", "cost", "routes", "seconds"}
