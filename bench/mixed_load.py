"""Mixed load on gunicorn + PostgreSQL over loopback, side by side with a bare Django JSON view.

    .venv/bin/python bench/mixed_load.py [--seconds 120] [--bare-seconds 30] [--clients 6] [--workers 4]

Re-creates its own database (default pickup_bench_mixed), seeds it with the demo generator (320 stores,
2,400 orders) plus one clerk per client at a demo store with parcels in transit, starts gunicorn in
production mode (DEBUG off) with bench/mixed_settings.py, and drives it from one process per client,
each sending requests back to back:

- 70% reads: half tracking (GET /api/v1/parcels/<number>/events/ of the merchant's parcels), half
  store locator (GET /api/v1/stores/?lat=&lng=&size_class=M&weight_g=&limit=10);
- 20% counter scans (POST /counter/scan-in/, JSON, signed-in clerk);
- 10% order creation (POST /api/v1/orders/ with an Idempotency-Key).

Then the same clients call /bench/bare/ (a JSON view with no database work) for --bare-seconds, and the
two are printed side by side: requests per second, p50/p95/p99, errors, and the ratio. The API rate
limit is lifted for the run (PICKUP_API_RATE); everything listens on 127.0.0.1.
"""

import argparse
import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scan import PASSWORD, Client, percentile, production_env, recreate_database, wait_for_server

MIX = [("track", 0.35), ("locate", 0.35), ("scan", 0.20), ("order", 0.10)]
# Around the demo network (New Taipei and Taipei).
LAT, LNG = (24.98, 25.10), (121.40, 121.60)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/pickup_bench_mixed")
    parser.add_argument("--seconds", type=float, default=120.0, help="mixed load duration (default 120)")
    parser.add_argument("--bare-seconds", type=float, default=30.0, help="bare view duration (default 30)")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--parcels-per-clerk", type=int, default=3000, help="parcels in transit per clerk's store")
    return parser.parse_args()


