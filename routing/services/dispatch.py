"""Approving a region plan (it is then frozen) and dispatching its routes one by one."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError
from orders.lifecycle import parcel_transition
from orders.locks import lock_parcels
from orders.models import Parcel
from routing.locks import lock_region_plan
from routing.models import PlannedRoute, PlanParcel, RegionPlan
from routing.services.wording import route_label


def region_plan_approve(*, region_plan: RegionPlan, user) -> RegionPlan:
    with transaction.atomic():
        rp = lock_region_plan(region_plan.pk)
        changed = RegionPlan.objects.filter(pk=rp.pk, status=RegionPlan.Status.PLANNED).update(
            status=RegionPlan.Status.APPROVED, approved_at=timezone.now(), approved_by=user
        )
        if not changed:
            raise ConflictError(
                _("Region %(region)s is %(status)s and cannot be approved.")
                % {"region": rp.region.code, "status": rp.get_status_display()},
                code="not_approvable",
            )
    rp.refresh_from_db()
    return rp


@dataclass(frozen=True)
class Dispatched:
    moved: list[str]  # tracking numbers now in transit
    left: list[str]  # tracking numbers no longer planned (cancelled since), not loaded
    not_loaded: list[str] = field(default_factory=list)  # left behind at the DC, to be planned again


def route_dispatch(*, route: PlannedRoute, user, confirm_not_loaded: bool = False) -> Dispatched:
    """Send the route's truck: each parcel the dock loaded goes PLANNED → IN_TRANSIT through the gate,
    so the stores see them as expected today. Once per route; only an approved plan is dispatched.

    Parcels still planned but not loaded (no loading scan) stop the dispatch unless the planner confirms;
    confirmed, they go back to AT_DC with the reason `not_loaded` and the next batch plans them again.
    """
    with transaction.atomic():
        rp = lock_region_plan(route.region_plan_id)
        if rp.status != RegionPlan.Status.APPROVED:
            raise ConflictError(_("Approve the region's plan before dispatching its routes."), code="not_approved")
        entries = PlanParcel.objects.filter(stop__route=route, kind=PlanParcel.Kind.DELIVER)
        unloaded = set(
            entries.filter(loaded_at__isnull=True, parcel__status=Parcel.Status.PLANNED).values_list(
                "parcel_id", flat=True
            )
        )
        if unloaded and not confirm_not_loaded:
            raise ConflictError(
                _(
                    "%(count)d of %(total)d parcels of %(route)s are not loaded. Confirm to dispatch without "
                    "them: they go back to the DC and are planned again in the next batch."
                )
                % {"count": len(unloaded), "total": entries.count(), "route": route_label(route)},
                code="not_loaded",
            )
        changed = PlannedRoute.objects.filter(pk=route.pk, dispatched_at__isnull=True).update(
            dispatched_at=timezone.now(), dispatched_by=user
        )
        if not changed:
            raise ConflictError(
                _("%(route)s has been dispatched already.") % {"route": route_label(route)}, code="already_dispatched"
            )
        parcel_ids = PlanParcel.objects.filter(stop__route=route, kind=PlanParcel.Kind.DELIVER).values_list(
            "parcel_id", flat=True
        )
        moved, left, not_loaded = [], [], []
        for parcel in lock_parcels(parcel_ids, related=["order__merchant", "order__pickup_store"]):
            if parcel.status != Parcel.Status.PLANNED:
                left.append(parcel.tracking_number)
                continue
            if parcel.pk in unloaded:
                parcel_transition(
                    parcel=parcel,
                    to=Parcel.Status.AT_DC,
                    actor=user,
                    details={"reason": "not_loaded", "run": rp.run_id, "route": route.number},
                    changes={"expected_arrival": None},
                )
                not_loaded.append(parcel.tracking_number)
                continue
            parcel_transition(
                parcel=parcel,
                to=Parcel.Status.IN_TRANSIT,
                actor=user,
                details={"run": rp.run_id, "route": route.number, "vehicle": route.vehicle_id},
            )
            moved.append(parcel.tracking_number)
    return Dispatched(moved=moved, left=left, not_loaded=not_loaded)
