from datetime import datetime
from zoneinfo import ZoneInfo

from orders.holds import hold_deadline_for

TAIPEI = ZoneInfo("Asia/Taipei")
NEW_YORK = ZoneInfo("America/New_York")


def test_deadline_is_the_end_of_the_seventh_day_across_a_month_end():
    arrived = datetime(2026, 1, 28, 15, 10, tzinfo=TAIPEI)
    assert hold_deadline_for(arrived, TAIPEI, 7) == datetime(2026, 2, 4, 23, 59, 59, tzinfo=TAIPEI)


def test_deadline_counts_days_in_the_store_zone_not_utc():
    # 23:30 UTC on 31 Mar is already 1 Apr in Taipei: the first day of the hold is 1 Apr.
    arrived = datetime(2026, 3, 31, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert hold_deadline_for(arrived, TAIPEI, 7) == datetime(2026, 4, 8, 23, 59, 59, tzinfo=TAIPEI)


def test_deadline_keeps_the_wall_clock_across_daylight_saving_start():
    # Clocks in New York jump 02:00 → 03:00 on 8 March 2026: the promise is still 23:59:59 local.
    arrived = datetime(2026, 3, 5, 10, 0, tzinfo=NEW_YORK)
    deadline = hold_deadline_for(arrived, NEW_YORK, 7)
    assert deadline == datetime(2026, 3, 12, 23, 59, 59, tzinfo=NEW_YORK)
    assert deadline.utcoffset().total_seconds() == -4 * 3600  # EDT after the change
    assert arrived.utcoffset().total_seconds() == -5 * 3600


def test_deadline_across_daylight_saving_end():
    arrived = datetime(2026, 10, 30, 20, 0, tzinfo=NEW_YORK)
    deadline = hold_deadline_for(arrived, NEW_YORK, 7)
    assert deadline == datetime(2026, 11, 6, 23, 59, 59, tzinfo=NEW_YORK)
    assert deadline.utcoffset().total_seconds() == -5 * 3600


def test_default_days_come_from_settings(settings):
    settings.PICKUP_HOLD_DAYS = 3
    arrived = datetime(2026, 6, 1, 9, 0, tzinfo=TAIPEI)
    assert hold_deadline_for(arrived, TAIPEI) == datetime(2026, 6, 4, 23, 59, 59, tzinfo=TAIPEI)
