"""Network figures benchmark: the nightly roll-up of a busy day, and the page's read of 28 days.

    .venv/bin/python bench/insight_rollup.py               # SQLite (the embedded default)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pickup .venv/bin/python bench/insight_rollup.py

It builds a throwaway database (never the configured one): one DC, BENCH_STORES stores in regions of 50,
ten merchants and BENCH_PARCELS parcels spread over 60 days, each scanned in at its store and then
picked up or expired (two to three status events each). It then rolls the last 28 days up in order,
as the back-fill command does, and times one day's roll-up and the figures page's read of the period
(period_figures: the rows the page reads, however many events lie behind them).
"""

import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pickup.settings")

import django

django.setup()

from django.conf import settings
from django.db import connection

STORES = int(os.environ.get("BENCH_STORES", 200))
PARCELS = int(os.environ.get("BENCH_PARCELS", 60_000))
LAST_DAY = date(2026, 11, 30)
DAYS = 60


def build(rng: random.Random):
    from orders.models import Merchant, Order, Parcel, ParcelEvent
    from stores.models import DistributionCenter, Region, Store

    dc = DistributionCenter.objects.create(code="BENCH", name="Bench DC", address="-", latitude=25.06, longitude=121.42)
    regions = [Region.objects.create(dc=dc, code=f"R{n:02d}", name=f"Region {n}") for n in range((STORES + 49) // 50)]
    stores = Store.objects.bulk_create(
        Store(
            code=f"B{n:05d}",
            name=f"Bench store {n}",
            address="-",
            postal_code="100",
            latitude=25.0 + rng.random() / 10,
            longitude=121.5 + rng.random() / 10,
            region=regions[n // 50],
        )
        for n in range(STORES)
    )
    merchants = [Merchant.objects.create(code=f"M{n}", name=f"Merchant {n}") for n in range(10)]
    orders = Order.objects.bulk_create(
        (
            Order(
                merchant=rng.choice(merchants),
                reference=f"R{n}",
                shopper_name="-",
                shopper_phone="0912345678",
                pickup_store=rng.choice(stores),
            )
            for n in range(PARCELS)
        ),
        batch_size=5000,
    )
    tz = dc.tz
    first = LAST_DAY - timedelta(days=DAYS - 1)
    parcels, events = [], []
    for n, order in enumerate(orders):
        arrived = datetime.combine(first + timedelta(days=rng.randrange(DAYS)), clock(9), tzinfo=tz) + timedelta(
            minutes=rng.randrange(11 * 60)
        )
        expires = rng.random() < 0.08
        left = arrived + (timedelta(days=8) if expires else timedelta(minutes=rng.randrange(10, 5 * 24 * 60)))
        to = "expired" if expires else "picked_up"
        parcels.append(Parcel(order=order, size_class="S", weight_g=500, volume_units=1, status=to, last_event_seq=2))
        events.append((n, "in_transit", "at_store", arrived, 1))
        events.append((n, "at_store", to, left, 2))
    parcels = Parcel.objects.bulk_create(parcels, batch_size=5000)
    ParcelEvent.objects.bulk_create(
        (
            ParcelEvent(parcel=parcels[n], seq=seq, from_status=f, to_status=t, created_at=at, actor_label="bench")
            for n, f, t, at, seq in events
        ),
        batch_size=5000,
    )
    return dc, len(events)


def main() -> None:
    from insight.figures import period_figures
    from insight.models import MerchantDay, RegionDay, StoreDay
    from insight.rollup import rollup_day, rollup_period
    from insight.views import PAGE_SIZE

    db = settings.DATABASES["default"]
    db.setdefault("TEST", {})["NAME"] = (
        str(settings.VAR_DIR / "bench-insight.sqlite3")
        if db["ENGINE"].endswith("sqlite3")
        else f"{db['NAME']}_bench_insight"
    )
    settings.DEBUG = False
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        started = time.perf_counter()
        dc, n_events = build(random.Random(7))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(
            f"{connection.vendor}: {STORES} stores, {PARCELS:,} parcels, {n_events:,} status events over {DAYS} days "
            f"(built in {time.perf_counter() - started:.1f} s)"
        )
        first = LAST_DAY - timedelta(days=27)
        started = time.perf_counter()
        rollup_period(dc=dc, first=first, last=LAST_DAY)
        print(f"back-fill of 28 days: {time.perf_counter() - started:.2f} s")
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            rollup_day(dc=dc, day=LAST_DAY)
            timings.append(time.perf_counter() - started)
        print(f"one day's roll-up again (upsert): best of 3 {min(timings):.2f} s")
        rows = sum(m.objects.filter(day__gte=first).count() for m in (StoreDay, RegionDay, MerchantDay))
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            period = period_figures(dc=dc, first=first, last=LAST_DAY)
            # What the page shows: the period's days and regions, and a page of each table.
            period.stores[0:PAGE_SIZE], period.merchants[0:PAGE_SIZE]
            timings.append(time.perf_counter() - started)
        print(
            f"page read of 28 days ({rows:,} roll-up rows in the period, tables by {PAGE_SIZE}): "
            f"best of 5 {min(timings) * 1000:.0f} ms "
            f"(pickup rate {period.totals.pickup_rate:.3f}, median dwell {period.totals.median_dwell_hours:.1f} h)"
        )
    finally:
        connection.creation.destroy_test_db(db["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
