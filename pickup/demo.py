"""A realistic, deterministic demo: one DC in the Taipei metropolitan area, its regions, stores,
vehicles, three merchants with orders in every status, and a login for each role.

Orders are written as history: each parcel's events follow `orders.lifecycle.path_to`, so the demo
only ever contains legal paths, but no webhooks or notifications fire for things that "happened"
days ago. Everything is keyed (store codes, order references, usernames), so a second run adds
nothing that is already there.
"""

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from dc.services.returns import consignment_add
from insight.rollup import rollup_period
from orders.holds import hold_days_for, hold_deadline_for
from orders.lifecycle import path_to
from orders.models import Merchant, Order, Parcel, ParcelEvent
from orders.pickup_codes import pickup_code_for, pickup_code_hash
from orders.services.api_keys import api_key_issue_demo
from orders.services.ordering import OrderRejected, ParcelSpec, order_create, order_language_default
from stores.gazetteer import DISTRICTS, REGION_NAMES
from stores.models import (
    DistributionCenter,
    OpeningHours,
    Region,
    SizeClass,
    StaffMembership,
    Store,
    TemperatureClass,
    Vehicle,
)

S = Parcel.Status

DEMO_PASSWORDS = {
    "admin": "admin-demo",
    "planner": "planner-demo",
    "clerk": "clerk-demo",
    "clerk2": "clerk-demo",
    "dock": "dock-demo",
    "driver": "driver-demo",
}
# Today's consignment from one merchant, waiting at the dock for intake: placed through the ordering
# service like any API order, so the DC has real work after `make run`.
DOCK_CONSIGNMENT = ("BOOKNOOK", "DOCK", 12)

# Share of orders per final status: most parcels are moving or on shelves, some finished.
STATUS_MIX = [
    (S.CREATED, 8),
    (S.AT_DC, 14),
    (S.PLANNED, 4),
    (S.IN_TRANSIT, 5),
    (S.AT_STORE, 26),
    (S.PICKED_UP, 27),
    (S.EXPIRED, 4),
    (S.RETURN_IN_TRANSIT, 2),
    (S.RETURNED, 4),
    (S.CANCELLED, 6),
]
# Some of the drawn states are told as their neighbours on the DC floor, without drawing again (so a
# seed builds the same network as before they existed): (drawn, every n-th order, told as).
DC_FLOOR_SHARE = [(S.RETURNED, 3, S.AT_DC_FOR_RETURN), (S.AT_DC, 7, S.LOST)]
SIZE_MIX = [(SizeClass.S, 50, 1, (150, 1500)), (SizeClass.M, 35, 3, (400, 3000)), (SizeClass.L, 15, 6, (900, 5000))]
MERCHANTS = [
    ("BOOKNOOK", "Book Nook", "orders@booknook.example"),
    ("TEAHOUSE", "Formosa Tea House", "shop@teahouse.example"),
    ("GADGETS", "Gadget Harbour", "ops@gadgets.example"),
]
FIRST_NAMES = [
    "Chen",
    "Lin",
    "Huang",
    "Chang",
    "Li",
    "Wang",
    "Wu",
    "Liu",
    "Tsai",
    "Yang",
    "Hsu",
    "Cheng",
    "Hsieh",
    "Kuo",
    "Hung",
]
GIVEN_NAMES = [
    "Mei-Ling",
    "Chih-Hao",
    "Yu-Ting",
    "Wei",
    "Hsin-Yi",
    "Po-Han",
    "Ya-Wen",
    "Chun-Kai",
    "Shu-Fen",
    "Tzu-Hsuan",
    "Jia-Hui",
    "Kuan-Ting",
]
# Demo stores are named and addressed as Taiwan's are: a chain's name and a branch (門市) named after
# the district and the street, the address in Chinese order (city, district, street, number).
STREETS = ["中山路", "民生路", "和平路", "復興路", "光復路", "中正路", "民權路", "文化路", "信義路", "成功路"]
STORE_BRANDS = ["好鄰居", "全日便利"]
ZH_DIGITS = "零一二三四五六七八九"


# Days of figures the demo rolls up, so the figures page has trends to draw from the demo's history.
DEMO_FIGURE_DAYS = 14


def demo_figures() -> str:
    """Roll up the demo's last days of history (again: a second run gives the same rows)."""
    lines = []
    for dc in DistributionCenter.objects.order_by("code"):
        yesterday = timezone.now().astimezone(dc.tz).date() - timedelta(days=1)
        first = yesterday - timedelta(days=DEMO_FIGURE_DAYS - 1)
        rollup_period(dc=dc, first=first, last=yesterday)
        lines.append(f"Figures of {dc.code} rolled up for {first} to {yesterday}: /insight/{dc.code}/figures/")
    return "\n".join(lines)


