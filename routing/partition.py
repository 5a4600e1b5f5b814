"""Split the stores into compact regions of about equal work.

Recursive bisection: cut the stores across their longest spread (the principal axis) so that each
side gets work in proportion to the number of regions it will hold (within a small tolerance, used to
cut where the stores thin out), then cut each side again.
Cuts across the longest spread keep regions compact; "work" counts parcels and stops half each, so
a region of a few busy stores and one of many quiet ones come out alike. Ties break on store id,
so the result depends only on the set of stores, not on the order they are given in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# How far a region's work may stray from an equal share (as a fraction of that share) to put the
# boundary where the stores thin out.
BALANCE_TOLERANCE = 0.05


@dataclass(frozen=True)
class Site:
    id: str
    lat: float
    lon: float
    weight: float  # parcels to deliver and collect


def partition(sites: Sequence[Site], regions: int) -> list[list[str]]:
    """`regions` lists of site ids, every site in exactly one; regions ordered by the cuts."""
    if regions < 1:
        raise ValueError("regions must be at least 1")
    if len({s.id for s in sites}) != len(sites):
        raise ValueError("site ids must be unique")
    if len(sites) < regions:
        raise ValueError(f"cannot make {regions} regions out of {len(sites)} sites")
    if any(s.weight < 0 for s in sites):
        raise ValueError("weights must not be negative")
    ordered = sorted(sites, key=lambda s: s.id)
    total_weight = sum(s.weight for s in ordered)
    work = {
        s.id: 0.5 / len(ordered) + (0.5 * s.weight / total_weight if total_weight else 0.5 / len(ordered))
        for s in ordered
    }
    return _bisect(_project(ordered), work, regions)


def _project(sites: Sequence[Site]) -> list[tuple[str, float, float]]:
    """Plane coordinates in km around the sites' mean latitude (good enough at regional scale)."""
    mean_lat = math.radians(sum(s.lat for s in sites) / len(sites))
    return [(s.id, s.lon * 111.32 * math.cos(mean_lat), s.lat * 110.57) for s in sites]


def _bisect(points: list[tuple[str, float, float]], work: dict[str, float], regions: int) -> list[list[str]]:
    if regions == 1:
        return [[p[0] for p in points]]
    axis = _principal_axis(points)
    line = sorted(points, key=lambda p: (_along(p, axis), p[0]))
    left_regions = regions // 2
    total = sum(work[p[0]] for p in line)
    target = total * left_regions / regions
    slack = BALANCE_TOLERANCE * total / regions
    # Among the cuts that keep the balance within tolerance (and leave each side at least as many
    # sites as regions), take the widest gap between neighbouring sites: a natural boundary such as
    # a river or open country. Failing that, the cut closest to the target.
    cuts, running = [], 0.0
    for cut in range(1, len(line)):
        running += work[line[cut - 1][0]]
        if left_regions <= cut <= len(line) - (regions - left_regions):
            gap = _along(line[cut], axis) - _along(line[cut - 1], axis)
            cuts.append((abs(running - target), gap, cut))
    within = [c for c in cuts if c[0] <= slack]
    best_cut = max(within, key=lambda c: (c[1], -c[0]))[2] if within else min(cuts)[2]
    return _bisect(line[:best_cut], work, left_regions) + _bisect(line[best_cut:], work, regions - left_regions)


def _along(point: tuple[str, float, float], axis: tuple[float, float]) -> float:
    return point[1] * axis[0] + point[2] * axis[1]


def _principal_axis(points: list[tuple[str, float, float]]) -> tuple[float, float]:
    """Unit direction of greatest spread (eigenvector of the 2x2 covariance), sign fixed."""
    n = len(points)
    mx = sum(p[1] for p in points) / n
    my = sum(p[2] for p in points) / n
    sxx = sum((p[1] - mx) ** 2 for p in points)
    syy = sum((p[2] - my) ** 2 for p in points)
    sxy = sum((p[1] - mx) * (p[2] - my) for p in points)
    angle = 0.5 * math.atan2(2 * sxy, sxx - syy)
    dx, dy = math.cos(angle), math.sin(angle)
    return (dx, dy) if dx > 1e-12 or (abs(dx) <= 1e-12 and dy > 0) else (-dx, -dy)
