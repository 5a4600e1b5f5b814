"""Where the DC should be: a planned day's routes solved again from each candidate site."""

import pytest
from django.core.management import CommandError, call_command

from insight.dc_sites import Site, compare_dc_sites, representative_run


def test_a_site_far_from_the_stores_drives_more_than_the_dc_where_it_is(planned_run):
    dc = planned_run.dc
    far = Site("FAR", "30 km north", float(dc.latitude) + 0.27, float(dc.longitude))

    assert representative_run(dc) == planned_run
    here, there = compare_dc_sites(dc, [far], planned_run, time_limit_s=1)

    assert here.site.code == dc.code and there.site.code == "FAR"
    assert here.vehicles >= 1 and here.unserved == 0
    assert there.km > here.km + 2 * 25  # at least the extra way out and back
    assert there.longest_km > here.longest_km


def test_the_command_prints_a_row_per_site_after_the_dc_itself(planned_run, tmp_path, capsys):
    sites = tmp_path / "sites.csv"
    sites.write_text(f"code,name,latitude,longitude\nNEAR,near,{float(planned_run.dc.latitude) + 0.01},121.5\n")

    call_command("compare_dc_sites", "--dc", planned_run.dc.code, "--sites", str(sites), "--time-limit", "1")

    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:2] == ["site", "km/day"]
    assert [line.split()[0] for line in lines[2:]] == [planned_run.dc.code, "NEAR"]


def test_the_command_needs_a_planned_day(dc, tmp_path):
    sites = tmp_path / "sites.csv"
    sites.write_text("code,latitude,longitude\nA,25.0,121.5\n")

    with pytest.raises(CommandError, match="no batch run"):
        call_command("compare_dc_sites", "--dc", dc.code, "--sites", str(sites))
