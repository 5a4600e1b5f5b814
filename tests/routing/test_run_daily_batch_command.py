import pytest
from django.core.management import CommandError, call_command

from routing.models import BatchRun
from tests.routing.conftest import PLAN_DAY


def test_the_command_runs_the_day_once_and_reports_each_region(network, parcels, capsys, monkeypatch):
    # given: the search runs here in-process (the isolated child is covered by the real-worker tests)
    from tests.routing.conftest import fast_solve

    monkeypatch.setattr("routing.services.batch.engine.solve_isolated", fast_solve)
    # when
    call_command("run_daily_batch", "--date", PLAN_DAY.isoformat(), "--dc", "DC1", "--time-limit", "2")
    call_command("run_daily_batch", "--date", PLAN_DAY.isoformat(), "--dc", "DC1")
    # then
    out = capsys.readouterr().out
    assert "[1/2] N: planned" in out and "[2/2] W: planned" in out
    assert "run started" in out and "run existed already" in out
    assert BatchRun.objects.get().status == BatchRun.Status.DONE


def test_bad_options_are_named(network):
    with pytest.raises(CommandError, match="--date: 'tomorrow' is not a date"):
        call_command("run_daily_batch", "--date", "tomorrow")
    with pytest.raises(CommandError, match="--dc: no distribution centre"):
        call_command("run_daily_batch", "--dc", "XX")
    with pytest.raises(CommandError, match="--time-limit: The solver time per region must be between"):
        call_command("run_daily_batch", "--dc", "DC1", "--time-limit", "0")