@dataclass
class DemoSummary:
    stores: int
    orders_created: int
    parcels_created: int


def build_demo(*, seed: int = 7, stores: int = 320, orders: int = 2400, vehicles: int = 28) -> DemoSummary:
    rng = random.Random(seed)
    with transaction.atomic():
        dc = _build_network(rng, stores, vehicles)
        merchants = _build_merchants()
        demo_api_keys()
        _build_users(dc)
        orders_created, parcels_created = _build_orders(rng, dc, merchants, orders)
        consignment = _build_dock_consignment(rng, dc)
    return DemoSummary(
        stores=Store.objects.filter(region__dc=dc).count(),
        orders_created=orders_created + len(consignment),
        parcels_created=parcels_created + sum(order.parcels.count() for order in consignment),
    )


def _build_network(rng: random.Random, store_count: int, vehicle_count: int = 28) -> DistributionCenter:
    dc, _ = DistributionCenter.objects.get_or_create(
        code="TPE-DC1",
        defaults={
            "name": "臺北物流中心（五股）",
            "address": "新北市五股區五股工業區五工路",
            "latitude": "25.065000",
            "longitude": "121.423000",
        },
    )
    regions = {}
    for code, name in REGION_NAMES.items():
        regions[code], _ = Region.objects.get_or_create(dc=dc, code=code, defaults={"name": name})
    existing = set(Store.objects.values_list("code", flat=True))
    weights = [d.weight for d in DISTRICTS]
    new_stores, hours = [], []
    branches: dict[str, int] = {}
    for number in range(1, store_count + 1):
        district = rng.choices(DISTRICTS, weights=weights)[0]
        # Draw every value even for stores that exist, so the same seed gives the same network.
        lat = district.latitude + rng.gauss(0, 0.006)
        lon = district.longitude + rng.gauss(0, 0.007)
        is_24h = rng.random() < 0.8
        small = rng.random() < 0.15
        street = rng.choice(STREETS)
        house = rng.randint(1, 400)
        capacity = rng.choice([30, 40, 40, 50, 60, 80])
        code = f"S{number:04d}"
        branch = district.name_zh.removesuffix("區") + street.removesuffix("路")
        branches[branch] = branches.get(branch, 0) + 1
        if code in existing:
            continue
        store = Store(
            code=code,
            name=f"{STORE_BRANDS[number % len(STORE_BRANDS)]} {_branch_name(branch, branches[branch])}",
            address=f"{district.city_zh}{district.name_zh}{street}{house}號",
            postal_code=district.postal_code,
            district=district.name_zh,
            latitude=f"{lat:.6f}",
            longitude=f"{lon:.6f}",
            region=regions[district.region_code],
            is_24h=is_24h,
            slot_capacity=capacity,
            max_size_class=SizeClass.M if small else SizeClass.L,
            receiving_start=time(10, 0) if small else time(8, 0),
            receiving_end=time(16, 0) if small else time(20, 0),
            # Every third store has a chiller, every sixth a freezer too (from the number, not the
            # random stream, so networks seeded before cold slots existed keep their other values).
            chilled_slots=6 if number % 3 == 0 else 0,
            frozen_slots=4 if number % 6 == 0 else 0,
        )
        new_stores.append(store)
    Store.objects.bulk_create(new_stores)
    for store in Store.objects.filter(code__in=[s.code for s in new_stores], is_24h=False):
        for weekday in range(7):
            closes = time(22, 0) if weekday == 6 else time(23, 0)
            hours.append(OpeningHours(store=store, weekday=weekday, opens=time(7, 0), closes=closes))
    OpeningHours.objects.bulk_create(hours)
    for number in range(1, vehicle_count + 1):
        big = number % 4 == 0
        Vehicle.objects.get_or_create(
            dc=dc,
            name=f"{'TRUCK' if big else 'VAN'}-{number:02d}",
            defaults={
                "volume_capacity": 700 if big else 350,
                "kg_capacity": 1500 if big else 700,
                "shift_start": time(9, 30),
                "shift_end": time(18, 30) if number % 3 else time(20, 0),
                "fixed_cost": 1800 if big else 1200,
                "chilled_volume_capacity": 80 if number % 2 == 0 else 0,
                "frozen_volume_capacity": 40 if number % 4 == 0 else 0,
            },
        )
    return dc


