"""Benchmark the counter's scan-in endpoint: gunicorn + PostgreSQL on loopback, several clerks scanning at once.

    .venv/bin/python bench/scan.py [--seconds 20] [--clients 6] [--workers 4] [--worker-class sync]
                                   [--redis-url URL] [--empty]

Creates its own database (dropped and re-created each run), seeds stores with parcels in transit and one
clerk per store, starts gunicorn in production mode (DEBUG off), signs each clerk in through the login
page, then drives POST /counter/scan-in/ (Accept: application/json) from one process per clerk for a
bounded time, and prints accepted scans per second and latency percentiles. Every scan is a real
scan-in: a slot chosen, a conditional update, a ParcelEvent, the shopper's notification queued (SMS
quiet hours are off, so the message task is published whatever the time of day).

With --empty every scan is empty: the counter refuses it (HTTP 400) after the session, the clerk and
the store membership are read, so the rate is the ceiling any counter request can reach on this setup.
"""

import argparse
import http.client
import multiprocessing
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-clerk-password"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/pickup_bench")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the clients scan (default 20)")
    parser.add_argument("--clients", type=int, default=6, help="client processes, one clerk and store each (default 6)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/11",
        help="broker and cache, as in production (a db of its own: it is flushed); '' for the embedded broker",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--parcels-per-store", type=int, default=4000)
    parser.add_argument("--empty", action="store_true", help="send empty scans: the fixed cost of a counter request")
    return parser.parse_args()


def recreate_database(url: str) -> None:
    import psycopg2

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        sys.exit(f"refusing to drop a database named {name!r}")
    admin = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        cursor.execute(f"CREATE DATABASE {name}")
    admin.close()


def seed(args) -> list[tuple[str, list[str]]]:
    """Stores with parcels in transit and a clerk each; returns (username, tracking numbers) per clerk.

    Parcels are written straight in transit with bulk_create, as a fixture would be: the benchmark measures
    the scan, not the way there.
    """
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    from django.contrib.auth import get_user_model

    from orders.models import Merchant, Order, Parcel
    from stores.models import DistributionCenter, Region, StaffMembership, Store

    dc = DistributionCenter.objects.create(
        code="BENCH", name="Bench DC", address="x", latitude="25.0", longitude="121.5"
    )
    region = Region.objects.create(dc=dc, code="R1", name="Bench region")
    merchant = Merchant.objects.create(code="BENCH", name="Bench merchant")
    clerks = []
    for number in range(args.clients):
        store = Store.objects.create(
            code=f"B{number:03d}",
            name=f"Bench store {number}",
            address="x",
            postal_code="100",
            latitude="25.0",
            longitude="121.5",
            region=region,
            slot_capacity=args.parcels_per_store,
        )
        user = get_user_model().objects.create_user(f"bench_clerk_{number}", password=PASSWORD)
        StaffMembership.objects.create(user=user, role=StaffMembership.Role.CLERK, store=store)
        orders = Order.objects.bulk_create(
            Order(
                merchant=merchant,
                reference=f"B{number}-{i}",
                shopper_name="Bench Shopper",
                shopper_phone="0912345678",
                pickup_store=store,
            )
            for i in range(args.parcels_per_store)
        )
        parcels = Parcel.objects.bulk_create(
            Parcel(
                order=order,
                tracking_number=f"7{number:03d}{i:08d}",
                size_class="S",
                weight_g=500,
                volume_units=1,
                status=Parcel.Status.IN_TRANSIT,
            )
            for i, order in enumerate(orders)
        )
        clerks.append((user.username, [p.tracking_number for p in parcels]))
    from django.db import connections

    connections.close_all()
    return clerks


class Client:
    """A clerk's browser, reduced to http.client with cookies: signs in through the login form, then scans."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        headers = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()  # sync workers close after each response; http.client reconnects on the next request
        return response.status, data

    def sign_in(self, username: str) -> None:
        self.request("GET", "/accounts/login/")
        form = urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.cookies["csrftoken"]})
        status, _ = self.request(
            "POST", "/accounts/login/", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"sign-in of {username} failed with HTTP {status}")


def drive(
    port: int, username: str, codes: list[str], ready, go, stop_at, out, empty: bool = False, path="/counter/scan-in/"
) -> None:
    client = Client(port)
    client.sign_in(username)
    headers = {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": client.cookies["csrftoken"],
    }
    latencies, statuses = [], {}
    ready.put(username)
    go.wait()
    cpu_began = time.process_time()
    for code in codes:
        if time.time() >= stop_at.value:
            break
        began = time.perf_counter()
        status, body = client.request("POST", path, urlencode({"code": "" if empty else code}), headers)
        latencies.append(time.perf_counter() - began)
        statuses[status] = statuses.get(status, 0) + 1
        if status != (400 if empty else 200) and statuses[status] == 1:
            print(f"  {username}: HTTP {status} {body[:200]!r}", file=sys.stderr)
    else:
        print(f"  {username} ran out of parcels: raise --parcels-per-store", file=sys.stderr)
    out.put((latencies, statuses, time.process_time() - cpu_began))


def wait_for_server(port: int, proc: subprocess.Popen) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/accounts/login/", headers={"Host": "127.0.0.1"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 60 s")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes so far (Linux /proc), to tell a slow scan from a busy machine."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def server_pids(server: subprocess.Popen, database_url: str) -> tuple[list[int], list[int]]:
    """The gunicorn workers and the PostgreSQL backends serving the benchmark database."""
    import psycopg2

    workers = [
        int(pid)
        for pid in subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    ]
    parts = urlparse(database_url)
    conn = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    with conn.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [parts.path.lstrip("/")])
        backends = [row[0] for row in cursor.fetchall()]
    conn.close()
    return workers, backends


def production_env(database_url: str, redis_url: str = "", **overrides: str) -> dict:
    """The environment of a production-mode server (DEBUG off) on `database_url`. With `redis_url` the
    broker and cache are Redis, as in production; without, the cache is per process and tasks queue
    on the filesystem broker in a temporary directory."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pickup.settings",
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_hex(32),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "PICKUP_VAR_DIR": overrides.pop("PICKUP_VAR_DIR", None) or tempfile.mkdtemp(prefix="pickup-bench-"),
        "LOG_LEVEL": "WARNING",
        **overrides,
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
    return env


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(round(q * (len(sorted_values) - 1))))]


