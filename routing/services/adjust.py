"""What a planner changes on a plan before approving it: conditions, vehicles, locks, stop moves."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import ConflictError, DomainError
from routing import engine
from routing.checker import check
from routing.locks import lock_region_plan
from routing.models import (
    CONDITION_FACTOR_RANGE,
    CONDITION_FACTORS,
    BatchRun,
    Condition,
    PlannedRoute,
    PlannedStop,
    RegionPlan,
)
from routing.problem_builder import RegionProblem, build_problem, open_entries
from routing.services.plans import plan_refresh_totals, route_write
from routing.services.wording import reasons_text
from stores.models import Vehicle


def _require_editable(region_plan: RegionPlan) -> None:
    if not region_plan.editable:
        raise ConflictError(
            _("Region %(region)s is %(status)s: only a planned, not yet approved region can be changed.")
            % {"region": region_plan.region.code, "status": region_plan.get_status_display()},
            code="plan_frozen",
        )


# What a failed region needs to be run again successfully (its conditions, vehicles and locks) can be
# changed as on a planned one; its routes (those of its last plan) cannot be rearranged by hand.
ADJUSTABLE = (RegionPlan.Status.PLANNED, RegionPlan.Status.FAILED)


def region_plan_adjustable(region_plan: RegionPlan) -> bool:
    return region_plan.status in ADJUSTABLE


def _require_adjustable(region_plan: RegionPlan) -> None:
    if not region_plan_adjustable(region_plan):
        raise ConflictError(
            _("Region %(region)s is %(status)s: only a planned or failed region can be changed.")
            % {"region": region_plan.region.code, "status": region_plan.get_status_display()},
            code="plan_frozen",
        )


def condition_factor_for(condition: str, factor: float | None) -> float:
    """The factor to use: the planner's own, or the condition's usual one."""
    if factor is None:
        return CONDITION_FACTORS[Condition(condition)]
    low, high = CONDITION_FACTOR_RANGE
    if not low <= factor <= high:
        raise DomainError(
            _("The travel-time factor must be between %(low)s and %(high)s.") % {"low": low, "high": high},
            field="factor",
        )
    return round(factor, 2)


def run_set_conditions(*, run: BatchRun, condition: str, factor: float | None) -> BatchRun:
    """The day's conditions: they apply to every region without conditions of its own, from its next
    (re-)optimisation on."""
    if condition not in Condition.values:
        raise DomainError(_("Choose one of the listed conditions."), field="condition")
    BatchRun.objects.filter(pk=run.pk).update(
        condition=condition, condition_factor=condition_factor_for(condition, factor)
    )
    run.refresh_from_db()
    return run


def region_plan_set_conditions(*, region_plan: RegionPlan, condition: str, factor: float | None) -> RegionPlan:
    """The region's own conditions; an empty condition means the day's apply."""
    if condition and condition not in Condition.values:
        raise DomainError(_("Choose one of the listed conditions."), field="condition")
    with transaction.atomic():
        rp = lock_region_plan(region_plan.pk)
        _require_adjustable(rp)
        rp.condition = condition
        rp.condition_factor = condition_factor_for(condition, factor) if condition else None
        rp.save(update_fields=["condition", "condition_factor"])
    return rp


def region_plan_set_vehicles(*, region_plan: RegionPlan, vehicles: list[Vehicle]) -> RegionPlan:
    """The vehicles the region may use when it is next optimised. A vehicle serves one region a day."""
    with transaction.atomic():
        rp = lock_region_plan(region_plan.pk)
        _require_adjustable(rp)
        wrong_dc = [v.name for v in vehicles if v.dc_id != rp.run.dc_id]
        if wrong_dc:
            raise DomainError(
                _("Not a vehicle of this DC: %(names)s.") % {"names": ", ".join(wrong_dc)}, field="vehicles"
            )
        taken = Vehicle.objects.filter(pk__in=[v.pk for v in vehicles], region_plans__run=rp.run).exclude(
            region_plans=rp
        )
        if taken:
            raise DomainError(
                _("Already serving another region today: %(names)s.")
                % {"names": ", ".join(v.name for v in taken.distinct())},
                field="vehicles",
            )
        rp.vehicles.set(vehicles)
    return rp


def route_set_locked(*, route: PlannedRoute, locked: bool) -> PlannedRoute:
    with transaction.atomic():
        rp = lock_region_plan(route.region_plan_id)
        _require_adjustable(rp)
        PlannedRoute.objects.filter(pk=route.pk).update(locked=locked)
    route.locked = locked
    return route


@dataclass
class MovePreview:
    """The two routes as they would be after the move, and why it cannot be saved (if it cannot)."""

    stop: PlannedStop
    target: PlannedRoute
    position: int
    routes: dict[int, engine.Route] = field(default_factory=dict)  # route id -> the route re-driven
    refusal: str = ""
    region_problem: RegionProblem | None = None

    @property
    def feasible(self) -> bool:
        return not self.refusal


def stop_move_preview(*, stop: PlannedStop, target: PlannedRoute, position: int) -> MovePreview:
    """Move `stop` to `position` (1-based) of `target` on paper: both routes are re-driven in their
    new order with the solver (every stop locked, so nothing else changes) and checked independently.
    A lock keeps the solver off a route, not the planner: a locked route (one moved before) takes
    further moves by hand, and saving locks both routes."""
    source = stop.route
    # Read afresh: a plan approved since this page was loaded is frozen.
    rp = RegionPlan.objects.select_related("run__dc", "region").get(pk=source.region_plan_id)
    _require_editable(rp)
    if target.region_plan_id != rp.pk:
        raise DomainError(_("The stop can only move to a route of the same region plan."), field="route")
    orders = {r.pk: [s.store_id for s in r.stops.all()] for r in {source, target}}
    orders[source.pk].remove(stop.store_id)
    position = max(1, min(position, len(orders[target.pk]) + 1))
    orders[target.pk].insert(position - 1, stop.store_id)
    preview = MovePreview(stop=stop, target=target, position=position)
    routes = {r.pk: r for r in (source, target)}
    stores = {store_id for order in orders.values() for store_id in order}
    region_problem = build_problem(
        dc=rp.run.dc,
        day=rp.run.plan_date,
        entries=[e for e in open_entries(rp) if e.store_id in stores],
        vehicles=[r.vehicle for r in routes.values()],
        condition_factor=rp.effective_condition_factor,
        locked_routes={str(routes[pk].vehicle_id): [str(s) for s in order] for pk, order in orders.items() if order},
    )
    preview.region_problem = region_problem
    try:
        solution = engine.solve(region_problem.problem, engine.SearchParams(time_limit_s=1))
    except engine.ProblemError as error:
        preview.refusal = reasons_text(rp, [str(error)], moving=True)[0]
        return preview
    violations = check(region_problem.problem, solution)
    if violations:
        preview.refusal = "; ".join(reasons_text(rp, violations, moving=True))
        return preview
    by_vehicle = {r.vehicle_id: r for r in solution.routes}
    preview.routes = {pk: by_vehicle[str(routes[pk].vehicle_id)] for pk, order in orders.items() if order}
    return preview


def stop_move(*, stop: PlannedStop, target: PlannedRoute, position: int) -> MovePreview:
    """Save the move if its preview is feasible; otherwise refuse with the reason."""
    with transaction.atomic():
        rp = lock_region_plan(stop.route.region_plan_id)
        stop = PlannedStop.objects.select_related("route__vehicle", "route__region_plan").get(pk=stop.pk)
        target = PlannedRoute.objects.select_related("vehicle").get(pk=target.pk)
        preview = stop_move_preview(stop=stop, target=target, position=position)
        if not preview.feasible:
            raise ConflictError(
                _("The move was not saved: %(reason)s") % {"reason": preview.refusal}, code="move_infeasible"
            )
        served = set(rp.parcels.filter(kind="deliver", stop__isnull=False).values_list("pk", flat=True))
        for route in {stop.route, target}:
            route.stops.all().delete()
            if route.pk in preview.routes:
                route_write(
                    route=route,
                    solved=preview.routes[route.pk],
                    region_problem=preview.region_problem,
                    run=rp.run,
                    served_before=served,
                )
            else:
                route.delete()  # its last stop moved away: the vehicle is free again
        plan_refresh_totals(region_plan=rp)
    return preview