def _branch_name(branch: str, nth: int) -> str:
    """大安復興門市, then 大安復興二門市, 大安復興三門市… for the next stores of the same name."""
    if nth == 1:
        return f"{branch}門市"
    tens, units = divmod(nth, 10)
    numeral = (ZH_DIGITS[tens] if tens > 1 else "") + ("十" if tens else "") + (ZH_DIGITS[units] if units else "")
    return f"{branch}{numeral}門市"


def _build_merchants() -> list[Merchant]:
    merchants = []
    for code, name, email in MERCHANTS:
        merchant, _ = Merchant.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "contact_email": email,
                "allowed_origins": "http://127.0.0.1:8000\nhttp://localhost:8000",
            },
        )
        merchants.append(merchant)
    return merchants


def demo_api_keys() -> list[tuple[str, str, str]]:
    """(merchant code, live key, test key) of each demo merchant; the keys are derived, so they are created once
    and printable again."""
    merchants = Merchant.objects.filter(code__in=[code for code, _name, _email in MERCHANTS]).order_by("code")
    return [
        (merchant.code, api_key_issue_demo(merchant=merchant), api_key_issue_demo(merchant=merchant, livemode=False))
        for merchant in merchants
    ]


def _build_users(dc: DistributionCenter) -> None:
    User = get_user_model()
    first, second = Store.objects.order_by("code")[:2]
    people = [
        ("admin", {"is_staff": True, "is_superuser": True, "first_name": "Ada", "last_name": "Operator"}, []),
        ("planner", {"first_name": "Pei-Ling", "last_name": "Planner"}, [(StaffMembership.Role.PLANNER, None, dc)]),
        ("clerk", {"first_name": "Kai", "last_name": "Clerk"}, [(StaffMembership.Role.CLERK, first, None)]),
        (
            "clerk2",
            {"first_name": "Mei", "last_name": "Clerk"},
            [(StaffMembership.Role.CLERK, first, None), (StaffMembership.Role.CLERK, second, None)],
        ),
        ("dock", {"first_name": "Tung", "last_name": "Dock"}, [(StaffMembership.Role.DOCK, None, dc)]),
        ("driver", {"first_name": "Chien", "last_name": "Driver"}, [(StaffMembership.Role.DRIVER, None, dc)]),
    ]
    for username, fields, memberships in people:
        user, created = User.objects.get_or_create(
            username=username, defaults={**fields, "email": f"{username}@pickup.example"}
        )
        if created:
            user.set_password(DEMO_PASSWORDS[username])
            user.save(update_fields=["password"])
        for role, store, place_dc in memberships:
            StaffMembership.objects.get_or_create(user=user, role=role, store=store, dc=place_dc)


def demo_logins() -> list[tuple[str, str, str]]:
    first = Store.objects.order_by("code").first()
    where = f"clerk of {first.code} {first.name}" if first else "clerk"
    return [
        ("admin", DEMO_PASSWORDS["admin"], "operator (admin)"),
        ("planner", DEMO_PASSWORDS["planner"], "planner of TPE-DC1"),
        ("clerk", DEMO_PASSWORDS["clerk"], where),
        ("clerk2", DEMO_PASSWORDS["clerk2"], "clerk of two stores (picks one)"),
        ("dock", DEMO_PASSWORDS["dock"], "dock staff of TPE-DC1 (intake, loading, returns)"),
        ("driver", DEMO_PASSWORDS["driver"], "driver of TPE-DC1 (today's dispatched routes)"),
    ]


def _build_dock_consignment(rng: random.Random, dc: DistributionCenter) -> list[Order]:
    """Today's parcels of one merchant, just ordered (status created) and waiting for the dock's intake scan.

    Each order goes through `order_create`, the API's own path, to the first stores by code that can
    take it (the demo's shelves may be full); references are fixed, so a second run adds none.
    """
    code, prefix, count = DOCK_CONSIGNMENT
    merchant = Merchant.objects.get(code=code)
    stores = list(Store.objects.filter(region__dc=dc, active=True).order_by("code")[: count * 3])
    created, store_index = [], 0
    for number in range(1, count + 1):
        # Draw every value even for orders that exist, so the same seed gives the same consignment.
        shopper = f"{rng.choice(FIRST_NAMES)} {rng.choice(GIVEN_NAMES)}"
        phone = f"09{rng.randrange(10**7, 10**8)}"
        size, _share, volume, (low, high) = SIZE_MIX[number % 2]
        spec = ParcelSpec(size_class=size, weight_g=rng.randint(low, high), volume_units=volume)
        reference = f"{prefix}-{number:04d}"
        if Order.objects.filter(merchant=merchant, reference=reference).exists():
            continue
        while store_index < len(stores):
            try:
                order = order_create(
                    merchant=merchant,
                    reference=reference,
                    shopper_name=shopper,
                    shopper_phone=phone,
                    shopper_email=f"dock{number}@mail.example",
                    pickup_store=stores[store_index],
                    parcels=[spec],
                    actor_label=merchant.code,
                )
            except OrderRejected:
                store_index += 1  # this store cannot take it today; the next one may
                continue
            created.append(order)
            store_index += 1
            break
    return created


