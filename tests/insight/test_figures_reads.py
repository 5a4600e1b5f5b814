"""The figures read from the roll-up: summed by the database, a page of stores at a time.

The rows are written directly (as the roll-up would leave them), so that a DC of 30 stores and one of 90
can be compared; every figure is checked against the sums of the rows in Python, as the page once did.
"""

import random
from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from insight import figures
from insight.figures import period_figures
from insight.models import COUNTS, MerchantDay, RegionDay, Rollup, StoreDay
from insight.totals import Totals
from orders.models import Merchant
from tests.factories import DistributionCenterFactory, MerchantFactory, RegionFactory, StoreFactory
from tests.insight.test_views import csv_rows

FIRST = date(2026, 11, 1)
DAYS = 7
LAST = FIRST + timedelta(days=DAYS - 1)
PERIOD = {"start": FIRST.isoformat(), "end": LAST.isoformat()}


def _figures(rng: random.Random) -> dict:
    picked_up = rng.randint(0, 6)
    arrived = rng.randint(0, 3)
    dwell = Counter(str(rng.choice([30, 90, 600, 1440, 2880, 4000])) for _ in range(picked_up))
    return {
        "delivered": rng.randint(0, 9),
        "picked_up": picked_up,
        "picked_up_in_hold": rng.randint(0, picked_up),
        "expired": rng.randint(0, 3),
        "dwell_minutes": dict(dwell),
        "exceptions": rng.randint(0, 1),
        "stops_arrived": arrived,
        "stops_on_time": rng.randint(0, arrived),
        "unserved_stops": rng.randint(0, 1),
    }


def build(code: str, *, stores: int, store_code: str = "S") -> object:
    """A DC of two regions, `stores` stores and three merchants with a week of roll-up rows.

    Each store's and merchant's figures depend only on its number, so two DCs share their first stores'.
    """
    dc = DistributionCenterFactory(code=code)
    regions = [RegionFactory(dc=dc, code=f"{code}-R{n}") for n in range(2)]
    merchants = [Merchant.objects.filter(code=f"M{n}").first() or MerchantFactory(code=f"M{n}") for n in range(3)]
    store_rows, region_sums = [], {}
    for n in range(stores):
        store = StoreFactory(region=regions[n % 2], code=f"{store_code}{n:03d}", name=f"Store {n}")
        rng = random.Random(n)
        for day in (FIRST + timedelta(days=d) for d in range(DAYS)):
            row = StoreDay(
                day=day,
                store=store,
                dc=dc,
                region=store.region,
                peak_on_shelf=rng.randint(0, 30),
                slots=0 if n % 10 == 9 else rng.choice([0, 20, 40]),  # no slots: no shelf figure
                **_figures(rng),
            )
            store_rows.append(row)
            region_sums.setdefault((day, store.region), Totals()).add(row.__dict__)
    StoreDay.objects.bulk_create(store_rows)
    RegionDay.objects.bulk_create(
        RegionDay(
            day=day,
            dc=dc,
            region=region,
            dwell_minutes={str(minutes): count for minutes, count in totals.dwell.items()},
            distance_m=50_000,
            parcels_carried=40,
            peak_load_volume=12.5,
            volume_capacity=20,
            **{name: getattr(totals, name) for name in COUNTS},
        )
        for (day, region), totals in region_sums.items()
    )
    MerchantDay.objects.bulk_create(
        MerchantDay(day=FIRST + timedelta(days=d), dc=dc, merchant=merchant, **_figures(random.Random(f"M{n}-{d}")))
        for n, merchant in enumerate(merchants)
        for d in range(DAYS)
    )
    Rollup.objects.bulk_create(
        Rollup(dc=dc, day=FIRST + timedelta(days=d), computed_at="2026-11-08T03:00Z") for d in range(DAYS)
    )
    return dc


