"""Where the DC should be: a representative day's regions solved again from each candidate site.

Every region's parcels of that day (all of them, whatever became of them since) are planned from the
site with the region's vehicles and a short search, and the sites compared on km per day, vehicles
used, the longest route and the stops no vehicle could reach. The DC's own location is the first row,
so every site is read against today.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass

from routing import engine
from routing.models import BatchRun, PlanParcel
from routing.problem_builder import build_problem
from stores.models import DistributionCenter


@dataclass(frozen=True)
class Site:
    code: str
    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class SiteResult:
    site: Site
    km: float
    vehicles: int
    longest_km: float
    longest_hours: float
    unserved: int


def representative_run(dc: DistributionCenter) -> BatchRun | None:
    """The DC's latest batch run that planned parcels: the day the sites are compared on."""
    return BatchRun.objects.filter(dc=dc, parcels__isnull=False).distinct().order_by("-plan_date", "-pk").first()


def compare_dc_sites(
    dc: DistributionCenter, sites: list[Site], run: BatchRun, *, time_limit_s: float = 5.0
) -> list[SiteResult]:
    here = Site(dc.code, dc.name, float(dc.latitude), float(dc.longitude))
    return [_solve_from(dc, site, run, time_limit_s) for site in [here, *sites]]


def _solve_from(dc: DistributionCenter, site: Site, run: BatchRun, time_limit_s: float) -> SiteResult:
    moved = copy(dc)
    moved.latitude, moved.longitude = site.latitude, site.longitude
    km = longest_km = longest_h = 0.0
    vehicles = unserved = 0
    for region_plan in run.region_plans.prefetch_related("vehicles"):
        entries = list(
            PlanParcel.objects.filter(region_plan=region_plan).select_related("parcel__order__merchant", "store")
        )
        fleet = [v for v in region_plan.vehicles.all() if v.active]
        if not entries:
            continue
        problem = build_problem(
            dc=moved, day=run.plan_date, entries=entries, vehicles=fleet, condition_factor=1.0
        ).problem
        solution = engine.solve(problem, engine.SearchParams(time_limit_s=time_limit_s, seed=region_plan.region_id))
        km += solution.total_distance_m / 1000
        vehicles += len(solution.routes)
        unserved += len(solution.unserved)
        for route in solution.routes:
            longest_km = max(longest_km, route.distance_m / 1000)
            longest_h = max(longest_h, route.duration_s / 3600)
    return SiteResult(site, round(km, 1), vehicles, round(longest_km, 1), round(longest_h, 2), unserved)
