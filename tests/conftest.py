"""Shared fixtures: a small network and named actors (a clerk of store A, an outsider of store B), parcels
on their way to the clerk's store, a merchant's webhook endpoint, and a small DC with a planned batch."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from dc.services.loading import parcel_load
from orders.lifecycle import parcel_transition, path_to
from orders.pickup_codes import pickup_code_for
from orders.services.counter import parcel_scan_in
from routing.engine import solve
from routing.models import BatchRun, PlanParcel
from routing.services.adjust import stop_move_preview
from routing.services.batch import batch_run_start, region_plan_solve
from routing.services.dispatch import region_plan_approve, route_dispatch
from stores.models import Store
from tests.factories import (
    DistributionCenterFactory,
    MerchantFactory,
    ParcelFactory,
    RegionFactory,
    StoreFactory,
    UserFactory,
    VehicleFactory,
    make_clerk,
    make_driver,
    make_planner,
)
from tests.webhook_receiver import Receiver

PROJECT_ROOT = Path(__file__).resolve().parent.parent


DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup"}


def _engine_only(item) -> bool:
    """A routing test that touches no database: the engine knows nothing of Django."""
    return (
        "/tests/routing/" in str(item.path)
        and item.get_closest_marker("django_db") is None
        and not DATABASE_FIXTURES & set(item.fixturenames)
    )


def pytest_collection_modifyitems(config, items):
    """Browser journeys run last: they are the slowest, and they relax Django's async-safety check.

    With PICKUP_TESTS_SKIP_ENGINE_ONLY=1 (CI's second run, on PostgreSQL and Redis) the routing tests
    that touch no database are left out: the first run ran them, and no database can change them."""
    for item in items:
        if "/tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)
    if os.environ.get("PICKUP_TESTS_SKIP_ENGINE_ONLY") == "1":
        left_out = [item for item in items if _engine_only(item)]
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not _engine_only(item)]
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path))


@pytest.fixture
def ratelimit_window_held(monkeypatch):
    """django-ratelimit's clock held still: its windows end at a moment that differs per key, and one
    ending between two tries of a test would reset the count it checks."""
    import types

    from django_ratelimit import core

    now = time.time()
    monkeypatch.setattr(core, "time", types.SimpleNamespace(time=lambda: now))


@pytest.fixture(autouse=True)
def celery_eager_and_sms_outbox(request, settings):
    """Tasks queued on commit (webhooks, notifications) run in-process, SMS go to a list as email does,
    rate-limit counters start at zero, and each test starts in the default language. Tests that start
    a real worker keep using the broker.
    """
    from celery.result import _set_task_join_will_block
    from django.core.cache import cache
    from django.utils import translation

    from orders import sms
    from pickup.celery import app

    settings.SMS_BACKEND = "orders.sms.LocmemSmsBackend"
    sms.outbox.clear()
    eager = "celery_worker_process" not in request.fixturenames
    if eager:
        cache.clear()  # with Redis the cache shares the broker's database, which a real worker is using
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous
    # Eager tasks run by concurrent threads (the race tests) save and restore Celery's process-wide
    # "joining a result would block" flag out of order and can leave it set, which would then refuse
    # every later `result.get()` in this process.
    _set_task_join_will_block(False)
    # A request in Chinese leaves its language active in the thread; the next test starts in the default.
    translation.deactivate()


class Clock:
    """The time the code under test reads: `timezone.now()` answers `now`, which moves only when told."""

    def __init__(self, start):
        self.now = start

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    """An injected clock, so a test about leases and deadlines moves time instead of sleeping through it."""
    injected = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", lambda: injected.now)
    return injected


@pytest.fixture
def dc(db):
    return DistributionCenterFactory()


@pytest.fixture
def region(dc):
    return RegionFactory(dc=dc, code="R1", name="Region one")


@pytest.fixture
def store(region):
    return StoreFactory(region=region, code="A001", name="Store A")


@pytest.fixture
def other_store(region):
    return StoreFactory(region=region, code="B001", name="Store B")


@pytest.fixture
def merchant(db):
    return MerchantFactory(code="SHOP", name="Shop")


@pytest.fixture
def clerk(store):
    return make_clerk(store, "clerk_a")


@pytest.fixture
def outsider_clerk(other_store):
    return make_clerk(other_store, "clerk_b")


@pytest.fixture
def planner(dc):
    return make_planner(dc, "planner")


@pytest.fixture
def operator(db):
    return UserFactory(username="operator", is_staff=True, is_superuser=True)


@pytest.fixture
def receiver():
    """A merchant's webhook endpoint on 127.0.0.1 (tests.webhook_receiver)."""
    endpoint = Receiver()
    yield endpoint
    endpoint.close()


def walk(parcel, target: str, **kwargs):
    """Move a parcel along the shortest legal path to `target` through the gate."""
    path = path_to(target)
    start = path.index(parcel.status)
    for status in path[start + 1 :]:
        parcel_transition(parcel=parcel, to=status, actor_label="test", **kwargs)
    return parcel


@pytest.fixture
def make_parcel(store, merchant):
    def _make(status: str = "created", **order_fields):
        order_fields.setdefault("pickup_store", store)
        order_fields.setdefault("merchant", merchant)
        parcel = ParcelFactory(**{f"order__{k}": v for k, v in order_fields.items()})
        return walk(parcel, status)

    return _make


# The counter: parcels on their way to the clerk's store, and scanning them in.


@pytest.fixture
def in_transit(make_parcel):
    def _make(**order_fields):
        return make_parcel("in_transit", **order_fields)

    return _make


@pytest.fixture
def on_shelf(in_transit, store, clerk):
    """A parcel scanned in at the clerk's store by the clerk; returns (parcel, pickup code)."""

    def _make(**order_fields):
        parcel = in_transit(**order_fields)
        parcel_scan_in(code=parcel.tracking_number, store=store, clerk=clerk)
        parcel.refresh_from_db()
        return parcel, pickup_code_for(parcel.order)

    return _make


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what the block queues on commit (and what those queue), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def send_due():
    """Send the shopper messages due at `at`, as the beat's sweep would then; their statuses."""
    from orders.notifications import notification_send, notifications_due

    def _send(at) -> list[str | None]:
        return [notification_send(notification_id=pk, now=at) for pk in notifications_due(now=at)]

    return _send


@pytest.fixture
def hooked_merchant(merchant, receiver):
    merchant.webhook_url = receiver.url
    merchant.save()
    return merchant


# A small DC for the batch tests: two regions, three stores each, a few vans, parcels to drop and expired
# parcels to collect. Solves run in-process with a solution limit: tiny and deterministic.

# Tomorrow: its 09:00 cutoff is still ahead, so every parcel the tests make now is ready for it.
PLAN_DAY = (timezone.now().astimezone(ZoneInfo(settings.TIME_ZONE)) + timedelta(days=1)).date()

# (code, lat, lon) around Banqiao and Sanchong, a short drive from the test DC at Wugu.
STORE_SITES = {
    "W": [("W001", "25.0116", "121.4637"), ("W002", "25.0150", "121.4590"), ("W003", "25.0080", "121.4700")],
    "N": [("N001", "25.0615", "121.4877"), ("N002", "25.0650", "121.4820"), ("N003", "25.0580", "121.4930")],
}


def fast_solve(problem, params):
    """The solver in this process, stopped after a few solutions: tiny problems need no more."""
    return solve(problem, replace(params, time_limit_s=10, solution_limit=30))


@pytest.fixture
def network(dc, merchant):
    regions = {code: RegionFactory(dc=dc, code=code, name=f"Region {code}") for code in STORE_SITES}
    stores = {
        store_code: StoreFactory(region=regions[code], code=store_code, latitude=lat, longitude=lon)
        for code, sites in STORE_SITES.items()
        for store_code, lat, lon in sites
    }
    vans = [
        VehicleFactory(
            dc=dc,
            name=f"VAN-{n}",
            volume_capacity=40,
            kg_capacity=300,
            shift_start=clock_time(9, 30),
            shift_end=clock_time(18, 30),
        )
        for n in range(1, 5)
    ]
    return {"dc": dc, "regions": regions, "stores": stores, "vans": vans, "merchant": merchant}


@pytest.fixture
def parcels(network):
    """Two deliveries per store (at the DC), one expired parcel at each W store, one cancelled and one
    still at a store: those two must never be planned."""
    made = {"deliver": [], "collect": [], "other": []}
    for code, store in network["stores"].items():
        for _ in range(2):
            made["deliver"].append(_parcel(network, store, "at_dc"))
        if code.startswith("W"):
            made["collect"].append(_parcel(network, store, "expired"))
    made["other"].append(_parcel(network, network["stores"]["W001"], "cancelled"))
    made["other"].append(_parcel(network, network["stores"]["N001"], "at_store"))
    return made


def _parcel(network, store, status, **fields):
    parcel = ParcelFactory(
        order__pickup_store=store,
        order__merchant=network["merchant"],
        volume_units=fields.pop("volume_units", 2),
        weight_g=fields.pop("weight_g", 1500),
        **fields,
    )
    return walk(parcel, status)


def make_parcel_at(network, store, status, **fields):
    return _parcel(network, store, status, **fields)


def start_run(network, **kwargs) -> BatchRun:
    kwargs.setdefault("trigger", BatchRun.Trigger.COMMAND)
    kwargs.setdefault("enqueue", False)
    kwargs.setdefault("time_limit_s", 10)
    run, _created = batch_run_start(dc=network["dc"], day=PLAN_DAY, **kwargs)
    return run


def solve_all(run: BatchRun, solve=fast_solve) -> list[str]:
    return [
        region_plan_solve(region_plan_id=rp.pk, worker="test", solve=solve)
        for rp in run.region_plans.order_by("region__code")
    ]


@pytest.fixture
def planned_run(network, parcels):
    run = start_run(network)
    assert solve_all(run) == ["planned", "planned"]
    run.refresh_from_db()
    return run


def _database_url_for_test_db() -> str:
    """A DATABASE_URL naming the test database, so a worker process sees what the test committed."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return ""
    user = db.get("USER") or ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    auth = f"{user}@" if user and not db.get("PASSWORD") else (f"{user}:{db['PASSWORD']}@" if user else "")
    return f"postgres://{auth}{host}:{port}/{db['NAME']}"


def celery_process_start(args: list[str], *, env: dict, app, hostname: str | None = None) -> subprocess.Popen:
    """`celery -A pickup <args>` in a process group of its own; with `hostname`, wait until that worker
    answers a ping on `app`'s broker (60 s at most)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "pickup", *args], cwd=PROJECT_ROOT, env=env, start_new_session=True
    )
    if hostname is None:
        return proc
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"celery worker exited early with code {proc.returncode}")
        replies = app.control.ping(timeout=1.0)
        if any(hostname.split("@")[0] in name for reply in replies for name in reply):
            return proc
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail("celery worker did not answer a ping within 60 s")


