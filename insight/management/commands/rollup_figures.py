from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from insight.rollup import last_whole_day, rollup_period
from stores.models import DistributionCenter


def _day(option: str, raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"{option}: {raw!r} is not a day (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = (
        "Roll up (or roll up again) the daily figures of a period, by default yesterday, for one DC or all. "
        "Safe to repeat: each row is upserted by its key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dc", help="DC code (default: every DC).")
        parser.add_argument("--from", dest="first", help="First day, YYYY-MM-DD (default: the last whole day).")
        parser.add_argument("--to", dest="last", help="Last day, YYYY-MM-DD (default: the last whole day).")

    def handle(self, *args, dc, first, last, **options):
        centres = DistributionCenter.objects.order_by("code")
        if dc:
            centres = centres.filter(code=dc)
            if not centres:
                raise CommandError(f"--dc: no distribution centre with code {dc!r}.")
        for centre in centres:
            yesterday = last_whole_day(centre, timezone.now())
            start = _day("--from", first) if first else yesterday
            end = _day("--to", last) if last else max(start, yesterday)
            if end < start:
                raise CommandError(f"--to: {end} is before --from {start}.")
            if end > yesterday:
                raise CommandError(
                    f"--to: {end} has not ended yet at {centre.code}; the last whole day is {yesterday}."
                )
            rollups = rollup_period(dc=centre, first=start, last=end)
            self.stdout.write(f"{centre.code}: rolled up {len(rollups)} day(s), {start} to {end}.")
