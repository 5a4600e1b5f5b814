"""Today's batch for the demo DC, run in this process with a short search, so a fresh `make run`
opens the planner console on a plan rather than an empty day."""

import socket

from django.utils import timezone

from routing.models import BatchRun
from routing.services.batch import batch_run_here
from stores.models import DistributionCenter

DEMO_SEARCH_S = 3.0


def plan_demo_today() -> list[str]:
    lines = []
    for dc in DistributionCenter.objects.all():
        day = timezone.now().astimezone(dc.tz).date()
        run, created = batch_run_here(
            dc=dc,
            day=day,
            trigger=BatchRun.Trigger.COMMAND,
            time_limit_s=DEMO_SEARCH_S,
            worker=f"seed_demo@{socket.gethostname()}",
        )
        lines.append(
            f"Route plan for {dc.code} {day}: {'made' if created else 'already there'} ({run.get_status_display()})."
        )
    return lines