def seed(args) -> dict:
    """The demo data, one clerk per client with parcels in transit at its store; what the clients need."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections

    from orders.models import Merchant, Order, Parcel
    from pickup.demo import build_demo, demo_api_keys
    from stores.models import StaffMembership, Store

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    build_demo()
    keys = {code: key for code, key, _test_key in demo_api_keys()}
    code, key = sorted(keys.items())[0]
    merchant = Merchant.objects.get(code=code)
    tracking = list(Parcel.objects.filter(order__merchant=merchant).values_list("tracking_number", flat=True))
    stores = list(Store.objects.filter(active=True).order_by("code"))
    clerks = []
    for number, store in enumerate(stores[: args.clients]):
        Store.objects.filter(pk=store.pk).update(slot_capacity=store.slot_capacity + args.parcels_per_clerk)
        user = get_user_model().objects.create_user(f"bench_mixed_{number}", password=PASSWORD)
        StaffMembership.objects.create(user=user, role=StaffMembership.Role.CLERK, store=store)
        orders = Order.objects.bulk_create(
            Order(
                merchant=merchant,
                reference=f"BM{number}-{i}",
                shopper_name="Bench Shopper",
                shopper_phone="0912345678",
                pickup_store=store,
            )
            for i in range(args.parcels_per_clerk)
        )
        parcels = Parcel.objects.bulk_create(
            Parcel(
                order=order,
                tracking_number=f"9{number:03d}{i:08d}",
                size_class="S",
                weight_g=500,
                volume_units=1,
                status=Parcel.Status.IN_TRANSIT,
            )
            for i, order in enumerate(orders)
        )
        clerks.append((user.username, [p.tracking_number for p in parcels]))
    order_stores = [s.code for s in stores[args.clients :]]
    connections.close_all()
    return {"key": key, "tracking": tracking, "clerks": clerks, "order_stores": order_stores}


def drive(port: int, plan: dict, clerk: tuple[str, list[str]], bare: bool, ready, go, stop_at, out) -> None:
    """One client, requests back to back until `stop_at`: (operation, seconds, status) of each."""
    rng = random.Random(os.getpid())
    client = Client(port)
    username, codes = clerk
    codes = iter(codes)
    if not bare:
        client.sign_in(username)
    api = {"Authorization": f"Bearer {plan['key']}"}
    scan_headers = {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": client.cookies.get("csrftoken", ""),
    }
    operations, weights = zip(*MIX, strict=True)
    samples = []
    ready.put(username)
    go.wait()
    while time.time() < stop_at.value:
        operation = "bare" if bare else rng.choices(operations, weights)[0]
        began = time.perf_counter()
        try:
            if operation == "bare":
                status, _ = client.request("GET", "/bench/bare/")
            elif operation == "track":
                status, _ = client.request(
                    "GET", f"/api/v1/parcels/{rng.choice(plan['tracking'])}/events/", headers=api
                )
            elif operation == "locate":
                query = urlencode(
                    {
                        "lat": f"{rng.uniform(*LAT):.5f}",
                        "lng": f"{rng.uniform(*LNG):.5f}",
                        "size_class": "M",
                        "weight_g": rng.randint(200, 5000),
                        "limit": 10,
                    }
                )
                status, _ = client.request("GET", f"/api/v1/stores/?{query}", headers=api)
            elif operation == "scan":
                status, _ = client.request("POST", "/counter/scan-in/", urlencode({"code": next(codes)}), scan_headers)
            else:
                body = json.dumps(
                    {
                        "reference": f"MIX-{uuid.uuid4().hex[:16]}",
                        "shopper_name": "Lin Mei-Ling",
                        "shopper_phone": "0912 345 678",
                        "pickup_store": rng.choice(plan["order_stores"]),
                        "parcels": [{"size_class": "S", "weight_g": 800}],
                    }
                )
                status, _ = client.request(
                    "POST",
                    "/api/v1/orders/",
                    body,
                    {**api, "Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
                )
        except OSError:
            status = 0
            client.conn.close()
        samples.append((operation, time.perf_counter() - began, status))
    out.put(samples)


OK = {"bare": {200}, "track": {200}, "locate": {200}, "scan": {200}, "order": {201}}


def run_phase(port: int, plan: dict, *, bare: bool, seconds: float) -> list[tuple[str, float, int]]:
    out = multiprocessing.Queue()
    # Every clerk signs in first (password hashing is slow by design); the clock starts when all have.
    ready, go, stop_at = multiprocessing.Queue(), multiprocessing.Event(), multiprocessing.Value("d", 0.0)
    procs = [
        multiprocessing.Process(target=drive, args=(port, plan, clerk, bare, ready, go, stop_at, out))
        for clerk in plan["clerks"]
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=120)
    stop_at.value = time.time() + seconds
    go.set()
    samples = [sample for _ in procs for sample in out.get(timeout=seconds + 120)]
    for proc in procs:
        proc.join()
    return samples


def summary(label: str, samples: list, seconds: float) -> dict:
    ms = sorted(latency * 1000 for _, latency, _ in samples)
    errors = sum(status not in OK[operation] for operation, _, status in samples)
    row = {"label": label, "n": len(samples), "rps": len(samples) / seconds, "errors": errors}
    if ms:
        row.update(p50=percentile(ms, 0.50), p95=percentile(ms, 0.95), p99=percentile(ms, 0.99))
    return row


def print_rows(rows: list[dict]) -> None:
    print(f"{'':<22}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for r in rows:
        print(
            f"{r['label']:<22}{r['n']:>9}{r['rps']:>9.1f}"
            f"{r.get('p50', 0):>9.1f}{r.get('p95', 0):>9.1f}{r.get('p99', 0):>9.1f}{r['errors']:>8}"
        )


def main() -> None:
    args = parse_args()
    env = production_env(
        args.database_url, DJANGO_SETTINGS_MODULE="bench.mixed_settings", PICKUP_API_RATE="1000000/min"
    )
    os.environ.update(env)
    os.chdir(ROOT)

    print(
        f"database {args.database_url}: re-creating, seeding the demo and "
        f"{args.clients} clerks x {args.parcels_per_clerk} parcels in transit"
    )
    recreate_database(args.database_url)
    plan = seed(args)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [
        str(gunicorn),
        "pickup.wsgi:application",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--preload",
        "--log-level",
        "warning",
    ]
    print("starting", " ".join(command[1:]))
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_for_server(args.port, server)
        load_before = os.getloadavg()
        mixed = run_phase(args.port, plan, bare=False, seconds=args.seconds)
        bare = run_phase(args.port, plan, bare=True, seconds=args.bare_seconds)
        load_after = os.getloadavg()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    print(
        f"\n{args.clients} clients, gunicorn {args.workers} sync workers, {os.cpu_count()} CPUs; "
        f"mixed {args.seconds:.0f} s, bare {args.bare_seconds:.0f} s"
    )
    print(
        f"load average (1/5/15 min) before: {' '.join(f'{x:.2f}' for x in load_before)}, "
        f"after: {' '.join(f'{x:.2f}' for x in load_after)}"
    )
    rows = [summary("mixed (all)", mixed, args.seconds)]
    rows += [summary(f"  {operation}", [s for s in mixed if s[0] == operation], args.seconds) for operation, _ in MIX]
    rows.append(summary("bare JSON view", bare, args.bare_seconds))
    print_rows(rows)
    statuses: dict = {}
    for operation, _, status in mixed:
        if status not in OK[operation]:
            statuses[(operation, status)] = statuses.get((operation, status), 0) + 1
    if statuses:
        print("errors by (operation, HTTP status; 0 = no answer):", statuses)
    mixed_row, bare_row = rows[0], rows[-1]
    print(
        f"ratio mixed / bare: throughput {mixed_row['rps'] / bare_row['rps']:.2f}, "
        f"p50 latency x{mixed_row['p50'] / bare_row['p50']:.1f}, "
        f"p99 latency x{mixed_row['p99'] / bare_row['p99']:.1f}"
    )


if __name__ == "__main__":
    main()
