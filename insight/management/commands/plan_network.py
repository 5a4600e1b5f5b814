"""Which candidate sites a DC should add: coverage of demand before and after, and the chosen sites.

    python manage.py plan_network --dc TPE-DC1 --candidates insight/samples/candidates.csv --add 10 \\
        [--radius 500] [--districts insight/samples/districts.csv] [--limit 大安區=2 ...] [--only-24h]
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from insight.demand import demand_for, parse_districts
from insight.network import network_plan, parse_candidates
from stores.models import DistributionCenter

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


class Command(BaseCommand):
    help = "Choose the candidate sites that cover the most demand not yet within walking distance of a store."

    def add_arguments(self, parser):
        parser.add_argument("--dc", required=True, help="the distribution centre's code")
        parser.add_argument("--candidates", required=True, type=Path, help="CSV: code, latitude, longitude, ...")
        parser.add_argument("--add", required=True, type=int, help="how many sites to choose")
        parser.add_argument("--radius", type=float, help="walking distance in metres (default: the setting)")
        parser.add_argument("--districts", type=Path, default=SAMPLES / "districts.csv", help="district statistics CSV")
        parser.add_argument("--limit", action="append", default=[], metavar="DISTRICT=N", help="at most N sites there")
        parser.add_argument("--only-24h", action="store_true", help="only candidates open 24 hours")
        parser.add_argument("--time-limit", type=float, default=60.0)

    def handle(self, *args, **options):
        dc = DistributionCenter.objects.filter(code=options["dc"]).first()
        if dc is None:
            raise CommandError(f"--dc: no distribution centre with code {options['dc']!r}")
        if options["add"] < 1:
            raise CommandError("--add: must be at least 1")
        limits = {}
        for item in options["limit"]:
            name, _, number = item.partition("=")
            if not name or not number.isdigit():
                raise CommandError(f"--limit: {item!r} is not DISTRICT=N")
            limits[name] = int(number)
        districts = self._read(options["districts"], parse_districts, "--districts")
        candidates = self._read(options["candidates"], parse_candidates, "--candidates")
        plan = network_plan(
            dc,
            demand_for(dc, districts),
            candidates,
            add=options["add"],
            radius_m=options["radius"],
            district_limits=limits,
            only_24h=options["only_24h"],
            time_limit_s=options["time_limit"],
        )
        out = self.stdout.write
        out(f"demand: {plan.total} parcels over 28 days in {dc.code}'s area")
        out(f"coverage before: {plan.share(plan.covered_before):.1%}, after: {plan.share(plan.covered_after):.1%}")
        answer = plan.answer
        out(f"proven within {answer.gap:.2%} of the best possible choice ({answer.seconds:.1f} s)")
        for rank, site in enumerate(plan.chosen, 1):
            hours = "24h" if site.candidate.is_24h else "  -"
            out(f"{rank:3}. {site.candidate.code:<12} {hours} +{site.adds:<6} {site.district}  {site.candidate.name}")
        for name, total, before, after in plan.by_district:
            out(f"     {name or '-':<8} {before / total if total else 0:6.1%} -> {after / total if total else 0:6.1%}")
        if plan.skipped:
            out(f"skipped, outside {dc.code}'s area: {', '.join(plan.skipped)}")

    def _read(self, path: Path, parse, option: str):
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{option}: {error.strerror}: {path}") from None
        rows, errors = parse(data)
        if errors:
            report = "\n".join(f"  {error}" for error in errors)
            raise CommandError(f"{option}: {path} has errors; nothing was planned:\n{report}")
        return rows
