"""Store locator benchmark: nearest-10 through the merchant API over loopback HTTP, with 20,000 stores.

    .venv/bin/python bench/locator.py                      # SQLite (the embedded default)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pickup .venv/bin/python bench/locator.py

It builds a throwaway database (never the configured one): 20,000 active stores across Taiwan, dense
in the Taipei demo area, a third with opening hours, and 40,000 parcels filling shelves and trucks,
then starts gunicorn on it in production mode (DEBUG off), as the product is served, and times
GET /api/v1/stores/?lat=…&lng=…&size_class=M&weight_g=…&limit=10 from a real HTTP client on
127.0.0.1, one request at a time, and prints the latency percentiles and the CPU spent per request.
"""

import os
import random
import signal
import statistics
import subprocess
import sys
import time
from datetime import time as clock
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pickup.settings")

import django

django.setup()

from django.conf import settings
from django.db import connection, connections

from bench.scan import Client, cpu_seconds, production_env, wait_for_server

STORES = int(os.environ.get("BENCH_STORES", 20_000))
PORT = int(os.environ.get("BENCH_PORT", 8766))
PARCELS = 40_000
QUERIES = int(os.environ.get("BENCH_QUERIES", 1000))
WARMUP = 100


def build(rng: random.Random) -> str:
    from orders.models import Merchant, Order, Parcel
    from orders.services.api_keys import api_key_issue
    from stores.gazetteer import DISTRICTS
    from stores.models import DistributionCenter, OpeningHours, Region, SizeClass, Store

    dc = DistributionCenter.objects.create(code="BENCH", name="Bench DC", address="-", latitude=25.06, longitude=121.42)
    region = Region.objects.create(dc=dc, code="ALL", name="All")
    stores = []
    for n in range(STORES):
        if n % 2 == 0:  # half in the demo area's districts, as dense as a city centre
            district = rng.choice(DISTRICTS)
            lat, lon = district.latitude + rng.gauss(0, 0.01), district.longitude + rng.gauss(0, 0.01)
        else:  # half spread over the island
            lat, lon = rng.uniform(22.0, 25.3), rng.uniform(120.1, 121.9)
        stores.append(
            Store(
                code=f"B{n:05d}",
                name=f"Bench {n}",
                address="-",
                postal_code="100",
                latitude=f"{lat:.6f}",
                longitude=f"{lon:.6f}",
                region=region,
                is_24h=n % 3 != 0,
                slot_capacity=rng.choice([30, 40, 60]),
                max_size_class=rng.choice([SizeClass.M, SizeClass.L, SizeClass.L]),
            )
        )
    Store.objects.bulk_create(stores, batch_size=2000)
    ids = list(Store.objects.values_list("id", flat=True))
    hours = [
        OpeningHours(store_id=pk, weekday=d, opens=clock(7), closes=clock(23)) for pk in ids[::3] for d in range(7)
    ]
    OpeningHours.objects.bulk_create(hours, batch_size=5000)
    merchant = Merchant.objects.create(code="BENCH", name="Bench")
    orders = Order.objects.bulk_create(
        [
            Order(
                merchant=merchant,
                reference=f"R{n}",
                shopper_name="x",
                shopper_phone="0912345678",
                pickup_store_id=rng.choice(ids),
            )
            for n in range(PARCELS // 2)
        ],
        batch_size=5000,
    )
    statuses = [Parcel.Status.IN_TRANSIT, Parcel.Status.PLANNED, Parcel.Status.PICKED_UP, Parcel.Status.CREATED]
    parcels = [
        Parcel(
            order=order,
            tracking_number=f"{n:012d}",
            size_class="S",
            weight_g=800,
            volume_units=1,
            status=rng.choice(statuses),
        )
        for n, order in enumerate(orders * 2)
    ]
    Parcel.objects.bulk_create(parcels, batch_size=5000)
    _key, raw = api_key_issue(merchant=merchant, name="bench")
    return raw


def database_url() -> str:
    """The URL of the throwaway database, for the server process."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def serve(port: int) -> subprocess.Popen:
    """gunicorn with one worker: requests come one at a time, and its CPU is the server's per request."""
    env = production_env(database_url(), PICKUP_API_RATE="1000000/min", LOG_LEVEL="ERROR")
    root = Path(__file__).resolve().parent.parent
    # The page the server is probed on needs the production static manifest, which a fresh checkout lacks.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=root, env=env, check=True
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [
        str(gunicorn),
        "pickup.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=root, env=env, start_new_session=True)
    try:
        wait_for_server(port, server)
    except BaseException:
        os.killpg(server.pid, signal.SIGTERM)  # else it keeps the port for the next run
        raise
    return server


def main() -> None:
    db = settings.DATABASES["default"]
    db.setdefault("TEST", {})["NAME"] = (
        str(settings.VAR_DIR / "bench-locator.sqlite3")
        if db["ENGINE"].endswith("sqlite3")
        else f"{db['NAME']}_bench_locator"
    )
    settings.DEBUG = False  # no query log
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        rng = random.Random(11)
        started = time.perf_counter()
        key = build(rng)
        if connection.vendor == "postgresql":
            # What autovacuum does shortly after a bulk load; a live database has its statistics.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(
            f"{connection.vendor}: built {STORES:,} stores and {PARCELS:,} parcels "
            f"in {time.perf_counter() - started:.1f} s"
        )
        connections.close_all()  # the server has the database to itself
        server = serve(PORT)
        try:
            workers = [
                int(pid)
                for pid in subprocess.run(
                    ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
                ).stdout.split()
            ]
            client = Client(PORT)
            headers = {"Authorization": f"Bearer {key}"}
            timings = []
            cpu_started = None
            for n in range(WARMUP + QUERIES):
                if n == WARMUP:
                    cpu_started = time.process_time(), cpu_seconds(workers)
                if n % 4 == 0:  # a quarter anywhere on the island, the rest in the dense city
                    lat, lon = rng.uniform(22.0, 25.3), rng.uniform(120.1, 121.9)
                else:
                    lat, lon = rng.uniform(24.93, 25.17), rng.uniform(121.37, 121.64)
                query = urlencode(
                    {"lat": f"{lat:.5f}", "lng": f"{lon:.5f}", "size_class": "M", "weight_g": 1200, "limit": 10}
                )
                t0 = time.perf_counter()
                status, body = client.request("GET", f"/api/v1/stores/?{query}", headers=headers)
                elapsed = (time.perf_counter() - t0) * 1000
                if status != 200 or body.count(b'"code"') != 10:
                    raise SystemExit(f"unexpected answer {status}: {body[:300]!r}")
                if n >= WARMUP:
                    timings.append(elapsed)
            client_ms = (time.process_time() - cpu_started[0]) * 1000 / QUERIES
            server_ms = (cpu_seconds(workers) - cpu_started[1]) * 1000 / QUERIES
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        timings.sort()

        def pct(p):
            return timings[min(len(timings) - 1, int(p / 100 * len(timings)))]

        print(
            f"{connection.vendor}: nearest-10 over HTTP, {QUERIES} queries: "
            f"p50 {pct(50):.1f} ms, p95 {pct(95):.1f} ms, p99 {pct(99):.1f} ms, mean {statistics.mean(timings):.1f} ms"
        )
        print(
            f"{connection.vendor}: CPU per request: {server_ms:.1f} ms gunicorn + {client_ms:.1f} ms client; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
    finally:
        if connection.vendor == "postgresql":
            # The server's threads keep persistent connections (CONN_MAX_AGE); close them before dropping.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        connection.creation.destroy_test_db(
            db["NAME"] if db["ENGINE"].endswith("sqlite3") else db["TEST"]["NAME"], verbosity=0, keepdb=False
        )


if __name__ == "__main__":
    main()