def python_sums(dc) -> dict:
    """The figures as the page summed them in Python before: every row of the period, added up."""
    span = {"dc": dc, "day__gte": FIRST, "day__lte": LAST}
    sums = {"day": {}, "region": {}, "store": {}, "merchant": {}}
    for row in RegionDay.objects.filter(**span).values():
        sums["day"].setdefault(row["day"], Totals()).add(row)
        sums["region"].setdefault(row["region_id"], Totals()).add(row)
    for row in StoreDay.objects.filter(**span).values():
        sums["store"].setdefault(row["store_id"], Totals()).add(row)
        if row["slots"]:
            sums["day"][row["day"]].add_occupancy(row["peak_on_shelf"] / row["slots"])
    for row in MerchantDay.objects.filter(**span).values():
        sums["merchant"].setdefault(row["merchant_id"], Totals()).add(row)
    return sums


@pytest.fixture
def dc30(db):
    return build("DC1", stores=30)


def test_the_summed_figures_equal_the_python_sums_of_the_rows(dc30, monkeypatch):
    # given an export batch smaller than the table, so batches meet in the middle of it
    monkeypatch.setattr(figures, "EXPORT_BATCH", 7)
    expected = python_sums(dc30)
    # when
    period = period_figures(dc=dc30, first=FIRST, last=LAST)
    # then every table's totals are the same, counts, rates, occupancy and merged histograms alike
    assert dict(period.days) == expected["day"]
    assert {subject.pk: totals for subject, totals in period.regions} == expected["region"]
    assert {subject.pk: totals for subject, totals in period.stores} == expected["store"]
    assert {subject.pk: totals for subject, totals in period.merchants} == expected["merchant"]
    total = Totals()
    for day_totals in expected["day"].values():
        total.combine(day_totals)
    assert period.totals == total
    # and the figures the page shows are there to compare, not all empty
    assert total.pickup_rate and total.expiry_rate and total.median_dwell_hours and total.occupancy
    assert any(totals.occupancy is None for totals in expected["store"].values())


def test_a_page_of_stores_carries_its_own_histograms(dc30):
    expected = python_sums(dc30)
    page = period_figures(dc=dc30, first=FIRST, last=LAST).stores[25:30]
    assert [subject.code for subject, _totals in page] == ["S025", "S026", "S027", "S028", "S029"]
    for subject, totals in page:
        assert totals.median_dwell_hours == expected["store"][subject.pk].median_dwell_hours
        assert totals.occupancy == expected["store"][subject.pk].occupancy


def _rows_read(queries) -> list[int]:
    """How many rows each SELECT returned, by running it again."""
    counts = []
    with connection.cursor() as cursor:
        for query in queries:
            if query["sql"].lstrip().upper().startswith("SELECT"):
                cursor.execute(query["sql"])
                counts.append(len(cursor.fetchall()))
    return counts


def test_the_rows_a_page_reads_do_not_grow_with_the_stores(client, operator, dc30):
    dc90 = build("DC2", stores=90, store_code="T")
    client.force_login(operator)
    read = {}
    for dc in (dc30, dc90):
        url = reverse("insight:figures", args=[dc.code])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, PERIOD).status_code == 200
        read[dc.code] = _rows_read(queries.captured_queries)
    # three times the stores: the same queries, each of as many rows (the page shows 25 stores)
    assert read["DC2"] == read["DC1"]
    assert sum(read["DC1"]) < 400 < StoreDay.objects.filter(dc=dc90).count()


def test_the_store_table_is_read_a_page_at_a_time(client, operator, dc30):
    client.force_login(operator)
    url = reverse("insight:figures", args=[dc30.code])
    first = client.get(url, PERIOD)
    codes = [subject.code for subject, _totals in first.context["stores"]]
    assert codes == [f"S{n:03d}" for n in range(25)]
    body = first.content.decode()
    assert "S025 Store 25" not in body
    # the pager keeps the period and lands on the table
    assert f'href="?start={FIRST}&amp;end={LAST}&amp;stores_page=2#by-store" rel="next"' in body
    assert 'aria-label="Pages of the store table"' in body
    assert "Pages of the merchant table" not in body  # three merchants: one page, no pager
    second = client.get(url, {**PERIOD, "stores_page": "2"}).content.decode()
    assert "S025 Store 25" in second and "S029 Store 29" in second and "S024 Store 24" not in second
    assert f'href="?start={FIRST}&amp;end={LAST}&amp;stores_page=1#by-store" rel="prev"' in second


