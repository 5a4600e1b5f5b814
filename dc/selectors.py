"""Reads of the DC floor's screens."""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet

from dc.models import DockException, ReturnConsignment
from orders.models import Order, Parcel
from routing.models import PlannedRoute, RegionPlan
from stores.models import DistributionCenter

S = Parcel.Status


def dc_parcels(dc: DistributionCenter) -> QuerySet[Parcel]:
    """A DC's parcels: those whose pickup store is in one of its regions (never a sandbox order's)."""
    return Parcel.objects.filter(order__pickup_store__region__dc=dc, order__livemode=True)


def _day_bounds(dc: DistributionCenter, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=dc.tz)
    return start, start + timedelta(days=1)


def consignment_summary(*, dc: DistributionCenter, day: date) -> list[dict]:
    """Per merchant, the parcels of the orders created on `day` (the DC's calendar): expected (not
    cancelled), received (past intake or held in the exceptions queue) and short."""
    start, end = _day_bounds(dc, day)
    held = DockException.objects.filter(kind__in=("oversize", "damaged"), resolved_at__isnull=True).values("parcel_id")
    rows = (
        dc_parcels(dc)
        .filter(order__created_at__gte=start, order__created_at__lt=end)
        .exclude(status=S.CANCELLED)
        .values("order__merchant_id", "order__merchant__code", "order__merchant__name")
        .annotate(
            expected=Count("pk"),
            short=Count("pk", filter=Q(status=S.CREATED) & ~Q(pk__in=held)),
        )
        .order_by("order__merchant__code")
    )
    return [
        {
            "merchant_id": r["order__merchant_id"],
            "code": r["order__merchant__code"],
            "name": r["order__merchant__name"],
            "expected": r["expected"],
            "received": r["expected"] - r["short"],
            "short": r["short"],
        }
        for r in rows
    ]


def consignment_shortage(*, dc: DistributionCenter, day: date, merchant_id: int) -> QuerySet[Parcel]:
    start, end = _day_bounds(dc, day)
    held = DockException.objects.filter(kind__in=("oversize", "damaged"), resolved_at__isnull=True).values("parcel_id")
    return (
        dc_parcels(dc)
        .filter(
            order__created_at__gte=start, order__created_at__lt=end, order__merchant_id=merchant_id, status=S.CREATED
        )
        .exclude(pk__in=held)
        .select_related("order__pickup_store")
        .order_by("order__reference", "tracking_number")
    )


def merchants_of_day(*, dc: DistributionCenter, day: date) -> QuerySet[Order]:
    start, end = _day_bounds(dc, day)
    return Order.objects.filter(pickup_store__region__dc=dc, created_at__gte=start, created_at__lt=end)


def loading_routes(*, dc: DistributionCenter, day: date) -> QuerySet[PlannedRoute]:
    """The routes of the day's approved region plans, with their load counts."""
    return (
        PlannedRoute.objects.filter(
            region_plan__run__dc=dc, region_plan__run__plan_date=day, region_plan__status=RegionPlan.Status.APPROVED
        )
        .select_related("region_plan__region", "vehicle")
        .annotate(
            total=Count("stops__parcels", filter=Q(stops__parcels__kind="deliver")),
            loaded=Count(
                "stops__parcels", filter=Q(stops__parcels__kind="deliver", stops__parcels__loaded_at__isnull=False)
            ),
        )
        .order_by("region_plan__region__code", "number")
    )


def open_consignments(*, dc: DistributionCenter) -> QuerySet[ReturnConsignment]:
    return (
        ReturnConsignment.objects.filter(dc=dc, handed_over_at__isnull=True)
        .select_related("merchant")
        .annotate(parcels=Count("items"))
        .order_by("merchant__code")
    )


def exception_queue(*, dc: DistributionCenter, resolved: bool = False) -> QuerySet[DockException]:
    rows = DockException.objects.filter(dc=dc, resolved_at__isnull=not resolved).select_related(
        "parcel__order__merchant", "parcel__order__pickup_store", "store", "opened_by", "resolved_by"
    )
    return rows.order_by("-resolved_at", "-pk") if resolved else rows.order_by("opened_at", "pk")
