"""Back-filling a period from the command line, and the hourly task that rolls up yesterday."""

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from insight.models import Rollup, StoreDay
from insight.tasks import rollup_yesterday
from tests.insight.conftest import DAY


def test_the_command_back_fills_a_period_and_can_repeat_it(dc, store, day_of_parcels):
    out = io.StringIO()
    for _ in range(2):
        call_command("rollup_figures", "--dc", dc.code, "--from", "2026-11-08", "--to", "2026-11-10", stdout=out)
    assert "rolled up 3 day(s), 2026-11-08 to 2026-11-10" in out.getvalue()
    assert sorted(Rollup.objects.values_list("day", flat=True)) == [
        DAY - timedelta(days=2),
        DAY - timedelta(days=1),
        DAY,
    ]
    assert StoreDay.objects.get(day=DAY, store=store).delivered == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dc", "NOPE"], "--dc: no distribution centre"),
        (["--from", "2026-13-01"], "--from: '2026-13-01' is not a day"),
        (["--from", "2026-11-10", "--to", "2026-11-01"], "--to: 2026-11-01 is before --from 2026-11-10"),
        (["--from", "2026-11-10", "--to", "2099-01-01"], "--to: 2099-01-01 has not ended yet"),
    ],
)
def test_the_command_names_the_bad_option(dc, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("rollup_figures", *args)
    assert not Rollup.objects.exists()


def test_the_hourly_task_rolls_up_yesterday_once(dc):
    assert settings.CELERY_BEAT_SCHEDULE["insight-rollup"]["task"] == "insight.rollup_due"
    yesterday = timezone.now().astimezone(dc.tz).date() - timedelta(days=1)
    first = rollup_yesterday.delay().get()
    assert f"{dc.pk} {yesterday:%Y-%m-%d}" in first
    assert rollup_yesterday.delay().get() == []
