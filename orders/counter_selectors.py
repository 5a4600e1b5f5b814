"""Reads for the store counter: what is expected, on the shelf, expiring, and what happened on a day.

Days are the store's own calendar days (its time zone), since that is the day the clerk works.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

# The module, not the name: lifecycle reaches this module through the outbox and notifications.
from orders import lifecycle
from orders.models import Order, Parcel, ParcelEvent
from stores.models import Store

S = Parcel.Status
PROBLEM_REPORTS = (ParcelEvent.Type.REPORTED_MISSING, ParcelEvent.Type.REPORTED_DAMAGED)


def store_today(store: Store, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(store.tz).date()


def store_day_bounds(store: Store, day: date) -> tuple[datetime, datetime]:
    """[start, end) of `day` at the store, as aware datetimes (a DST day may be 23 or 25 hours long)."""
    start = datetime.combine(day, time.min, tzinfo=store.tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=store.tz)
    return start, end


def counter_expected_today(*, store: Store, now: datetime | None = None) -> QuerySet[Parcel]:
    """Today's delivery to the store: parcels still on the way (missing until scanned) and those that arrived today.

    Until route plans exist, "on the way" means in transit to this store; the route plan will narrow it to
    today's stops here and nowhere else.
    """
    start, end = store_day_bounds(store, store_today(store, now))
    reported = ParcelEvent.objects.filter(parcel=OuterRef("pk"), type__in=PROBLEM_REPORTS)
    return (
        Parcel.objects.filter(order__pickup_store=store, order__livemode=True)
        .filter(Q(status=S.IN_TRANSIT) | Q(arrived_at__gte=start, arrived_at__lt=end))
        .annotate(reported=Exists(reported))
        # Still-missing parcels (no arrival yet) first: they are what the clerk has to chase.
        .order_by(F("arrived_at").asc(nulls_first=True), "tracking_number")
    )


def counter_on_hand(*, store: Store) -> QuerySet[Parcel]:
    return Parcel.objects.filter(shelf_store=store, status=S.AT_STORE).select_related("order").order_by("shelf_slot")


def counter_expired(*, store: Store) -> QuerySet[Parcel]:
    """Parcels on the shelf waiting for the driver: expired ones and shoppers' returns dropped off here."""
    return (
        Parcel.objects.filter(shelf_store=store, status__in=lifecycle.AWAITING_COLLECTION)
        .select_related("order")
        .order_by("shelf_slot")
    )


@dataclass(frozen=True)
class DayCounts:
    scanned_in: int
    handed_over: int
    returned: int
    reports: int
    refused_scans: int


def counter_day_counts(*, store: Store, day: date) -> DayCounts:
    start, end = store_day_bounds(store, day)
    status_in = Q(type=ParcelEvent.Type.STATUS)
    counts = ParcelEvent.objects.filter(store=store, created_at__gte=start, created_at__lt=end).aggregate(
        scanned_in=Count("pk", filter=status_in & Q(to_status=S.AT_STORE)),
        handed_over=Count("pk", filter=status_in & Q(to_status=S.PICKED_UP)),
        returned=Count("pk", filter=status_in & Q(to_status=S.RETURN_IN_TRANSIT)),
        reports=Count("pk", filter=Q(type__in=PROBLEM_REPORTS)),
        refused_scans=Count("pk", filter=Q(type=ParcelEvent.Type.SCAN_REFUSED)),
    )
    return DayCounts(**counts)


@dataclass(frozen=True)
class Overview:
    on_hand: int
    expired_waiting: int
    capacity: int
    expiring_today: int
    expiring_tomorrow: int
    today: DayCounts

    @property
    def slots_used(self) -> int:
        return self.on_hand + self.expired_waiting

    @property
    def slots_free(self) -> int:
        return max(self.capacity - self.slots_used, 0)


def counter_overview(*, store: Store, now: datetime | None = None) -> Overview:
    today = store_today(store, now)
    today_start, today_end = store_day_bounds(store, today)
    tomorrow_end = store_day_bounds(store, today + timedelta(days=1))[1]
    at_store = Q(status=S.AT_STORE)
    shelf = Parcel.objects.filter(shelf_store=store).aggregate(
        on_hand=Count("pk", filter=at_store),
        expired_waiting=Count("pk", filter=Q(status=S.EXPIRED)),
        expiring_today=Count("pk", filter=at_store & Q(hold_deadline__gte=today_start, hold_deadline__lt=today_end)),
        expiring_tomorrow=Count(
            "pk", filter=at_store & Q(hold_deadline__gte=today_end, hold_deadline__lt=tomorrow_end)
        ),
    )
    return Overview(capacity=store.slot_capacity, today=counter_day_counts(store=store, day=today), **shelf)


def counter_day_events(*, store: Store, day: date) -> QuerySet[ParcelEvent]:
    """Everything done at the counter on `day`, oldest first, for the printed daily report."""
    start, end = store_day_bounds(store, day)
    return (
        ParcelEvent.objects.filter(store=store, created_at__gte=start, created_at__lt=end)
        .select_related("parcel", "actor")
        .order_by("created_at", "pk")
    )


def counter_handover_parcels(*, order: Order, store: Store) -> tuple[list[Parcel], list[Parcel]]:
    """The order's parcels on this store's shelf, and those not here yet (still on the way or at the DC)."""
    parcels = list(order.parcels.order_by("pk"))
    here = [p for p in parcels if p.status == S.AT_STORE and p.shelf_store_id == store.pk]
    on_the_way = {S.CREATED, S.AT_DC, S.PLANNED, S.IN_TRANSIT}
    elsewhere = [p for p in parcels if p.status in on_the_way]
    return here, elsewhere


def counter_cash_due(order: Order) -> int:
    """Cash still to collect for the order: its cash on pickup unless a handover already collected it."""
    if not order.cash_on_pickup:
        return 0
    collected = ParcelEvent.objects.filter(parcel__order=order, type=ParcelEvent.Type.CASH_COLLECTED).exists()
    return 0 if collected else order.cash_on_pickup
