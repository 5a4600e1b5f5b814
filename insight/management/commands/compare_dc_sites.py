"""Where the DC should be: a representative day's routes solved from each candidate site.

    python manage.py compare_dc_sites --dc TPE-DC1 --sites sites.csv [--day YYYY-MM-DD] [--time-limit 5]

The sites file has the candidate sites' columns (code, latitude, longitude; optional name).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.input import parse_day
from insight.dc_sites import Site, compare_dc_sites, representative_run
from insight.network import parse_candidates
from routing.models import BatchRun
from stores.models import DistributionCenter


class Command(BaseCommand):
    help = "Compare candidate DC sites on a representative day's routes: km, vehicles, longest route."

    def add_arguments(self, parser):
        parser.add_argument("--dc", required=True)
        parser.add_argument("--sites", required=True, type=Path)
        parser.add_argument("--day", help="the day whose parcels are planned (default: the latest planned day)")
        parser.add_argument("--time-limit", type=float, default=5.0, help="search seconds per region and site")

    def handle(self, *args, **options):
        dc = DistributionCenter.objects.filter(code=options["dc"]).first()
        if dc is None:
            raise CommandError(f"--dc: no distribution centre with code {options['dc']!r}")
        try:
            data = options["sites"].read_bytes()
        except OSError as error:
            raise CommandError(f"--sites: {error.strerror}: {options['sites']}") from None
        candidates, errors = parse_candidates(data)
        if errors:
            raise CommandError("--sites has errors:\n" + "\n".join(f"  {e}" for e in errors))
        if options["day"]:
            try:
                day = parse_day(options["day"])
            except ValueError as error:
                raise CommandError(f"--day: {error}") from None
            run = BatchRun.objects.filter(dc=dc, plan_date=day).order_by("-pk").first()
        else:
            run = representative_run(dc)
        if run is None:
            raise CommandError(f"no batch run of {dc.code} to compare on; run the daily batch first")
        sites = [Site(c.code, c.name, c.latitude, c.longitude) for c in candidates]
        self.stdout.write(f"{dc.code}, parcels of {run.plan_date}, {options['time_limit']:g} s per region and site")
        header = f"{'site':<12} {'km/day':>8} {'vehicles':>8} {'longest km':>10} {'longest h':>9} {'unserved':>8}"
        self.stdout.write(header)
        for r in compare_dc_sites(dc, sites, run, time_limit_s=options["time_limit"]):
            self.stdout.write(
                f"{r.site.code:<12} {r.km:>8.1f} {r.vehicles:>8} {r.longest_km:>10.1f} {r.longest_hours:>9.2f} "
                f"{r.unserved:>8}  {r.site.name}"
            )
