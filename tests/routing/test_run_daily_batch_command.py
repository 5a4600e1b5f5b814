import pytest
from django.core.management import CommandError, call_command

from routing.models import BatchRun
from tests.conftest import PLAN_DAY


def test_the_command_runs_the_day_once_and_reports_each_region(network, parcels, capsys, monkeypatch):
    # given: the search runs here in-process (the isolated child is covered by the real-worker tests)
    from tests.conftest import fast_solve

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


@pytest.fixture
def broker_down(monkeypatch):
    """The Celery app's broker and result backend are a Redis nobody listens on (stopped), as in a
    deployment whose Redis is down, and tasks are really sent."""
    import socket

    from celery import Celery
    from celery.backends.redis import RedisBackend

    from pickup.celery import app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dead = f"redis://127.0.0.1:{port}/0"
    saved = {name: app.conf[name] for name in ("broker_url", "broker_transport", "broker_transport_options")}
    app.conf.update(
        broker_url=dead,
        broker_transport=None,
        broker_transport_options={},
        task_always_eager=False,  # restored by the autouse fixture
    )
    # Sending a task also subscribes to its result, which is where a Redis that is down held the sender.
    dead_backend = RedisBackend(app=app, url=dead)
    monkeypatch.setattr(Celery, "backend", property(lambda self: dead_backend))
    yield
    app.conf.update(saved)


@pytest.mark.django_db(transaction=True)  # the command sends after its own commit, as it does in production
def test_enqueue_with_the_broker_down_fails_fast_and_leaves_the_regions_to_the_catch_up(
    network, parcels, broker_down, settings
):
    import time

    from routing.models import RegionPlan

    # given a broker that is down
    settings.PICKUP_BATCH_CATCH_UP_SECONDS = 300
    # when
    started = time.monotonic()
    with pytest.raises(CommandError) as failed:
        call_command("run_daily_batch", "--date", PLAN_DAY.isoformat(), "--dc", "DC1", "--enqueue")
    elapsed = time.monotonic() - started
    # then it answers within seconds, says what happened and what will, and the regions wait for the catch-up
    assert elapsed < 5, elapsed
    message = str(failed.value)
    assert "the broker could not be reached" in message and "its 2 regions were not sent" in message
    assert "the catch-up check sends them within 300 s" in message
    assert BatchRun.objects.get().status == BatchRun.Status.RUNNING
    assert set(RegionPlan.objects.values_list("status", "queued_at")) == {(RegionPlan.Status.PENDING, None)}