def _status_times(rng: random.Random, target: str, now: datetime, store: Store) -> dict[str, datetime]:
    """When each status on the way to `target` was reached, ending in the past."""
    arrive_after = timedelta(hours=28)
    steps = {
        S.CREATED: timedelta(0),
        S.AT_DC: timedelta(hours=5),
        S.PLANNED: timedelta(hours=20),
        S.IN_TRANSIT: timedelta(hours=22),
        S.AT_STORE: arrive_after,
        # Missing at the DC and declared lost after the exceptions queue's deadline.
        S.LOST: timedelta(days=4),
    }
    if target == S.AT_STORE:
        back = arrive_after + timedelta(hours=rng.uniform(1, 6 * 24))
    elif target == S.PICKED_UP:
        pickup = timedelta(hours=rng.uniform(2, 5 * 24))
        steps[S.PICKED_UP] = arrive_after + pickup
        back = steps[S.PICKED_UP] + timedelta(hours=rng.uniform(1, 10 * 24))
    elif target in (S.EXPIRED, S.RETURN_IN_TRANSIT, S.AT_DC_FOR_RETURN, S.RETURNED):
        back = None
    elif target == S.CANCELLED:
        steps[S.CANCELLED] = timedelta(hours=3) if rng.random() < 0.5 else timedelta(hours=8)
        back = steps[S.CANCELLED] + timedelta(hours=rng.uniform(1, 72))
    else:
        back = steps[target] + timedelta(hours=rng.uniform(0.5, 3))
    if back is None:  # expired parcels: age past the hold deadline, then return on the next runs
        created = now - timedelta(days=rng.uniform(9.5, 12))
        arrived = created + arrive_after
        deadline = hold_deadline_for(arrived, store.tz)
        times = {status: created + offset for status, offset in steps.items()}
        times[S.EXPIRED] = deadline + timedelta(minutes=30)
        times[S.RETURN_IN_TRANSIT] = times[S.EXPIRED] + timedelta(hours=20)
        times[S.AT_DC_FOR_RETURN] = times[S.RETURN_IN_TRANSIT] + timedelta(hours=6)
        times[S.RETURNED] = times[S.AT_DC_FOR_RETURN] + timedelta(hours=20)
        return {status: times[status] for status in path_to(target)}
    created = now - back
    return {status: created + steps[status] for status in path_to(target)}