@pytest.mark.parametrize(("page", "shows"), [("abc", "S000 Store 0"), ("0", "S025 Store 25"), ("99", "S025 Store 25")])
def test_a_bad_page_number_shows_the_first_or_last_page_as_elsewhere(client, operator, dc30, page, shows):
    # Paginator.get_page, as the counter and the planner's pages: not a number → page 1, past the end → the last
    client.force_login(operator)
    response = client.get(reverse("insight:figures", args=[dc30.code]), {**PERIOD, "stores_page": page})
    assert response.status_code == 200 and shows in response.content.decode()


def _worst_first(totals_by_pk: dict, rate: str, highest: bool) -> list[int]:
    def key(pk):
        value = getattr(totals_by_pk[pk], rate)
        return (value is None, -(value or 0) if highest else value or 0)

    return sorted(totals_by_pk, key=key)  # the pks follow the codes, so ties stay in code order


@pytest.mark.parametrize(
    ("order", "rate", "highest"), [("expiry", "expiry_rate", True), ("pickup", "pickup_rate", False)]
)
def test_the_store_table_can_put_the_worst_stores_first(dc30, order, rate, highest):
    expected = python_sums(dc30)["store"]
    period = period_figures(dc=dc30, first=FIRST, last=LAST, store_order=order)
    assert [subject.pk for subject, _totals in period.stores] == _worst_first(expected, rate, highest)


def test_a_store_without_parcels_leaving_the_shelf_comes_last(dc30):
    # given a store whose parcels all stayed on the shelf: no rate at all, not a rate of 0
    StoreDay.objects.filter(store__code="S000").update(picked_up=0, picked_up_in_hold=0, expired=0)
    for order in ("expiry", "pickup"):
        stores = list(period_figures(dc=dc30, first=FIRST, last=LAST, store_order=order).stores)
        assert stores[-1][0].code == "S000" and stores[-1][1].expiry_rate is None


def test_the_page_offers_the_orders_and_keeps_the_period(client, operator, dc30):
    client.force_login(operator)
    url = reverse("insight:figures", args=[dc30.code])
    body = client.get(url, {**PERIOD, "stores_sort": "expiry", "stores_page": "2"}).content.decode()
    assert '<strong aria-current="true">Highest expiry rate</strong>' in body
    assert f'href="?start={FIRST}&amp;end={LAST}&amp;stores_sort=pickup#by-store">Lowest pickup rate</a>' in body
    # the export keeps the order the table has
    csv_link = f"?start={FIRST}&amp;end={LAST}&amp;stores_sort=expiry&amp;stores_page=2&amp;by=store"
    assert csv_link in body
    # an order the page does not offer is the default one
    assert (
        '<strong aria-current="true">Store code</strong>'
        in client.get(url, {**PERIOD, "stores_sort": "x"}).content.decode()
    )


def test_the_export_streams_every_store(client, operator, dc30, monkeypatch):
    monkeypatch.setattr(figures, "EXPORT_BATCH", 7)
    expected = python_sums(dc30)["store"]
    client.force_login(operator)
    rows = csv_rows(client.get(reverse("insight:figures_csv", args=[dc30.code]), {**PERIOD, "by": "store"}))
    assert [row["store"] for row in rows] == [f"S{n:03d}" for n in range(30)]
    medians = [expected[pk].median_dwell_hours for pk in sorted(expected)]
    assert [row["median_dwell_h"] for row in rows] == ["" if m is None else str(round(m, 1)) for m in medians]
