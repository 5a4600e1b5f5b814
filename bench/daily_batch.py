"""The daily batch at scale: 5,000 stores in 20 regions, 100,000 parcels, 2 Celery worker processes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pickup_bench_batch REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/daily_batch.py [--stores 5000] [--regions 20] [--parcels 100000] [--time-limit 30] \
        [--engine portfolio|ortools|pyvrp]

Builds a fresh PostgreSQL database (named by DATABASE_URL, dropped and created again) with the demo
generator, splits its stores into regions with `generate_regions`, starts a real
`celery worker --concurrency 2` on Redis, triggers tomorrow's batch and waits for it. Prints the wall
time, per-region times and the peak memory (summed RSS of the worker, its pool processes and the
solver processes they start, sampled every 0.2 s) and the total km, the figure to compare between
engines: run it once with `--engine ortools` and once with the default portfolio, back to back.
Loopback services only.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=5000)
    parser.add_argument("--regions", type=int, default=20)
    parser.add_argument("--parcels", type=int, default=100_000)
    parser.add_argument("--vehicles", type=int, default=200)
    # 20 regions on 2 workers make 10 rounds; each adds ~3 s of process start, matrix and recording,
    # and a shared machine needs headroom: 30 s of search keeps the run near 6 minutes.
    parser.add_argument("--time-limit", type=float, default=30.0, help="solver seconds per region")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--engine", choices=("portfolio", "ortools", "pyvrp"), default="portfolio")
    args = parser.parse_args()

    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url.startswith("redis"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of its own (it is recreated) and REDIS_URL to a Redis db.")
    for url in (database_url, redis_url):
        if urlparse(url).hostname not in ("127.0.0.1", "localhost", "::1"):
            sys.exit(f"{url}: loopback services only")
    os.environ["PICKUP_ROUTING_TIME_LIMIT_S"] = str(args.time_limit)
    os.environ["PICKUP_ROUTING_ENGINE"] = args.engine
    # The benchmark plans tomorrow (cutoff: now, so every parcel at the DC counts, as at tomorrow's
    # 09:00); a batch time the worker's start-up catch-up has not reached keeps it from also
    # starting today's run and competing for the same parcels.
    os.environ["PICKUP_DAILY_BATCH_TIME"] = "23:59"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pickup.settings")
    # Production mode, as the batch runs: it needs a secret key of its own.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_hex(32))
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    recreate_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    redis_flush(redis_url)
    from pickup.demo import build_demo
    from stores.models import DistributionCenter

    # About 1.2 parcels per order in the demo's mix.
    summary = build_demo(seed=11, stores=args.stores, orders=round(args.parcels / 1.2), vehicles=args.vehicles)
    dc = DistributionCenter.objects.get(code="TPE-DC1")
    call_command(
        "generate_regions", "--dc", dc.code, "--regions", str(args.regions), verbosity=0, stdout=open(os.devnull, "w")
    )
    print(
        f"seeded in {time.monotonic() - started:.0f} s: {summary.stores} stores, {summary.parcels_created} parcels, "
        f"{args.vehicles} vehicles, {args.regions} regions"
    )

    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pickup",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(args.concurrency),
            "-n",
            f"bench-{os.getpid()}@%h",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=dict(os.environ),
        start_new_session=True,
    )
    sampler = MemorySampler(worker.pid)
    sampler.start()
    try:
        run = trigger_and_wait(dc, args.time_limit, worker)
    finally:
        sampler.stop()
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
    report(run, sampler)


def recreate_database(database_url: str) -> None:
    import psycopg2

    parts = urlparse(database_url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def redis_flush(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def trigger_and_wait(dc, time_limit: float, worker: subprocess.Popen):
    from datetime import timedelta

    from django.db import close_old_connections
    from django.utils import timezone

    from routing.models import BatchRun
    from routing.services.batch import batch_run_start

    day = timezone.now().astimezone(dc.tz).date() + timedelta(days=1)
    run, _ = batch_run_start(dc=dc, day=day, trigger=BatchRun.Trigger.MANUAL, time_limit_s=time_limit)
    while True:
        if worker.poll() is not None:
            sys.exit(f"the worker exited with code {worker.returncode}")
        close_old_connections()
        run.refresh_from_db()
        if run.status != BatchRun.Status.RUNNING:
            return run
        done = run.region_plans.exclude(status__in=("pending", "running")).count()
        print(f"\r  {done}/{run.region_plans.count()} regions done", end="", flush=True)
        time.sleep(2)


class MemorySampler(threading.Thread):
    """Peak of the summed RSS of a process and all its descendants (the solver children leave the
    worker's process group, so they are found by parentage, not by group)."""

    def __init__(self, root: int):
        super().__init__(daemon=True)
        self.root, self.peak_kb, self.peak_processes, self._stop_event = root, 0, 0, threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            pids = self._tree()
            total = sum(_rss_kb(pid) for pid in pids) + _rss_kb(os.getpid())
            if total > self.peak_kb:
                self.peak_kb, self.peak_processes = total, len(pids) + 1
            time.sleep(0.2)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(entry))
        tree, frontier = [], [self.root]
        while frontier:
            pid = frontier.pop()
            tree.append(pid)
            frontier.extend(children.get(pid, []))
        return tree


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def report(run, sampler: MemorySampler) -> None:
    from django.conf import settings

    run.refresh_from_db()
    plans = list(run.region_plans.select_related("region").order_by("region__code"))
    wall = (run.finished_at - run.started_at).total_seconds()
    print(
        f"\nrun {run}: {run.get_status_display()}, wall time {wall:.0f} s ({wall / 60:.1f} min), "
        f"{run.time_limit_s:g} s search per region, engine {settings.PICKUP_ROUTING_ENGINE}"
    )
    print(
        f"{'region':8} {'status':9} {'stops':>5} {'out':>5} {'back':>5} {'veh':>4} "
        f"{'unserved':>8} {'km':>7} {'search s':>8} {'task s':>7}"
    )
    for rp in plans:
        task = (
            (rp.solve_finished_at - rp.solve_started_at).total_seconds()
            if rp.solve_finished_at and rp.solve_started_at
            else 0
        )
        print(
            f"{rp.region.code:8} {rp.status:9} {rp.stops:5d} {rp.parcels_out:5d} {rp.parcels_back:5d} "
            f"{rp.vehicles_used:4d} "
            f"{rp.unserved_stops:8d} {rp.distance_m / 1000:7.1f} {rp.solve_seconds or 0:8.1f} {task:7.1f}"
        )
    print(
        f"total: {sum(p.stops for p in plans)} stops, {sum(p.parcels_out for p in plans)} parcels out, "
        f"{sum(p.parcels_back for p in plans)} back, {sum(p.vehicles_used for p in plans)} vehicles, "
        f"{sum(p.unserved_stops for p in plans)} unserved stops, {sum(p.distance_m for p in plans) / 1000:.1f} km"
    )
    print(
        f"peak memory: {sampler.peak_kb / 1024:.0f} MB RSS over {sampler.peak_processes} processes "
        "(worker, pool, solvers, this script)"
    )


if __name__ == "__main__":
    main()
