"""Shared fixtures: a small network and named actors (a clerk of store A, an outsider of store B)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from orders.lifecycle import parcel_transition, path_to
from tests.factories import (
    DistributionCenterFactory,
    MerchantFactory,
    ParcelFactory,
    RegionFactory,
    StoreFactory,
    UserFactory,
    make_clerk,
    make_planner,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(items):
    """Browser journeys run last: they are the slowest, and they relax Django's async-safety check."""
    for item in items:
        if "/tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path))


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
    from tests.webhook_receiver import Receiver

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