def _build_orders(rng: random.Random, dc: DistributionCenter, merchants: list[Merchant], count: int) -> tuple[int, int]:
    now = timezone.now()
    stores = list(Store.objects.filter(region__dc=dc).order_by("code"))
    existing_refs = set(Order.objects.filter(merchant__in=merchants).values_list("merchant_id", "reference"))
    used_slots: dict[int, set[int]] = {}
    for store_id, slot in Parcel.objects.filter(shelf_slot__isnull=False).values_list("shelf_store_id", "shelf_slot"):
        used_slots.setdefault(store_id, set()).add(slot)
    taken_tracking = set(Parcel.objects.values_list("tracking_number", flat=True))
    statuses, status_weights = zip(*STATUS_MIX, strict=True)
    plans = []
    for number in range(1, count + 1):
        merchant = merchants[number % len(merchants)]
        store = rng.choice(stores)
        target = rng.choices(statuses, weights=status_weights)[0]
        target = next((told for drawn, n, told in DC_FLOOR_SHARE if target == drawn and number % n == 0), target)
        n_parcels = 1 if rng.random() < 0.8 else 2
        parcels = []
        for _ in range(n_parcels):
            size, _w, volume, (low, high) = rng.choices(SIZE_MIX, weights=[m[1] for m in SIZE_MIX])[0]
            if not store.accepts_size(size):
                size, volume, (low, high) = SizeClass.M, 3, (400, 3000)
            tracking = f"9{rng.randrange(10**10, 10**11)}"
            parcels.append((tracking, size, volume, rng.randint(low, high), _demo_handling(number, store)))
        order = Order(
            merchant=merchant,
            reference=f"DEMO-{number:06d}",
            shopper_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(GIVEN_NAMES)}",
            shopper_email=f"shopper{number}@mail.example",
            shopper_phone=f"09{rng.randrange(10**7, 10**8)}",
            pickup_store=store,
            cash_on_pickup=rng.choice([0, 0, 0, 299, 580, 1250, 3600]),
            # Most shoppers read the store's default, Chinese; every tenth chose English at the checkout.
            language=Order.Language.EN if number % 10 == 0 else order_language_default(store),
            pickup_nonce=f"{rng.getrandbits(128):032x}",
            # Some shoppers still waiting chose a day two days out; the batch keeps those at the DC until then.
            preferred_pickup_day=(now + timedelta(days=2)).astimezone(store.tz).date()
            if target in (S.CREATED, S.AT_DC) and number % 5 == 0
            else None,
        )
        times = _status_times(rng, target, now, store)
        if (merchant.pk, order.reference) in existing_refs:
            continue
        plans.append((order, target, times, parcels))

    orders = Order.objects.bulk_create([plan[0] for plan in plans])
    parcel_rows, event_rows = [], []
    for order, (_, target, times, parcels) in zip(orders, plans, strict=True):
        code_hash = pickup_code_hash(pickup_code_for(order))
        for tracking, size, volume, weight, (temperature, fragile) in parcels:
            if tracking in taken_tracking:
                continue
            taken_tracking.add(tracking)
            status = target
            parcel = Parcel(
                order=order,
                tracking_number=tracking,
                size_class=size,
                weight_g=weight,
                volume_units=volume,
                status=status,
                temperature_class=temperature,
                fragile=fragile,
            )
            parcel.status_changed_at = times[status]
            parcel.last_event_seq = len(times)  # one status event per step, written below
            if S.AT_STORE in times:
                parcel.arrived_at = times[S.AT_STORE]
                parcel.pickup_code_hash = code_hash
            if status in (S.AT_STORE, S.EXPIRED):
                slots = used_slots.setdefault(order.pickup_store_id, set())
                free = next((n for n in order.pickup_store.slot_range(temperature) if n not in slots), None)
                if free is None:
                    continue  # the store is full in this demo; leave the parcel out rather than overfill
                slots.add(free)
                parcel.shelf_store_id, parcel.shelf_slot = order.pickup_store_id, free
            if status == S.AT_STORE:
                parcel.hold_deadline = hold_deadline_for(
                    parcel.arrived_at, order.pickup_store.tz, hold_days_for(temperature)
                )
            parcel_rows.append((parcel, times))
    Parcel.objects.bulk_create([row[0] for row in parcel_rows])
    for parcel, times in parcel_rows:
        previous = ""
        for seq, (status, at) in enumerate(times.items(), start=1):
            at_store = status in (S.AT_STORE, S.PICKED_UP, S.EXPIRED, S.RETURN_IN_TRANSIT)
            event_rows.append(
                ParcelEvent(
                    parcel=parcel,
                    seq=seq,
                    type=ParcelEvent.Type.STATUS,
                    from_status=previous,
                    to_status=status,
                    actor_label="demo",
                    store=parcel.order.pickup_store if at_store else None,
                    created_at=at,
                )
            )
            previous = status
    ParcelEvent.objects.bulk_create(event_rows, batch_size=2000)
    # Returns back at the DC wait in their merchant's return consignment, ready to hand over.
    for parcel, _times in parcel_rows:
        if parcel.status == S.AT_DC_FOR_RETURN:
            consignment_add(parcel=parcel, dc=dc, user=None)
    return len(orders), len(parcel_rows)


def _demo_handling(number: int, store: Store) -> tuple[str, bool]:
    """(temperature class, fragile) of a demo order's parcels: one in ten cold where the store can hold it,
    one in seven fragile."""
    temperature = TemperatureClass.AMBIENT
    if number % 20 == 0 and store.accepts_temperature(TemperatureClass.FROZEN):
        temperature = TemperatureClass.FROZEN
    elif number % 10 == 0 and store.accepts_temperature(TemperatureClass.CHILLED):
        temperature = TemperatureClass.CHILLED
    return temperature, number % 7 == 0
