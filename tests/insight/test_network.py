"""Network planning on a DC's data: demand from districts and the platform's signals, coverage before
and after, candidates outside the area named, bad files reported row by row."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from insight.demand import demand_for, parse_districts
from insight.network import network_plan, parse_candidates
from stores.grid import cell_of
from stores.models import SearchCell
from tests.factories import StoreFactory

SAMPLES = Path(__file__).resolve().parents[2] / "insight" / "samples"
DISTRICTS = "district,population,age_0_14,age_15_64,age_65_plus,online_index\n106,300000,0.1,0.7,0.2,0.8\n"


@pytest.fixture
def two_stores(region):
    # Da'an (106) and 3 km east of it: the DC's area spans both
    return [
        StoreFactory(region=region, latitude="25.026400", longitude="121.543400"),
        StoreFactory(region=region, latitude="25.026400", longitude="121.573400"),
    ]


def candidates_csv(*rows: str) -> bytes:
    return ("code,name,latitude,longitude,is_24h,cost\n" + "\n".join(rows) + "\n").encode()


def test_the_sample_files_parse_cleanly():
    districts, errors = parse_districts((SAMPLES / "districts.csv").read_bytes())
    candidates, candidate_errors = parse_candidates((SAMPLES / "candidates.csv").read_bytes())

    assert errors == [] and candidate_errors == []
    assert len(districts) == 26 and len(candidates) > 100


def test_a_bad_district_file_gets_a_row_by_row_report_and_nothing_else():
    data = (
        b"district,population,age_0_14,age_15_64,age_65_plus,online_index\n"
        b"106,300000,0.1,0.7,0.2,0.8\n"
        b"Atlantis,1000,0.1,0.7,0.2,0.8\n"
        b"110,lots,0.1,0.7,0.2,0.8\n"
        b"104,1000,0.5,0.7,0.2,0.8\n"
    )

    districts, errors = parse_districts(data)

    assert districts == []
    assert [(e.row, e.column) for e in errors] == [(3, "district"), (4, "population"), (5, "age_0_14")]
    assert "unknown district" in str(errors[0]) and "add up to 1" in errors[2].message


def test_a_bad_candidate_file_names_each_bad_row_and_field():
    data = candidates_csv("C1,a,25.03,121.54,yes,10", "C1,b,25.03,121.54,yes,10", "C2,c,95,121.54,maybe,x")

    candidates, errors = parse_candidates(data)

    assert candidates == []
    assert [(e.row, e.column) for e in errors] == [(3, "code"), (4, "latitude"), (4, "is_24h")]


def test_coverage_before_and_after_and_a_candidate_outside_the_area_is_named_and_skipped(dc, two_stores):
    districts, _ = parse_districts(DISTRICTS.encode())
    demand = demand_for(dc, districts)
    # one candidate halfway between the stores, one in Keelung, far outside the DC's area
    rows = ("MID,mid,25.026400,121.558400,yes,", "KEE,keelung,25.1276,121.7392,no,")
    candidates, _ = parse_candidates(candidates_csv(*rows))

    plan = network_plan(dc, demand, candidates, add=2, radius_m=500)

    assert plan.total == demand.total > 0
    assert 0 < plan.covered_before < plan.covered_after < plan.total
    assert [site.candidate.code for site in plan.chosen] == ["MID"]
    assert plan.chosen[0].adds == plan.covered_after - plan.covered_before
    assert plan.skipped == ["KEE"]
    assert plan.answer.gap <= 0.005


def test_searches_with_no_store_near_add_demand_where_shoppers_looked(dc, two_stores, client):
    districts, _ = parse_districts(DISTRICTS.encode())
    far_away = (25.0300, 121.5584)  # inside the DC's area, 1.5 km from either store
    before = demand_for(dc, districts).cells.get(cell_of(*far_away), 0)

    # when: three shoppers search the picker from there
    for _ in range(3):
        answer = client.get("/stores/picker/search/", {"lat": far_away[0], "lng": far_away[1]})
        assert answer.status_code == 200

    # then: the cell keeps only counts, and its demand grows by them
    (cell,) = SearchCell.objects.all()
    assert (cell.row, cell.col, cell.searches, cell.with_no_store_near) == (*cell_of(*far_away), 3, 3)
    assert demand_for(dc, districts).cells[cell_of(*far_away)] == before + 3


def test_plan_network_prints_coverage_and_the_chosen_sites(dc, two_stores, tmp_path, capsys):
    candidates = tmp_path / "candidates.csv"
    candidates.write_bytes(candidates_csv("MID,mid,25.026400,121.558400,yes,"))

    call_command("plan_network", "--dc", dc.code, "--candidates", str(candidates), "--add", "1")

    out = capsys.readouterr().out
    assert "coverage before:" in out and "after:" in out
    assert "1. MID" in out


def test_plan_network_refuses_a_bad_file_with_its_report(dc, two_stores, tmp_path):
    candidates = tmp_path / "candidates.csv"
    candidates.write_bytes(candidates_csv("MID,mid,north,121.558400,yes,"))

    with pytest.raises(CommandError, match=r"row 2, latitude: not a number"):
        call_command("plan_network", "--dc", dc.code, "--candidates", str(candidates), "--add", "1")


def test_plan_network_names_an_unknown_dc(db, tmp_path):
    with pytest.raises(CommandError, match="--dc"):
        call_command("plan_network", "--dc", "NOPE", "--candidates", str(tmp_path / "x.csv"), "--add", "1")