def main() -> None:
    args = parse_args()
    # Each refused empty scan would log a "Bad Request" warning: measure the request, not the log.
    # No SMS quiet hours: every scan queues the shopper's message at once, whatever the time of day.
    env = production_env(
        args.database_url,
        redis_url=args.redis_url,
        SMS_QUIET_START="00:00",
        SMS_QUIET_END="00:00",
        **({"LOG_LEVEL": "ERROR"} if args.empty else {}),
    )
    if args.redis_url:
        # No worker runs here: the notification and webhook tasks each scan queues pile up; start clean.
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)

    print(
        f"database {args.database_url}: re-creating and seeding "
        f"{args.clients} stores x {args.parcels_per_store} parcels in transit"
    )
    recreate_database(args.database_url)
    clerks = seed(args)

    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [
        str(gunicorn),
        "pickup.wsgi:application",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--preload",
        "--log-level",
        "warning",
    ]
    if args.worker_class == "gthread":
        command += ["--threads", "2"]
    print("starting", " ".join(command[1:]))
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_for_server(args.port, server)
        out = multiprocessing.Queue()
        # Every clerk signs in first (password hashing is slow by design); the clock starts when all have.
        ready, go, stop_at = multiprocessing.Queue(), multiprocessing.Event(), multiprocessing.Value("d", 0.0)
        procs = [
            multiprocessing.Process(
                target=drive, args=(args.port, username, codes, ready, go, stop_at, out, args.empty)
            )
            for username, codes in clerks
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

    latencies = sorted(value for result in results for value in result[0])
    statuses: dict[int, int] = {}
    for _, counts, _ in results:
        for status, count in counts.items():
            statuses[status] = statuses.get(status, 0) + count
    expected, what = (400, "refused empty scans") if args.empty else (200, "accepted scans")
    accepted = statuses.get(expected, 0)
    print(
        f"{args.clients} clients, gunicorn {args.workers} {args.worker_class} workers, "
        f"{os.cpu_count()} CPUs, {args.seconds:.0f} s"
    )
    print(
        f"scans: {len(latencies)}  {what} (HTTP {expected}): {accepted}  "
        f"other: { {k: v for k, v in statuses.items() if k != expected} }"
    )
    print(f"rate: {accepted / args.seconds:.1f} {what}/s")
    if accepted:
        web_ms, db_ms = (
            (after - before) * 1000 / len(latencies) for before, after in zip(cpu_before, cpu_after, strict=True)
        )
        client_ms = sum(result[2] for result in results) * 1000 / len(latencies)
        print(
            f"server CPU per scan: {web_ms:.1f} ms gunicorn + {db_ms:.1f} ms PostgreSQL; "
            f"CPU-bound ceiling on {os.cpu_count()} idle cores: {os.cpu_count() * 1000 / (web_ms + db_ms):.0f} scans/s"
        )
        print(f"client CPU per scan: {client_ms:.1f} ms (the clients share the server's cores)")
        print(f"load average before the run: {load_before:.1f} (other work on the machine competes for the same cores)")
    if latencies:
        ms = [value * 1000 for value in latencies]
        print(
            f"latency ms: p50 {percentile(ms, 0.50):.1f}  p95 {percentile(ms, 0.95):.1f}  "
            f"p99 {percentile(ms, 0.99):.1f}  "
            f"max {ms[-1]:.1f}  mean {statistics.fmean(ms):.1f}"
        )


if __name__ == "__main__":
    main()
