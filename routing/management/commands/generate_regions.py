from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count

from routing.models import BatchRun
from routing.partition import Site, partition
from stores.models import DistributionCenter, Region, Store


class Command(BaseCommand):
    help = (
        "Split a DC's active stores into N compact regions of about equal work (stops and parcels), "
        "named PREFIX01, PREFIX02, ...; regions left without stores and plans are removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dc", required=True, help="DC code.")
        parser.add_argument("--regions", type=int, required=True, help="Number of regions (at least 1).")
        parser.add_argument("--prefix", default="R", help="Code prefix of the new regions (default R).")
        parser.add_argument("--dry-run", action="store_true", help="Print the split without saving it.")

    def handle(self, *args, dc, regions, prefix, dry_run, **options):
        centre = DistributionCenter.objects.filter(code=dc).first()
        if centre is None:
            raise CommandError(f"--dc: no distribution centre with code {dc!r}.")
        if regions < 1:
            raise CommandError("--regions must be at least 1.")
        if BatchRun.objects.filter(dc=centre, status=BatchRun.Status.RUNNING).exists():
            raise CommandError("A batch run of this DC is running; regions can change once it has finished.")
        # Work per store: every parcel ever ordered to it, a steady proxy for its daily drops and returns.
        stores = list(
            Store.objects.filter(region__dc=centre, active=True).annotate(work=Count("orders__parcels")).order_by("pk")
        )
        try:
            groups = partition(
                [Site(str(s.pk), float(s.latitude), float(s.longitude), float(s.work)) for s in stores], regions
            )
        except ValueError as error:
            raise CommandError(f"--regions: {error}") from None
        work = {str(s.pk): s.work for s in stores}
        for number, ids in enumerate(groups, start=1):
            self.stdout.write(f"{prefix}{number:02d}: {len(ids)} stores, {sum(work[i] for i in ids)} parcels")
        if dry_run:
            return
        with transaction.atomic():
            for number, ids in enumerate(groups, start=1):
                region, _ = Region.objects.get_or_create(
                    dc=centre, code=f"{prefix}{number:02d}", defaults={"name": f"Area {number}"}
                )
                Store.objects.filter(pk__in=[int(i) for i in ids]).update(region=region)
            removed, _ = Region.objects.filter(dc=centre, stores__isnull=True, plans__isnull=True).delete()
        self.stdout.write(self.style.SUCCESS(f"{len(groups)} regions saved; {removed} empty regions removed."))
