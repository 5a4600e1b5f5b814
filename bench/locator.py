"""Store locator benchmark: nearest-10 through the merchant API over loopback HTTP, with 20,000 stores.

    .venv/bin/python bench/locator.py                      # SQLite (the embedded default)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pickup .venv/bin/python bench/locator.py

It builds a throwaway database (never the configured one): 20,000 active stores across Taiwan, dense
in the Taipei demo area, a third with opening hours, and 40,000 parcels filling shelves and trucks,
then times GET /api/v1/stores/?lat=…&lng=…&size_class=M&weight_g=…&limit=10 from a real HTTP client
to Django's threaded server on 127.0.0.1, and prints the latency percentiles.
"""

import http.client
import os
import random
import socket
import statistics
import sys
import threading
import time
from datetime import time as clock
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pickup.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402

STORES = int(os.environ.get("BENCH_STORES", 20_000))
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
                code=f"B{n:05d}", name=f"Bench {n}", address="-", postal_code="100", latitude=f"{lat:.6f}", longitude=f"{lon:.6f}",
                region=region, is_24h=n % 3 != 0, slot_capacity=rng.choice([30, 40, 60]),
                max_size_class=rng.choice([SizeClass.M, SizeClass.L, SizeClass.L]),
            )
        )
    Store.objects.bulk_create(stores, batch_size=2000)
    ids = list(Store.objects.values_list("id", flat=True))
    hours = [OpeningHours(store_id=pk, weekday=d, opens=clock(7), closes=clock(23)) for pk in ids[::3] for d in range(7)]
    OpeningHours.objects.bulk_create(hours, batch_size=5000)
    merchant = Merchant.objects.create(code="BENCH", name="Bench")
    orders = Order.objects.bulk_create(
        [Order(merchant=merchant, reference=f"R{n}", shopper_name="x", shopper_phone="0912345678", pickup_store_id=rng.choice(ids)) for n in range(PARCELS // 2)],
        batch_size=5000,
    )
    statuses = [Parcel.Status.IN_TRANSIT, Parcel.Status.PLANNED, Parcel.Status.PICKED_UP, Parcel.Status.CREATED]
    parcels = [
        Parcel(order=order, tracking_number=f"{n:012d}", size_class="S", weight_g=800, volume_units=1, status=rng.choice(statuses))
        for n, order in enumerate(orders * 2)
    ]
    Parcel.objects.bulk_create(parcels, batch_size=5000)
    _key, raw = api_key_issue(merchant=merchant, name="bench")
    return raw


def serve():
    class QuietHandler(WSGIRequestHandler):
        def setup(self):
            super().setup()
            # Headers and body go out in separate writes; without this, Nagle's algorithm and the
            # client's delayed ACK add ~40 ms to every keep-alive response on loopback.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=True)
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    db = settings.DATABASES["default"]
    db.setdefault("TEST", {})["NAME"] = str(settings.VAR_DIR / "bench-locator.sqlite3") if db["ENGINE"].endswith("sqlite3") else f"{db['NAME']}_bench_locator"
    settings.DEBUG = False  # no query log
    settings.PICKUP_API_RATE = "1000000/min"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        rng = random.Random(11)
        started = time.perf_counter()
        key = build(rng)
        if connection.vendor == "postgresql":
            # What autovacuum does shortly after a bulk load; a live database has its statistics.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"{connection.vendor}: built {STORES:,} stores and {PARCELS:,} parcels in {time.perf_counter() - started:.1f} s")
        server = serve()
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port)
        headers = {"Authorization": f"Bearer {key}", "Host": "127.0.0.1"}
        timings = []
        cpu_started = None
        for n in range(WARMUP + QUERIES):
            if n == WARMUP:
                cpu_started = time.process_time()
            if n % 4 == 0:  # a quarter anywhere on the island, the rest in the dense city
                lat, lon = rng.uniform(22.0, 25.3), rng.uniform(120.1, 121.9)
            else:
                lat, lon = rng.uniform(24.93, 25.17), rng.uniform(121.37, 121.64)
            query = urlencode({"lat": f"{lat:.5f}", "lng": f"{lon:.5f}", "size_class": "M", "weight_g": 1200, "limit": 10})
            t0 = time.perf_counter()
            conn.request("GET", f"/api/v1/stores/?{query}", headers=headers)
            response = conn.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - t0) * 1000
            if response.status != 200 or body.count(b'"code"') != 10:
                raise SystemExit(f"unexpected answer {response.status}: {body[:300]!r}")
            if n >= WARMUP:
                timings.append(elapsed)
        cpu_ms = (time.process_time() - cpu_started) * 1000 / QUERIES
        server.shutdown()
        timings.sort()
        pct = lambda p: timings[min(len(timings) - 1, int(p / 100 * len(timings)))]  # noqa: E731
        print(
            f"{connection.vendor}: nearest-10 over HTTP, {QUERIES} queries: "
            f"p50 {pct(50):.1f} ms, p95 {pct(95):.1f} ms, p99 {pct(99):.1f} ms, mean {statistics.mean(timings):.1f} ms"
        )
        # Server and client share this process: its CPU per request, which load from others does not inflate.
        print(f"{connection.vendor}: CPU per request (server + client): {cpu_ms:.1f} ms; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        if connection.vendor == "postgresql":
            # The server's threads keep persistent connections (CONN_MAX_AGE); close them before dropping.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        connection.creation.destroy_test_db(db["NAME"] if db["ENGINE"].endswith("sqlite3") else db["TEST"]["NAME"], verbosity=0, keepdb=False)


if __name__ == "__main__":
    main()
