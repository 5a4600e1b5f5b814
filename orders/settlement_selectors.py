"""What the stores collected in cash for a merchant on a day: the settlement the merchant reconciles."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, IntegerField, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from orders.models import Merchant, ParcelEvent
from stores.models import Store


@dataclass(frozen=True)
class StoreTakings:
    store: Store
    count: int
    amount: int


def settlement_for_day(*, merchant: Merchant, livemode: bool, day: date) -> list[StoreTakings]:
    """Each store's cash collections for the merchant on `day` (in the platform's time zone), by store code.

    Counted from the counter's `cash_collected` events, whose details carry the amount taken; a sandbox
    collection names no store, so it is counted at the order's pickup store.
    """
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    rows = (
        ParcelEvent.objects.filter(
            type=ParcelEvent.Type.CASH_COLLECTED,
            parcel__order__merchant=merchant,
            parcel__order__livemode=livemode,
            created_at__gte=start,
            created_at__lt=end,
        )
        .annotate(at_store=Coalesce("store_id", "parcel__order__pickup_store_id"))
        .values("at_store")
        .annotate(count=Count("pk"), amount=Sum(Cast(KT("details__amount"), IntegerField())))
        .order_by()
    )
    totals = {row["at_store"]: row for row in rows}
    stores = Store.objects.filter(pk__in=totals).order_by("code")
    return [StoreTakings(store, totals[store.pk]["count"], totals[store.pk]["amount"] or 0) for store in stores]
