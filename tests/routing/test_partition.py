"""Region partitioning: every store once, compact, balanced, deterministic."""

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.partition import Site, partition

sites_strategy = st.lists(
    st.builds(
        Site,
        id=st.text("abcdefghij", min_size=1, max_size=6),
        lat=st.floats(24.5, 25.5),
        lon=st.floats(121.0, 122.0),
        weight=st.integers(0, 50),
    ),
    min_size=1,
    max_size=60,
    unique_by=lambda s: s.id,
)


@settings(max_examples=60, deadline=None)
@given(sites=sites_strategy, regions=st.integers(1, 8), shuffle_seed=st.integers(0, 1000))
def test_every_site_lands_in_exactly_one_region_whatever_the_input_order(sites, regions, shuffle_seed):
    if len(sites) < regions:
        with pytest.raises(ValueError, match="cannot make"):
            partition(sites, regions)
        return
    result = partition(sites, regions)
    shuffled = list(sites)
    random.Random(shuffle_seed).shuffle(shuffled)

    assert len(result) == regions
    assert all(result)
    assert sorted(i for region in result for i in region) == sorted(s.id for s in sites)
    assert partition(shuffled, regions) == result


def test_separate_towns_are_not_split_or_mixed():
    # given: two towns 50 km apart, of 21 and 20 stores: splitting at the town limits is a little
    # off balance, but well within tolerance
    rng = random.Random(1)
    towns = {"north": (25.3, 121.5, 21), "south": (24.85, 121.5, 20)}
    sites = [
        Site(f"{town}-{i}", lat + rng.uniform(-0.02, 0.02), lon + rng.uniform(-0.02, 0.02), 5)
        for town, (lat, lon, stores) in towns.items()
        for i in range(stores)
    ]

    # when
    regions = partition(sites, 2)

    # then
    assert sorted({i.split("-")[0] for i in region} for region in regions) == [{"north"}, {"south"}]


def test_regions_are_balanced_by_parcels_and_stops():
    # given: a city where the centre stores are busy and the outskirts quiet
    rng = random.Random(2)
    sites = []
    for i in range(200):
        r = rng.uniform(0, 0.15)
        angle = rng.uniform(0, 2 * math.pi)
        weight = 40 if r < 0.05 else 5
        sites.append(Site(f"s{i}", 25.05 + r * math.sin(angle), 121.5 + r * math.cos(angle), weight))
    by_id = {s.id: s for s in sites}

    # when
    regions = partition(sites, 5)

    # then: each region holds about a fifth of the work, half of it counted in parcels, half in stops
    total = sum(s.weight for s in sites)
    for region in regions:
        work = 0.5 * sum(by_id[i].weight for i in region) / total + 0.5 * len(region) / len(sites)
        assert work == pytest.approx(0.2, abs=0.02)


def test_regions_are_compact():
    # given: a uniform 12 x 12 grid of equal stores
    sites = [Site(f"{x}-{y}", 25.0 + y * 0.01, 121.5 + x * 0.01, 10) for x in range(12) for y in range(12)]
    position = {s.id: (s.lon, s.lat) for s in sites}

    # when
    regions = partition(sites, 4)

    # then: four quadrant-like blocks, each no wider than about half the grid in either direction
    for region in regions:
        xs = [position[i][0] for i in region]
        ys = [position[i][1] for i in region]
        assert max(xs) - min(xs) <= 0.065 and max(ys) - min(ys) <= 0.065
        assert len(region) == 36


def test_bad_arguments_are_refused():
    site = Site("a", 25.0, 121.5, 1)
    with pytest.raises(ValueError, match="at least 1"):
        partition([site], 0)
    with pytest.raises(ValueError, match="unique"):
        partition([site, site], 1)
    with pytest.raises(ValueError, match="negative"):
        partition([Site("b", 25.0, 121.5, -1)], 1)
