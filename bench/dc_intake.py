"""Benchmark the dock's intake scan: gunicorn + PostgreSQL + Redis on loopback, several dock staff at once.

    .venv/bin/python bench/dc_intake.py [--seconds 20] [--clients 6] [--workers 4] [--port 8776]
        [--database-url postgres://postgres@127.0.0.1:5432/pickup_bench_dc] [--redis-url URL]

Creates its own database (dropped and re-created), seeds one DC with merchants' parcels waiting for
intake (`created`) and one dock user per client, starts gunicorn in production mode, signs each dock user
in, then drives POST /dc/BENCH/intake/ (Accept: application/json) for a bounded time and prints
accepted intake scans per second with latency percentiles. Every scan is a real intake: the parcel
read and checked against the DC, the compare-and-swap through the lifecycle gate, a ParcelEvent, the
merchant's webhook delivery row and its task queued, and the batch cut-off read. The counter's
scan-in (bench/scan.py) is the rate to match.
"""

import argparse
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scan import (
    PASSWORD,
    ROOT,
    cpu_seconds,
    drive,
    percentile,
    production_env,
    recreate_database,
    server_pids,
    wait_for_server,
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/pickup_bench_dc")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=6, help="client processes, one dock user each (default 6)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6", help="broker and cache (flushed)")
    parser.add_argument("--port", type=int, default=8776)
    parser.add_argument("--parcels-per-client", type=int, default=6000)
    return parser.parse_args()


def seed(args) -> list[tuple[str, list[str]]]:
    """One DC, a store, a merchant with a webhook URL, parcels `created` (bulk: the bench measures the
    intake, not the ordering), and a dock user per client with its own share of the parcels."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    from orders.models import Merchant, Order, Parcel
    from stores.models import DistributionCenter, Region, StaffMembership, Store

    dc = DistributionCenter.objects.create(
        code="BENCH", name="Bench DC", address="x", latitude="25.0", longitude="121.5"
    )
    region = Region.objects.create(dc=dc, code="R1", name="Bench region")
    store = Store.objects.create(
        code="B000",
        name="Bench store",
        address="x",
        postal_code="100",
        latitude="25.0",
        longitude="121.5",
        region=region,
    )
    merchant = Merchant.objects.create(code="BENCH", name="Bench merchant", webhook_url="http://127.0.0.1:9/hook")
    docks = []
    for number in range(args.clients):
        user = get_user_model().objects.create_user(f"bench_dock_{number}", password=PASSWORD)
        StaffMembership.objects.create(user=user, role=StaffMembership.Role.DOCK, dc=dc)
        orders = Order.objects.bulk_create(
            Order(
                merchant=merchant,
                reference=f"D{number}-{i}",
                shopper_name="Bench Shopper",
                shopper_phone="0912345678",
                pickup_store=store,
            )
            for i in range(args.parcels_per_client)
        )
        parcels = Parcel.objects.bulk_create(
            Parcel(order=order, tracking_number=f"8{number:03d}{i:08d}", size_class="S", weight_g=500, volume_units=1)
            for i, order in enumerate(orders)
        )
        docks.append((user.username, [p.tracking_number for p in parcels]))
    connections.close_all()
    return docks


def main() -> None:
    args = parse_args()
    env = production_env(args.database_url, redis_url=args.redis_url)
    if args.redis_url:
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()  # no worker runs: the webhook tasks pile up; start clean
    os.environ.update(env)
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    print(f"database {args.database_url}: re-creating, {args.clients} docks x {args.parcels_per_client} parcels")
    recreate_database(args.database_url)
    docks = seed(args)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "pickup.wsgi:application", "--bind", f"127.0.0.1:{args.port}"]
    command += ["--workers", str(args.workers), "--preload", "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_for_server(args.port, server)
        out, ready, go = multiprocessing.Queue(), multiprocessing.Queue(), multiprocessing.Event()
        stop_at = multiprocessing.Value("d", 0.0)
        procs = [
            multiprocessing.Process(
                target=drive,
                args=(args.port, username, codes, ready, go, stop_at, out),
                kwargs={"path": "/dc/BENCH/intake/"},
            )
            for username, codes in docks
        ]
        for proc in procs:
            proc.start()
        for _ in procs:
            ready.get(timeout=120)
        workers, backends = server_pids(server, args.database_url)
        cpu_before = cpu_seconds(workers), cpu_seconds(backends)
        load_before = os.getloadavg()[0]
        stop_at.value = time.time() + args.seconds
        go.set()
        results = [out.get(timeout=args.seconds + 120) for _ in procs]
        cpu_after = cpu_seconds(workers), cpu_seconds(backends)
        for proc in procs:
            proc.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    latencies = sorted(value * 1000 for result in results for value in result[0])
    statuses: dict[int, int] = {}
    for _, counts, _ in results:
        for status, count in counts.items():
            statuses[status] = statuses.get(status, 0) + count
    accepted = statuses.get(200, 0)
    print(f"{args.clients} clients, gunicorn {args.workers} sync workers, {os.cpu_count()} CPUs, {args.seconds:.0f} s")
    print(f"load average before the run: {load_before:.1f}")
    print(f"intake scans: {len(latencies)}  accepted (HTTP 200): {accepted}  other: {statuses}")
    print(f"rate: {accepted / args.seconds:.1f} intake scans/s")
    if latencies:
        # As bench/scan.py: what a scan costs the server, which the other work on the machine does not change.
        web_ms, db_ms = (
            (after - before) * 1000 / len(latencies) for before, after in zip(cpu_before, cpu_after, strict=True)
        )
        print(f"server CPU per scan: {web_ms:.1f} ms gunicorn + {db_ms:.1f} ms PostgreSQL")
    if latencies:
        print(
            f"latency ms: p50 {percentile(latencies, 0.50):.1f}  p99 {percentile(latencies, 0.99):.1f}  "
            f"max {latencies[-1]:.1f}  mean {statistics.fmean(latencies):.1f}"
        )


if __name__ == "__main__":
    main()
