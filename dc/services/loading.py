"""Sort and load: each route of an approved plan has a load list in loading order (the last stop's
parcels go in first, so the first stop's are at the door), and a loading scan puts each parcel on its
truck. Routing's dispatch sends only loaded parcels (see routing.services.dispatch)."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dc.services.scanning import DockRefusal, Reason, cancelled_refusal, dock_parcel, logger, said_at
from orders.lifecycle import parcel_record_event
from orders.models import Parcel, ParcelEvent
from routing.models import PlannedRoute, PlanParcel, RegionPlan
from stores.models import DistributionCenter

S = Parcel.Status


@dataclass(frozen=True)
class LoadResult:
    parcel: Parcel
    entry: PlanParcel
    loaded: int
    total: int
    message: str


def route_load_list(*, route: PlannedRoute):
    """The route's deliveries in loading order: last stop first, then by store and parcel."""
    return (
        PlanParcel.objects.filter(stop__route=route, kind=PlanParcel.Kind.DELIVER)
        .select_related("parcel", "stop__store", "loaded_by")
        .order_by("-stop__position", "parcel__tracking_number")
    )


def route_load_counts(*, route: PlannedRoute) -> tuple[int, int]:
    counts = PlanParcel.objects.filter(stop__route=route, kind=PlanParcel.Kind.DELIVER).aggregate(
        total=Count("pk"), loaded=Count("pk", filter=Q(loaded_at__isnull=False))
    )
    return counts["loaded"], counts["total"]


def _progress(route: PlannedRoute) -> tuple[int, int, str]:
    loaded, total = route_load_counts(route=route)
    return loaded, total, _("%(loaded)d of %(total)d loaded.") % {"loaded": loaded, "total": total}


def parcel_load(*, parcel_code: str, route: PlannedRoute, dc: DistributionCenter, user) -> LoadResult:
    """Scan a parcel onto `route`'s truck; a parcel of another route is refused naming the right one."""
    parcel = dock_parcel(parcel_code, dc=dc, user=user, action="load")
    region_plan: RegionPlan = route.region_plan
    if region_plan.status != RegionPlan.Status.APPROVED:
        raise DockRefusal(_("The region's plan is not approved yet: wait for the planner."), code="not_approved")
    if route.dispatched_at is not None:
        raise DockRefusal(_("Route %(number)d has left already.") % {"number": route.number}, code=Reason.ROUTE_GONE)
    entry = (
        PlanParcel.objects.select_related("stop__route__vehicle", "stop__store", "loaded_by")
        .filter(run_id=region_plan.run_id, parcel=parcel, kind=PlanParcel.Kind.DELIVER)
        .first()
    )
    if parcel.status == S.CANCELLED:
        raise cancelled_refusal()
    if entry is None or entry.stop is None or parcel.status != S.PLANNED:
        raise DockRefusal(
            _("Not on any route of this plan: it is %(status)s. Keep it at the DC.")
            % {"status": parcel.get_status_display().lower()},
            code=Reason.NOT_ON_ROUTE,
        )
    right = entry.stop.route
    if right.pk != route.pk:
        raise DockRefusal(
            _("Not this truck: it belongs to route %(number)d (%(vehicle)s), stop %(stop)d %(store)s.")
            % {
                "number": right.number,
                "vehicle": right.vehicle.name,
                "stop": entry.stop.position,
                "store": entry.stop.store.code,
            },
            code=Reason.OTHER_ROUTE,
        )
    # The compare-and-swap: of two dock staff scanning the same parcel, one loads it.
    now = timezone.now()
    if not PlanParcel.objects.filter(pk=entry.pk, loaded_at__isnull=True).update(loaded_at=now, loaded_by=user):
        first = PlanParcel.objects.select_related("loaded_by").get(pk=entry.pk)
        raise DockRefusal(
            _("Already loaded at %(when)s by %(who)s.") % said_at(first.loaded_at, first.loaded_by, dc),
            code=Reason.ALREADY_LOADED,
        )
    parcel_record_event(
        parcel=parcel,
        type=ParcelEvent.Type.LOADED,
        actor=user,
        details={"route": route.number, "run": region_plan.run_id, "stop": entry.stop.position},
        at=now,
    )
    loaded, total, progress = _progress(route)
    logger.info("dock load: parcel %s onto route %s by %s", parcel.pk, route.pk, user.pk)
    return LoadResult(
        parcel=parcel,
        entry=entry,
        loaded=loaded,
        total=total,
        message=_("Loaded for stop %(stop)d %(store)s. %(progress)s")
        % {"stop": entry.stop.position, "store": entry.stop.store.code, "progress": progress},
    )
