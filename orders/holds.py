"""How long a store holds a parcel: counted in whole days from scan-in, in the store's own time zone."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

# The last second of the last day; on a DST day the wall clock, not elapsed hours, is what the
# shopper was promised, so the deadline is built from the local date and not by adding hours.
END_OF_DAY = time(23, 59, 59)


def hold_days_for(temperature_class: str) -> int:
    """Hold days for a parcel of this temperature class (PICKUP_HOLD_DAYS_BY_CLASS, else PICKUP_HOLD_DAYS)."""
    return settings.PICKUP_HOLD_DAYS_BY_CLASS.get(temperature_class, settings.PICKUP_HOLD_DAYS)


def hold_deadline_for(arrived_at: datetime, tz: ZoneInfo, days: int | None = None) -> datetime:
    """End of the `days`-th day after arrival (default PICKUP_HOLD_DAYS), as an aware datetime."""
    if days is None:
        days = settings.PICKUP_HOLD_DAYS
    last_day = arrived_at.astimezone(tz).date() + timedelta(days=days)
    return datetime.combine(last_day, END_OF_DAY, tzinfo=tz)
