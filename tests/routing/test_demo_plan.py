from django.core.management import call_command

from routing.models import BatchRun, RegionPlan
from tests.routing.conftest import fast_solve


def test_seed_demo_plans_today_once_so_the_console_has_a_plan(db, monkeypatch, capsys):
    # given: the search runs in this process (the isolated child is covered by the real-worker tests)
    monkeypatch.setattr("routing.services.batch.engine.solve_isolated", fast_solve)
    # when
    call_command("seed_demo", "--stores", "30", "--orders", "200", "--plan-today")
    call_command("seed_demo", "--stores", "30", "--orders", "200", "--plan-today")
    # then
    run = BatchRun.objects.get()
    assert run.status == BatchRun.Status.DONE
    assert run.region_plans.exists() and set(run.region_plans.values_list("status", flat=True)) == {
        RegionPlan.Status.PLANNED
    }
    out = capsys.readouterr().out
    assert "Route plan for TPE-DC1" in out and "already there" in out