def celery_process_stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def worker_args(hostname: str) -> list[str]:
    return [
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        "2",
        "-n",
        hostname,
        "--loglevel",
        "WARNING",
        "--without-gossip",
        "--without-mingle",
    ]


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real `celery worker` process on the configured broker, pointed at the test database.

    Needs REDIS_URL (a broker with a result backend, as in CI's PostgreSQL + Redis run).
    """
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: the real-worker tests run in CI's PostgreSQL + Redis run")
    from pickup.celery import app

    env = dict(os.environ, DATABASE_URL=_database_url_for_test_db(), CELERY_TASK_ALWAYS_EAGER="0")
    hostname = f"test-{os.getpid()}@%h"
    proc = celery_process_start(worker_args(hostname), env=env, app=app, hostname=hostname)
    yield proc
    celery_process_stop(proc)


# Drivers, and a route on the road: the DC floor's tests and the driver's browser journey share them.
@pytest.fixture
def driver(dc):
    return make_driver(dc, "driver")


@pytest.fixture
def other_dc_driver(db):
    return make_driver(DistributionCenterFactory(code="DC2", name="Other DC"), "driver_elsewhere")


@pytest.fixture
def dispatched_route(planned_run, planner):
    """Route 1 of region W, approved, loaded and dispatched: drops in transit, W's expired parcels to collect."""
    region_plan = planned_run.region_plans.get(region__code="W")
    region_plan = region_plan_approve(region_plan=region_plan, user=planner)
    route = region_plan.routes.order_by("number").first()
    for entry in PlanParcel.objects.filter(stop__route=route, kind=PlanParcel.Kind.DELIVER).select_related("parcel"):
        parcel_load(parcel_code=entry.parcel.tracking_number, route=route, dc=planned_run.dc, user=planner)
    route_dispatch(route=route, user=planner)
    route.refresh_from_db()
    return route


def tighten_window_for_a_move(region_plan):
    """For the move of route 1's last stop to its front: the store then last on the route receives
    until one minute after its time in the new order, so the moved (locked) route is late there on any
    slower day. Returns (route, the stop to move, that store)."""
    route = region_plan.routes.get(number=1)
    last = route.stops.order_by("-position").first()
    after = stop_move_preview(stop=last, target=route, position=1).routes[route.pk].visits[-1]
    store = Store.objects.get(pk=int(after.stop_id))
    end = after.service_start + 60
    store.receiving_end = clock_time(end // 3600, end % 3600 // 60, end % 60)
    store.save(update_fields=["receiving_end"])
    return route, last, store


@pytest.fixture
def in_process_wsgi(db):
    """Requests sent through the WSGI app in this process (schemathesis' from_wsgi) keep the test's
    connection, as Django's test client does: the handler would close it around each request."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    for sent in (request_started, request_finished):
        sent.disconnect(close_old_connections)
    yield
    for sent in (request_started, request_finished):
        sent.connect(close_old_connections)
