"""Which candidate sites a DC should partner with: coverage of demand today, and the K sites that add
the most (insight.covering on the DC area's demand cells, insight.demand)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from insight.covering import CoverAnswer, CoverProblem, max_cover
from insight.demand import MAX_BYTES, MAX_ROWS, Demand, cells_within, dc_area, inside
from stores.csv_rows import BOOLEAN_WORDS, RowError, csv_number, csv_point, read_csv
from stores.grid import cell_of
from stores.models import DistributionCenter, Store

CANDIDATE_COLUMNS = ["code", "latitude", "longitude"]


@dataclass(frozen=True)
class Candidate:
    code: str
    name: str
    latitude: float
    longitude: float
    is_24h: bool
    cost: float | None


@dataclass(frozen=True)
class ChosenSite:
    candidate: Candidate
    adds: int  # demand it covers that no site ranked above it does
    district: str


@dataclass
class NetworkPlan:
    total: int = 0
    covered_before: int = 0
    covered_after: int = 0
    chosen: list[ChosenSite] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # candidates outside the DC's area, named
    by_district: list[tuple[str, int, int, int]] = field(default_factory=list)  # name, demand, before, after
    answer: CoverAnswer | None = None
    open_cells: dict[tuple[int, int], int] = field(default_factory=dict)  # demand left uncovered, per cell

    @property
    def gap_percent(self) -> float:
        return 100 * self.answer.gap if self.answer else 0.0

    def share(self, covered: int) -> float:
        return covered / self.total if self.total else 0.0


def parse_candidates(data: bytes) -> tuple[list[Candidate], list[RowError]]:
    """The candidate sites of a CSV file (code, latitude, longitude; optional name, is_24h, cost), or
    the row-by-row report of what is wrong with it."""
    rows, errors = read_csv(data, CANDIDATE_COLUMNS, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    candidates: list[Candidate] = []
    codes: set[str] = set()
    for line, row in rows:
        code = row["code"].strip()
        if not code:
            errors.append(RowError(line, "code", _("this field is required")))
            continue
        if code in codes:
            errors.append(RowError(line, "code", _("this code is listed twice")))
            continue
        codes.add(code)
        point = csv_point(row, line, errors)
        raw_24h = row.get("is_24h", "").strip().lower()
        if raw_24h and raw_24h not in BOOLEAN_WORDS:
            errors.append(RowError(line, "is_24h", _("use yes or no")))
            continue
        cost = csv_number(row, "cost", line, errors, float, minimum=0) if row.get("cost", "").strip() else None
        if point is None or (row.get("cost", "").strip() and cost is None):
            continue
        name = row.get("name", "").strip() or code
        candidates.append(Candidate(code, name, point[0], point[1], BOOLEAN_WORDS.get(raw_24h, False), cost))
    return (candidates, errors) if not errors else ([], errors)


def network_plan(
    dc: DistributionCenter,
    demand: Demand,
    candidates: list[Candidate],
    *,
    add: int,
    radius_m: float | None = None,
    district_limits: dict[str, int] | None = None,
    only_24h: bool = False,
    time_limit_s: float = 30.0,
) -> NetworkPlan:
    """Coverage of `demand` by the DC's stores today, and the `add` candidates that cover the most of
    what is left within walking distance (`radius_m`, PICKUP_WALKING_DISTANCE_M by default), at most
    `district_limits[d]` in district d. Candidates outside the DC's area are named and skipped."""
    radius = radius_m or settings.PICKUP_WALKING_DISTANCE_M
    plan = NetworkPlan(total=demand.total)
    area = dc_area(dc)
    cells = set(demand.cells)
    covered = set()
    for latitude, longitude in Store.objects.filter(region__dc=dc, active=True).values_list("latitude", "longitude"):
        covered.update(cells_within(float(latitude), float(longitude), radius, cells))
    plan.covered_before = sum(demand.cells[c] for c in covered)
    usable = []
    for candidate in candidates:
        if area is None or not inside(area, candidate.latitude, candidate.longitude):
            plan.skipped.append(candidate.code)
        elif not only_24h or candidate.is_24h:
            usable.append(candidate)
    open_cells = sorted(cells - covered)
    index = {cell: j for j, cell in enumerate(open_cells)}
    reach = [[index[c] for c in cells_within(s.latitude, s.longitude, radius, cells) if c in index] for s in usable]
    groups = [_district(demand, s) for s in usable]
    problem = CoverProblem(
        [demand.cells[c] for c in open_cells], reach, add, groups=groups, group_limits=district_limits or {}
    )
    plan.answer = max_cover(problem, time_limit_s=time_limit_s)
    plan.chosen = [ChosenSite(usable[c.candidate], c.adds, groups[c.candidate]) for c in plan.answer.chosen]
    plan.covered_after = plan.covered_before + plan.answer.covered
    newly = {open_cells[j] for c in plan.answer.chosen for j in reach[c.candidate]}
    plan.by_district = _by_district(demand, covered, newly)
    plan.open_cells = {cell: demand.cells[cell] for cell in open_cells if cell not in newly}
    return plan


def _district(demand: Demand, candidate: Candidate) -> str:
    return demand.district_of.get(cell_of(candidate.latitude, candidate.longitude), "")


def _by_district(demand: Demand, before: set, newly: set) -> list[tuple[str, int, int, int]]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for cell, value in demand.cells.items():
        row = totals[demand.district_of.get(cell, "")]
        row[0] += value
        row[1] += value if cell in before else 0
        row[2] += value if cell in before or cell in newly else 0
    return sorted(((name, *values) for name, values in totals.items()), key=lambda r: -r[1])
