import socket
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.errors import DomainError
from routing.models import BatchRun, RegionPlan
from routing.services.batch import batch_run_here, batch_run_start, region_plans_unsent
from stores.models import DistributionCenter


class Command(BaseCommand):
    help = (
        "Run the daily route batch by hand: once per DC and day (a run that exists is not run again). "
        "Solves here, region by region, unless --enqueue hands the regions to the Celery workers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Plan day, YYYY-MM-DD (default: today in each DC's time zone).")
        parser.add_argument("--dc", help="DC code (default: every DC).")
        parser.add_argument(
            "--enqueue", action="store_true", help="Send the regions to the Celery workers instead of solving here."
        )
        parser.add_argument(
            "--time-limit", type=float, help="Solver seconds per region (default: PICKUP_ROUTING_TIME_LIMIT_S)."
        )

    def handle(self, *args, date=None, dc=None, enqueue=False, time_limit=None, **options):
        day = _parse_day(date)
        dcs = DistributionCenter.objects.all()
        if dc:
            dcs = dcs.filter(code=dc)
            if not dcs:
                raise CommandError(f"--dc: no distribution centre with code {dc!r}.")
        for centre in dcs:
            plan_day = day or timezone.now().astimezone(centre.tz).date()
            try:
                if enqueue:
                    run, created = batch_run_start(
                        dc=centre, day=plan_day, trigger=BatchRun.Trigger.COMMAND, time_limit_s=time_limit
                    )
                else:
                    run, created = batch_run_here(
                        dc=centre,
                        day=plan_day,
                        trigger=BatchRun.Trigger.COMMAND,
                        time_limit_s=time_limit,
                        worker=f"command@{socket.gethostname()}",
                        on_region=self._progress,
                    )
            except DomainError as error:
                raise CommandError(f"--time-limit: {error.message}") from None
            verb = "started" if created else "existed already"
            unsent = region_plans_unsent(run) if enqueue and created else 0
            if unsent:
                raise CommandError(
                    f"{centre.code} {plan_day}: run started, but the broker could not be reached: its {unsent} "
                    "regions were not sent to the workers. Nothing to redo: the catch-up check sends them within "
                    f"{settings.PICKUP_BATCH_CATCH_UP_SECONDS} s of the broker's return."
                )
            self.stdout.write(
                self.style.SUCCESS(
                    f"{centre.code} {plan_day}: run {verb}; "
                    f"{run.region_plans.count()} regions; {run.get_status_display()}."
                )
            )

    def _progress(self, rp: RegionPlan, outcome: str, number: int, total: int) -> None:
        detail = (
            rp.error
            if outcome == "failed"
            else f"{rp.stops} stops, {rp.vehicles_used} vehicles, {rp.unserved_stops} unserved"
        )
        self.stdout.write(f"  [{number}/{total}] {rp.region.code}: {outcome} – {detail}")


def _parse_day(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"--date: {raw!r} is not a date; use YYYY-MM-DD.") from None
